import { Alert, Button, Space, Typography } from 'antd';
import { useState } from 'react';
import type { CSSProperties } from 'react';
import { RESOURCE } from '../../constants';
import { useT } from '../locale';
import { apiError } from '../messages';

/** `POST ?source=NAME`: what a pull of the saved source would do, writing nothing (src/server/sync/preview.ts). */
export const PREVIEW_SYNC_ACTION = `${RESOURCE}:previewSync`;

interface Group {
  count: number;
  entries: { id: string; name?: string; user?: string }[];
}

interface PreviewAnswer {
  ok: boolean;
  message?: string;
  read?: { members: number; departments: number };
  users?: { create: Group; update: Group; link: Group; remove: Group; unlink: Group; unchanged: number };
  departments?: { create: Group; update: Group; remove: Group; unchanged: number };
  skipped?: { count: number; entries: { id: string; name?: string; reason: string; user?: string }[] };
  refusal?: { field: string; message: string };
}

type Request = <T>(config: { url: string; method: 'post'; data: unknown; skipNotify: boolean }) => Promise<{ data: T }>;
type T = ReturnType<typeof useT>;

const cell: CSSProperties = { padding: '4px 8px', borderBottom: '1px solid rgba(5, 5, 5, 0.06)', verticalAlign: 'top', textAlign: 'left' };

/** "Zhang San (zhangsan) → old_zhang (#3)", and how many more there are. */
function names(group: Group, t: T): string {
  const listed = group.entries.map((e) => `${e.name ? `${e.name} (${e.id})` : e.id}${e.user ? ` → ${e.user}` : ''}`);
  const more = group.count - group.entries.length;
  if (more > 0) listed.push(t('and {{count}} more', { count: more }));
  return listed.join(', ');
}

function reason(entry: { reason: string; user?: string }, t: T): string {
  switch (entry.reason) {
    case 'root':
      return entry.user ? t('a root user ({{user}}), never changed by the sync', { user: entry.user }) : t('a root user, never changed by the sync');
    case 'email-only':
      return entry.user
        ? t("only an email matches, which proves nothing: it may be {{user}} (give that user the member's mobile number)", { user: entry.user })
        : t('only an email matches, which proves nothing');
    case 'phone-ambiguous':
      return t('several users have their mobile number');
    case 'user-taken':
      return entry.user ? t("their user ({{user}}) is another member's", { user: entry.user }) : t("their user is another member's");
    // Option usernameFromUserid: these members are written, without the username.
    case 'username-taken':
      return entry.user
        ? t('written without the userid as username: {{user}} has that username', { user: entry.user })
        : t('written without the userid as username: another user has it');
    case 'username-invalid':
      return t('written without the userid as username: NocoBase accepts no . @ < > " \' / in a username');
    default:
      return entry.reason;
  }
}

/**
 * "Preview" of both clients' sync source forms: asks the server what Sync would do now with the source's saved
 * settings (read from WeCom, nothing written) and shows the counts and names. `source`: the name the source is
 * saved under; a new source has none yet.
 */
export function SyncPreviewView({ request, source }: { request: Request; source?: string }) {
  const t = useT();
  const [loading, setLoading] = useState(false);
  const [answer, setAnswer] = useState<PreviewAnswer>();

  const preview = async () => {
    if (!source) return;
    setLoading(true);
    setAnswer(undefined);
    try {
      const response = await request<{ data: PreviewAnswer }>({
        url: `${PREVIEW_SYNC_ACTION}?source=${encodeURIComponent(source)}`,
        method: 'post',
        data: {},
        skipNotify: true,
      });
      setAnswer(response.data.data);
    } catch (error) {
      setAnswer({ ok: false, message: apiError(error, t).message });
    } finally {
      setLoading(false);
    }
  };

  if (!source) return <Typography.Text type="secondary">{t('Save the source to preview what Sync would do.')}</Typography.Text>;
  const rows = (label: string, groups: [string, Group][], unchanged: number) => [
    ...groups.map(([what, group], i) => (
      <tr key={`${label}-${what}`}>
        <th style={cell}>{i === 0 ? label : ''}</th>
        <td style={cell}>{what}</td>
        <td style={{ ...cell, textAlign: 'right' }}>{group.count.toLocaleString('en-US')}</td>
        <td style={cell}>{names(group, t)}</td>
      </tr>
    )),
    <tr key={`${label}-unchanged`}>
      <th style={cell} />
      <td style={cell}>{t('Unchanged')}</td>
      <td style={{ ...cell, textAlign: 'right' }}>{unchanged.toLocaleString('en-US')}</td>
      <td style={cell} />
    </tr>,
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Button loading={loading} onClick={preview}>
        {t('Preview')}
      </Button>
      {!answer && <Typography.Text type="secondary">{t('Reads WeCom and shows what Sync would do now with the saved settings. Nothing is written.')}</Typography.Text>}
      {answer && !answer.ok && <Alert type="error" showIcon message={answer.message} />}
      {answer?.ok && answer.users && answer.departments && (
        <div data-testid="wecom-sync-preview">
          <Typography.Text>{t('Read {{members}} members in {{departments}} departments from WeCom.', { members: answer.read?.members ?? 0, departments: answer.read?.departments ?? 0 })}</Typography.Text>
          {answer.refusal && <Alert type="warning" showIcon message={answer.refusal.message} style={{ marginTop: 8 }} />}
          <table style={{ width: '100%', borderCollapse: 'collapse', marginTop: 8 }}>
            <tbody>
              {rows(
                t('Users'),
                [
                  [t('To create'), answer.users.create],
                  [t('To update'), answer.users.update],
                  [t('To link to existing users'), answer.users.link],
                  [t('To remove'), answer.users.remove],
                  [t('To unlink (the user stays: the sync did not create it)'), answer.users.unlink],
                ],
                answer.users.unchanged,
              )}
              {rows(
                t('Departments'),
                [
                  [t('To create'), answer.departments.create],
                  [t('To update'), answer.departments.update],
                  [t('To remove'), answer.departments.remove],
                ],
                answer.departments.unchanged,
              )}
            </tbody>
          </table>
          {answer.skipped && answer.skipped.count > 0 && (
            <div style={{ marginTop: 8 }}>
              <Typography.Text>{t('Left out ({{count}}):', { count: answer.skipped.count })}</Typography.Text>
              <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                {answer.skipped.entries.map((e) => (
                  <li key={e.id}>
                    {e.name ? `${e.name} (${e.id})` : e.id}: {reason(e, t)}
                  </li>
                ))}
                {answer.skipped.count > answer.skipped.entries.length && <li>{t('and {{count}} more', { count: answer.skipped.count - answer.skipped.entries.length })}</li>}
              </ul>
            </div>
          )}
        </div>
      )}
    </Space>
  );
}
