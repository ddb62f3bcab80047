// "More fields" of both clients' sync source forms: an editable table of WeCom member field → users field (option
// `fieldMap`), the users fields loaded from the API, and which mapped fields the Secret in use cannot read.
// The server checks the mapping again on save (src/server/sync/field-map.ts); the form only offers what it accepts.
import { Button, Input as AntInput, Select as AntSelect, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { ChangeEvent, CSSProperties, FC } from 'react';
import {
  EXTATTR_PREFIX,
  GUARDED_USERS_FIELDS,
  HIDDEN_FROM_NEW_APPS,
  MAPPABLE_WECOM_FIELDS,
  TEXT_FIELD_TYPES,
  USERS_FIELDS_WRITTEN_BY_SYNC,
} from '../../shared/wecom-fields';
import { useT } from '../locale';

export interface FieldMapRow {
  from?: string;
  to?: string;
}

/** A users field the mapping may write: its name and its title as the collection manager shows it. */
export interface UsersField {
  name: string;
  title: string;
}

type T = ReturnType<typeof useT>;
type Request = <R>(config: { url: string; method: 'get'; skipNotify: boolean }) => Promise<{ data: R }>;

/** `{ name, type, interface, unique, uiSchema: { title } }`, as `collections/users/fields:list` answers. */
interface FieldRecord {
  name?: string;
  type?: string;
  interface?: string | null;
  unique?: boolean | null;
  primaryKey?: boolean | null;
  uiSchema?: { title?: string } | null;
}

// The props of antd's Select and Input this view uses (the declared types cover fewer: src/client-common/types).
const Select = AntSelect as unknown as FC<{
  options: { value: string; label: string }[];
  value?: string;
  onChange(value: string): void;
  placeholder?: string;
  'aria-label'?: string;
  loading?: boolean;
  showSearch?: boolean;
  optionFilterProp?: string;
  style?: CSSProperties;
}>;
const Input = AntInput as unknown as FC<{
  value?: string;
  onChange(event: ChangeEvent<HTMLInputElement>): void;
  placeholder?: string;
  'aria-label'?: string;
  style?: CSSProperties;
}>;

const CUSTOM = 'extattr';

/** How each WeCom field is offered. */
const WECOM_LABELS: Record<string, string> = {
  position: 'Position',
  alias: 'Alias',
  gender: 'Gender (0 unknown, 1 male, 2 female)',
  telephone: 'Telephone',
  direct_leader: "Direct leader (the first leader's userid)",
  english_name: 'English name',
  external_position: 'External position',
};

/** A title in the reader's language: NocoBase's own fields name a key of its locale inside a t() template. */
function titleOf(title: string | undefined, name: string, t: T): string {
  if (!title) return name;
  const key = /^\{\{\s*t\(\s*["'](.+?)["']/.exec(title);
  return key ? t(key[1]) : title;
}

/** The users fields a mapping may write: text fields with an interface, not unique, not guarded, not the sync's own. */
export function mappableUsersFields(records: FieldRecord[], t: T): UsersField[] {
  return records
    .filter(
      (f): f is FieldRecord & { name: string } =>
        typeof f.name === 'string' &&
        Boolean(f.interface) &&
        TEXT_FIELD_TYPES.includes(String(f.type)) &&
        !f.unique &&
        !f.primaryKey &&
        !GUARDED_USERS_FIELDS.includes(f.name) &&
        !USERS_FIELDS_WRITTEN_BY_SYNC.includes(f.name),
    )
    .map((f) => ({ name: f.name, title: titleOf(f.uiSchema?.title ?? undefined, f.name, t) }))
    .sort((a, b) => a.title.localeCompare(b.title));
}

/** The users fields, read once per form. undefined while loading; an empty list when they cannot be read. */
export function useUsersFields(request: Request): { fields?: UsersField[]; error?: boolean } {
  const t = useT();
  const [state, setState] = useState<{ fields?: UsersField[]; error?: boolean }>({});
  useEffect(() => {
    let live = true;
    request<{ data?: FieldRecord[] } | FieldRecord[]>({ url: 'collections/users/fields:list?paginate=false', method: 'get', skipNotify: true })
      .then(({ data }) => {
        const list = Array.isArray(data) ? data : Array.isArray(data?.data) ? data.data : [];
        if (live) setState({ fields: mappableUsersFields(list, t) });
      })
      .catch(() => live && setState({ fields: [], error: true }));
    return () => {
      live = false;
    };
    // Read once: the request function of a client may be a new one on each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return state;
}

/** What is wrong with the rows, as the server would say it (undefined: nothing). `fields`: the mappable users fields, when known. */
export function fieldMapProblem(rows: unknown, fields: UsersField[] | undefined, t: T): string | undefined {
  if (!Array.isArray(rows)) return undefined;
  const seen = new Set<string>();
  for (const row of rows as FieldMapRow[]) {
    const from = row?.from?.trim() ?? '';
    const to = row?.to?.trim() ?? '';
    if (!from && !to) continue;
    if (!from || from === EXTATTR_PREFIX) return t('Name the custom attribute (extattr) to map, as it is named in WeCom.');
    if (!to) return t('Choose the users field that receives the WeCom field "{{from}}".', { from });
    if (seen.has(to)) return t('The users field "{{to}}" is mapped twice: each users field receives one WeCom field.', { to });
    seen.add(to);
    if (fields && !fields.some((f) => f.name === to)) return t('The users collection has no field "{{to}}". Add it in the collection manager, or choose another.', { to });
  }
  return undefined;
}

/** The mapped rows whose WeCom field the app's own Secret (an app created after 2022-06-20) cannot read. */
function hiddenRows(rows: FieldMapRow[]): FieldMapRow[] {
  return rows.filter((r) => r.from && (HIDDEN_FROM_NEW_APPS as readonly string[]).includes(r.from));
}

const row: CSSProperties = { display: 'flex', gap: 8, alignItems: 'center', marginBottom: 8, flexWrap: 'wrap' };
// A basis, not a width: NocoBase's form styles give a Select the whole width, which would put each on a line of its own.
const cellStyle: CSSProperties = { flex: '1 1 160px', minWidth: 0 };

/**
 * The mapping table (value/onChange, as a form field; the form's validator says what is wrong: fieldMapProblem). `contactsSecret`: whether the source has a contacts-sync
 * Secret (typed or saved), which decides what the restriction notice says.
 */
export function FieldMapView({
  value,
  onChange,
  fields,
  contactsSecret,
}: {
  value?: FieldMapRow[];
  onChange?: (rows: FieldMapRow[]) => void;
  fields?: UsersField[];
  contactsSecret: boolean;
}) {
  const t = useT();
  const rows = Array.isArray(value) ? value : [];
  const set = (next: FieldMapRow[]) => onChange?.(next);
  const update = (i: number, patch: FieldMapRow) => set(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const wecomOptions = [
    ...MAPPABLE_WECOM_FIELDS.map((f) => ({ value: f, label: `${t(WECOM_LABELS[f])} (${f})` })),
    { value: CUSTOM, label: t('Custom attribute (extattr, by name)') },
  ];
  const usersOptions = (fields ?? []).map((f) => ({ value: f.name, label: `${f.title} (${f.name})` }));
  const hidden = hiddenRows(rows);
  return (
    <div data-testid="wecom-field-map">
      {rows.map((r, i) => {
        const custom = r.from?.startsWith(EXTATTR_PREFIX);
        return (
          <div key={i} style={row} data-testid={`wecom-field-map-row-${i}`}>
            <Select
              style={cellStyle}
              placeholder={t('WeCom field')}
              aria-label={t('WeCom field')}
              options={wecomOptions}
              value={custom ? CUSTOM : r.from}
              onChange={(v: string) => update(i, { from: v === CUSTOM ? EXTATTR_PREFIX : v })}
            />
            {custom && (
              <Input
                style={cellStyle}
                placeholder={t('Attribute name in WeCom')}
                aria-label={t('Attribute name in WeCom')}
                value={r.from?.slice(EXTATTR_PREFIX.length)}
                onChange={(e) => update(i, { from: `${EXTATTR_PREFIX}${e.target.value}` })}
              />
            )}
            <Typography.Text type="secondary">→</Typography.Text>
            <Select
              style={cellStyle}
              placeholder={t('Users field')}
              aria-label={t('Users field')}
              options={usersOptions}
              loading={!fields}
              showSearch
              optionFilterProp="label"
              value={r.to}
              onChange={(v: string) => update(i, { to: v })}
            />
            <Button onClick={() => set(rows.filter((_, j) => j !== i))}>{t('Remove')}</Button>
          </div>
        );
      })}
      <Space direction="vertical" style={{ width: '100%' }}>
        <Button onClick={() => set([...rows, {}])}>{t('Add a field')}</Button>
        {fields && !fields.length && (
          <Typography.Text type="secondary">{t('The users collection has no text field to map into: add one in the collection manager (Users).')}</Typography.Text>
        )}
        {/* Text, not an antd Alert: the drawer's one alert stays Check configuration's answer. */}
        <Typography.Text type={hidden.length && !contactsSecret ? 'warning' : 'secondary'} data-testid="wecom-field-map-notice">
          {contactsSecret
            ? t('With the contacts-sync Secret, WeCom answers every field above. From an IP trusted after 2022-08-15 it reads only ids, and the details come from the app\'s Secret: then gender is hidden too (Check configuration says which applies).')
            : t('Without a contacts-sync Secret the app\'s Secret reads the members: WeCom hides gender (with mobile, email and avatar) from apps created after 2022-06-20. Enter the contacts-sync Secret to read it.')}
          {hidden.length && !contactsSecret
            ? ` ${t('Not written with this Secret: {{fields}}.', { fields: hidden.map((r) => `${r.from} → ${r.to ?? '?'}`).join(', ') })}`
            : ''}
        </Typography.Text>
      </Space>
    </div>
  );
}
