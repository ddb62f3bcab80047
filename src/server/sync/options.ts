// A `wecom` sync source's options, checked once: a missing or malformed value is named.
import { parseSchedule } from '../../shared/cron';
import { MAPPABLE_WECOM_FIELDS } from '../../shared/wecom-fields';
import { hasVariable, NAME_IS_VARIABLE } from '../common/options';

/** The source's settings (`userDataSyncSources.options`). */
export interface SyncOptions {
  /** The WeCom authenticator whose corp is synced and under which members are linked. */
  authenticator: string;
  /** The contacts-sync Secret (管理工具 → 通讯录同步); optional when the app's own Secret sees the whole corp. */
  contactsSecret?: string;
  /** Token and EncodingAESKey of the contacts callback; both or neither. */
  callbackToken?: string;
  callbackEncodingAESKey?: string;
  /** A cron expression (five fields, the server's time zone): when the source is pulled by itself; none: only by hand. */
  schedule?: string;
  /** WeCom department ids whose subtrees are synced; none: every department the Secret may read. */
  departments?: number[];
  /** The most users one pull may remove or unlink: a count, or a share of the source's members (`10%`, the default). */
  maxRemovals: RemovalLimit;
  /** More of WeCom's member fields written into fields of the users collection (field-map.ts). */
  fieldMap?: FieldMapping[];
  /** A user's username is its member's userid (never one another user has, never a root user's). */
  usernameFromUserid?: boolean;
}

/** One row of the mapping: a WeCom member field (`extattr:<name>` for a custom attribute) → a users field. */
export interface FieldMapping {
  from: string;
  to: string;
  /** The users field's length, when it has one (set by checkFieldMap before a pull; never saved). */
  max?: number;
}

/** The WeCom member fields a mapping may read (besides `extattr:<name>`). */
export const MAPPABLE_FIELDS = MAPPABLE_WECOM_FIELDS;
const EXTATTR = /^extattr:(.{1,64})$/s;
/** What a field name of a collection looks like (NocoBase's own rule for a field's name). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The custom attribute's name of `extattr:<name>`, else undefined. */
export function extattrName(from: string): string | undefined {
  const match = EXTATTR.exec(from);
  return match ? match[1].trim() || undefined : undefined;
}

/**
 * The mapping's rows as the forms send them (rows left wholly empty are dropped). The users fields themselves are
 * checked against the collection where it is known (field-map.ts).
 */
export function parseFieldMap(value: unknown): FieldMapping[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) throw new SyncConfigError('fieldMap', 'The field mapping must be a list of rows, each a WeCom field and a users field.');
  const rows: FieldMapping[] = [];
  for (const item of value) {
    const row = (typeof item === 'object' && item !== null ? item : {}) as Raw;
    const from = typeof row.from === 'string' ? row.from.trim() : '';
    const to = typeof row.to === 'string' ? row.to.trim() : '';
    if (!from && !to) continue;
    if (!from || !((MAPPABLE_FIELDS as readonly string[]).includes(from) || extattrName(from))) {
      throw new SyncConfigError('fieldMap', 'The WeCom field "{{from}}" cannot be mapped: choose one of the list, or extattr:<name> for a custom attribute.', { from });
    }
    if (!FIELD_NAME.test(to)) throw new SyncConfigError('fieldMap', 'Choose the users field that receives the WeCom field "{{from}}".', { from });
    if (rows.some((r) => r.to === to)) throw new SyncConfigError('fieldMap', 'The users field "{{to}}" is mapped twice: each users field receives one WeCom field.', { to });
    rows.push({ from, to });
  }
  return rows;
}

export type RemovalLimit = { count: number } | { percent: number };

export const DEFAULT_MAX_REMOVALS = '10%';
/** A percentage never allows fewer removals than this: a small company's ordinary departures pass. */
export const MIN_PERCENT_REMOVALS = 5;

/** How many of `members` (the users the source has, linked or written) one pull may remove. */
export function removalLimit(limit: RemovalLimit, members: number): number {
  if ('count' in limit) return limit.count;
  return Math.max(MIN_PERCENT_REMOVALS, Math.floor((members * limit.percent) / 100));
}

/** `2, 15`, `[2, 15]`, `2`: WeCom department ids (positive whole numbers). */
export function parseDepartmentIds(value: unknown): number[] {
  if (value === undefined || value === null || value === '') return [];
  const items = Array.isArray(value) ? value : typeof value === 'number' ? [value] : typeof value === 'string' ? value.split(/[\s,，]+/).filter(Boolean) : [undefined];
  const ids = items.map((item) => (typeof item === 'number' ? String(item) : item));
  if (!ids.every((id) => typeof id === 'string' && /^[1-9]\d{0,9}$/.test(id))) {
    throw new SyncConfigError('departments', 'Departments must be WeCom department IDs (whole numbers, like 2, 15), separated by commas.');
  }
  return [...new Set(ids.map(Number))];
}

