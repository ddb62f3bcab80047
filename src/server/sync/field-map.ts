// More of WeCom's member fields (option `fieldMap`) and the userid as username (option `usernameFromUserid`):
// which users fields a mapping may write, and the values a member gives them. Mapped fields are only written,
// never used to decide which user a member is (that stays member-matching.ts).
import type { Database } from '@nocobase/database';
import { GUARDED_USERS_FIELDS, TEXT_FIELD_TYPES, USERS_FIELDS_WRITTEN_BY_SYNC } from '../../shared/wecom-fields';
import type { WecomMember } from '../wecom/contacts';
import { extattrName, FieldMapping, SyncConfigError, SyncOptions } from './options';

const WRITTEN_BY_SYNC = new Set(USERS_FIELDS_WRITTEN_BY_SYNC);
const GUARDED = new Set(GUARDED_USERS_FIELDS);
const TEXT_TYPES = new Set(TEXT_FIELD_TYPES);
/** The length of a `string` field that names none (NocoBase's, as Sequelize's STRING). */
const STRING_LENGTH = 255;
/** NocoBase's own rule for a username (the `username` validator of its forms). */
const USERNAME = /^[^@.<>"'/]{1,50}$/;

/**
 * Refuses a mapping that names a users field that does not exist, a guarded or unique one, one the sync writes
 * already, or one that does not hold text; answers the rows with the length of each string field (`max`). Checked on save and before each pull and preview (a field may have been
 * deleted or changed since the source was saved).
 */
export function checkFieldMap(db: Database, options: Pick<SyncOptions, 'fieldMap'>): FieldMapping[] {
  const users = db.getCollection('users');
  const rows: FieldMapping[] = [];
  for (const { from, to } of options.fieldMap ?? []) {
    const params = { from, to };
    if (GUARDED.has(to)) throw new SyncConfigError('fieldMap', 'The users field "{{to}}" is guarded: the contacts sync never writes it.', params);
    if (WRITTEN_BY_SYNC.has(to)) {
      throw new SyncConfigError('fieldMap', 'The users field "{{to}}" is written by the sync already (nickname from the name, phone from the mobile, email, username from the userid option): it cannot be mapped.', params);
    }
    const field = users?.getField(to);
    if (!field) throw new SyncConfigError('fieldMap', 'The users collection has no field "{{to}}". Add it in the collection manager, or choose another.', params);
    const type = String(field.type ?? field.options?.type ?? '');
    if (!TEXT_TYPES.has(type)) {
      throw new SyncConfigError('fieldMap', 'The users field "{{to}}" does not hold text ({{type}}): WeCom\'s values are text. Choose a text field.', { ...params, type });
    }
    if (field.options?.unique || field.options?.primaryKey) {
      throw new SyncConfigError('fieldMap', 'The users field "{{to}}" is unique: two members may share a WeCom value. Choose a field that is not unique.', params);
    }
    // A string column has a length (255 by default; PostgreSQL and MySQL enforce it): a longer value (a custom
    // attribute's URL) is cut there rather than failing the whole chunk of members it is pushed with.
    rows.push(type === 'string' ? { from, to, max: Number(field.options?.length) || STRING_LENGTH } : { from, to });
  }
  return rows;
}

/**
 * The values `member` gives the mapped fields: a field WeCom did not answer (hidden from this Secret, or a custom
 * attribute of another name or of a type that is not text or web) is left out, so the user keeps what it has; a
 * field WeCom answered empty clears it (null).
 */
export function mappedValues(member: WecomMember, fieldMap: readonly FieldMapping[] | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const { from, to, max } of fieldMap ?? []) {
    const found = memberValue(member, from);
    const value = max !== undefined && found !== undefined ? [...found].slice(0, max).join('') : found;
    if (value !== undefined) out[to] = value === '' ? null : value;
  }
  return out;
}

function memberValue(member: WecomMember, from: string): string | undefined {
  const attribute = extattrName(from);
  if (attribute !== undefined) {
    const attr = member.extattr?.find((a) => a.name === attribute);
    return attr?.value;
  }
  switch (from) {
    // The first of the member's leaders, by userid (WeCom lists them in the order the admin set).
    case 'direct_leader':
      return member.direct_leader === undefined ? undefined : member.direct_leader[0] ?? '';
    case 'position':
    case 'alias':
    case 'gender':
    case 'telephone':
    case 'english_name':
    case 'external_position':
      return member[from];
    default:
      return undefined;
  }
}

/** Whether `userid` can be a NocoBase username (WeCom allows `.` and `@` in a userid, NocoBase does not in a username). */
export function validUsername(userid: string): boolean {
  return USERNAME.test(userid);
}
