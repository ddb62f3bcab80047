// What a pull or one change did (SyncReport), and the task messages user-data-sync shows for it: the report, or
// why the pull failed.
import { NAMESPACE } from '../../constants';
import { localize, LoginError, reasonFromWecom } from '../common/errors';
import type { Directory } from '../wecom/contacts';
import { WecomApiError } from '../wecom/errors';
import { SyncConfigError } from './options';

/** Why a member was not written: its user could not be told for sure, or may not be touched. */
export type SkipReason = 'phone-ambiguous' | 'user-taken' | 'email-only' | 'root';

export interface SyncReport {
  recipe?: Directory['recipe'];
  /** `unlinked`: members who left WeCom whose user the sync did not create: kept, only its link removed. */
  users: { written: number; unchanged: number; removed: number; unlinked: number };
  departments: { written: number; unchanged: number; removed: number };
  /** Members not written: their user could not be told for sure, or may not be touched (`userId`: the user concerned). */
  skipped: { userid: string; reason: SkipReason; userId?: number; user?: string }[];
}

export function emptyReport(recipe?: Directory['recipe']): SyncReport {
  return {
    recipe,
    users: { written: 0, unchanged: 0, removed: 0, unlinked: 0 },
    departments: { written: 0, unchanged: 0, removed: 0 },
    skipped: [],
  };
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The task message user-data-sync shows: what was done, and who was left out (and why). */
export function describeReport(report: SyncReport, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  let text = t(
    'Recipe {{recipe}}. Users: {{usersWritten}} written, {{usersUnchanged}} unchanged, {{usersRemoved}} removed. Departments: {{departmentsWritten}} written, {{departmentsUnchanged}} unchanged, {{departmentsRemoved}} removed.',
    {
      ...opts,
      recipe: report.recipe ?? '-',
      usersWritten: report.users.written,
      usersUnchanged: report.users.unchanged,
      usersRemoved: report.users.removed,
      departmentsWritten: report.departments.written,
      departmentsUnchanged: report.departments.unchanged,
      departmentsRemoved: report.departments.removed,
    },
  );
  if (report.users.unlinked) {
    text += ` ${t('{{count}} who left WeCom kept their user (not created by the sync); only the link was removed.', { ...opts, count: report.users.unlinked })}`;
  }
  for (const [reason, key] of Object.entries(SKIPPED) as [SkipReason, string][]) {
    const entries = report.skipped.filter((s) => s.reason === reason);
    if (!entries.length) continue;
    const members = entries.map((s) => (s.user ? `${s.userid} → ${s.user}` : s.userid)).join(', ');
    text += ` ${t(key, { ...opts, members })}`;
  }
  return text;
}

/** Why members were left out, and what the admin can do about it. */
// In this order: the task's message holds 255 characters (the log has the whole report).
const SKIPPED: Record<SkipReason, string> = {
  root: 'Not written (root user, never changed by the sync): {{members}}.',
  'email-only':
    "Not linked: only an email matches, which proves nothing (give the user the member's mobile number): {{members}}.",
  'phone-ambiguous': 'Not written (several users have their mobile number): {{members}}.',
  'user-taken': 'Not written (their user is another member\'s): {{members}}.',
};

/** Why a pull failed, in the language of whoever started it. */
export function describeFailure(error: unknown, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  if (error instanceof SyncConfigError) {
    const params: Record<string, string> = { ...error.params };
    if (params.field) params.field = t(params.field, opts);
    return t(error.key, { ...opts, ...params });
  }
  if (error instanceof LoginError) return localize(t, error.reason);
  if (error instanceof WecomApiError) {
    if (error.failure !== 'errcode') return localize(t, reasonFromWecom(error));
    return t('WeCom refused {{endpoint}} (error {{errcode}}: {{errmsg}}).', { ...opts, endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg ?? '' });
  }
  return error instanceof Error ? error.message : String(error);
}