/** `10%`, `25 %`, `100`, `0`, 100 (a number): what an admin writes in the form. */
export function parseRemovalLimit(value: unknown): RemovalLimit {
  if (value === undefined || value === null || value === '') return parseRemovalLimit(DEFAULT_MAX_REMOVALS);
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const percent = /^(\d{1,3}(?:\.\d+)?)\s*%$/.exec(text);
  if (percent && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  if (/^\d{1,9}$/.test(text)) return { count: Number(text) };
  throw new SyncConfigError('maxRemovals', 'Maximum removals must be a number of users (like 50) or a percentage of the members (like 10%).');
}

/** The write-only option paths (src/server/common/secrets.ts). */
export const SYNC_SECRET_PATHS = ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] as const;

/** `message` is an English locale key (namespace auth-wecom); `params.field`, when set, is a label to translate too. */
export class SyncConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly params: Record<string, string> = {},
  ) {
    super(message.replace(/\{\{(\w+)\}\}/g, (_, name: string) => params[name] ?? ''));
    this.name = 'SyncConfigError';
    this.key = message;
  }

  readonly key: string;
}

type Raw = Record<string, unknown>;

/** `invalid`: what the admin is told when the value does not match `pattern`; it says what a valid one is. */
function optional(raw: Raw, field: string, pattern: RegExp, invalid: { message: string; params?: Record<string, string> }, unrendered: boolean): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === '') return undefined;
  // Saved as written: the variable's value is checked where it is used (check, pull, callback).
  if (unrendered && typeof value === 'string' && hasVariable(value)) return value.trim();
  if (typeof value !== 'string' || !pattern.test(value.trim())) throw new SyncConfigError(field, invalid.message, invalid.params);
  return value.trim();
}

/** `{{$env.X}}` resolved in every option but `authenticator`, which is a name, not a secret. */
export function renderSyncOptions(environment: { renderJsonTemplate(template: unknown, options?: { omit?: string[] }): unknown }, raw: unknown): unknown {
  return environment.renderJsonTemplate(raw ?? {}, { omit: ['authenticator'] });
}

/** `unrendered`: the options as saved, where a secret may still be a `{{$env.X}}` variable. */
export function parseSyncOptions(input: unknown, { unrendered = false } = {}): SyncOptions {
  const raw: Raw = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Raw) : {};
  const authenticator = raw.authenticator;
  if (typeof authenticator !== 'string' || !authenticator.trim()) {
    throw new SyncConfigError('authenticator', 'No WeCom authenticator is chosen for this sync source.');
  }
  // A name, never rendered (renderSyncOptions): a `{{$env.X}}` here would name a secret in the answer.
  if (hasVariable(authenticator)) throw new SyncConfigError('authenticator', NAME_IS_VARIABLE);
  const options: SyncOptions = {
    authenticator: authenticator.trim(),
    maxRemovals: { percent: 10 },
    contactsSecret: optional(raw, 'contactsSecret', /^\S{1,256}$/, { message: '{{field}} is not valid.', params: { field: 'Contacts-sync Secret' } }, unrendered),
    // WeCom's admin console: a Token of 3 to 32 English letters or digits, an EncodingAESKey of 43 (it generates
    // letters and digits only; "+" and "/", base64's other two, are let through as the crypto takes them).
    callbackToken: optional(raw, 'callbackToken', /^[A-Za-z0-9]{3,32}$/, { message: 'The callback Token must be 3 to 32 English letters or digits, as set in WeCom.' }, unrendered),
    callbackEncodingAESKey: optional(
      raw,
      'callbackEncodingAESKey',
      /^[A-Za-z0-9+/]{43}$/,
      { message: 'The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.' },
      unrendered,
    ),
  };
  options.maxRemovals = parseRemovalLimit(raw.maxRemovals);
  const departments = parseDepartmentIds(raw.departments);
  if (departments.length) options.departments = departments;
  const fieldMap = parseFieldMap(raw.fieldMap);
  if (fieldMap.length) options.fieldMap = fieldMap;
  if (raw.usernameFromUserid !== undefined && raw.usernameFromUserid !== null && typeof raw.usernameFromUserid !== 'boolean') {
    throw new SyncConfigError('usernameFromUserid', 'Username from userid must be on or off.');
  }
  if (raw.usernameFromUserid === true) options.usernameFromUserid = true;
  const schedule = raw.schedule;
  if (schedule !== undefined && schedule !== null && schedule !== '') {
    if (!parseSchedule(schedule)) {
      throw new SyncConfigError('schedule', 'The schedule must be a cron expression of five fields (minute, hour, day of month, month, day of week), like 0 2 * * * for every day at 02:00.');
    }
    options.schedule = String(schedule).trim().split(/\s+/).join(' ');
  }
  if (Boolean(options.callbackToken) !== Boolean(options.callbackEncodingAESKey)) {
    throw new SyncConfigError(options.callbackToken ? 'callbackEncodingAESKey' : 'callbackToken', 'The callback needs both the Token and the EncodingAESKey.');
  }
  return options;
}
