// WeCom's address book as user-data-sync records (plugin-users and plugin-departments write them).
import { normalizePhone } from '../common/phone';
import type { WecomDepartment, WecomMember } from '../wecom/contacts';
import { mappedValues } from './field-map';
import type { FieldMapping } from './options';

export interface DepartmentRecord {
  uid: string;
  title?: string;
  parentUid?: string;
  sort?: number;
  isDeleted?: boolean;
}

export interface UserRecord {
  uid: string;
  nickname?: string;
  phone?: string;
  email?: string;
  departments?: { uid: string; isOwner: boolean; isMain: boolean }[];
  isDeleted?: boolean;
  /** The member's userid, with the option `usernameFromUserid` (set by the plan: it checks who has it). */
  username?: string;
  /** Mapped fields (option `fieldMap`): users field → WeCom's value. */
  [mapped: string]: unknown;
}

/** Disabled (2) and left (5) members are removed as user-data-sync removes a deleted record. */
const GONE = new Set([2, 5]);
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** WeCom's `order` is larger-first among siblings; NocoBase's `sort` is smaller-first: the rank (1, 2, …). */
export function siblingRanks(departments: readonly Pick<WecomDepartment, 'id' | 'parentid' | 'order'>[]): Map<number, number> {
  const byParent = new Map<number, Pick<WecomDepartment, 'id' | 'parentid' | 'order'>[]>();
  for (const d of departments) byParent.set(d.parentid, [...(byParent.get(d.parentid) ?? []), d]);
  const ranks = new Map<number, number>();
  for (const siblings of byParent.values()) {
    siblings.sort((a, b) => b.order - a.order || a.id - b.id).forEach((d, i) => ranks.set(d.id, i + 1));
  }
  return ranks;
}

/** Parents before children, so that a new department finds its parent already written. */
export function departmentRecords(departments: readonly WecomDepartment[]): DepartmentRecord[] {
  const ranks = siblingRanks(departments);
  const known = new Set(departments.map((d) => d.id));
  const children = new Map<number, WecomDepartment[]>();
  const roots: WecomDepartment[] = [];
  for (const d of departments) {
    if (known.has(d.parentid) && d.parentid !== d.id) children.set(d.parentid, [...(children.get(d.parentid) ?? []), d]);
    else roots.push(d);
  }
  const ordered: WecomDepartment[] = [];
  const queue = [...roots];
  while (queue.length) {
    const d = queue.shift() as WecomDepartment;
    ordered.push(d);
    queue.push(...(children.get(d.id) ?? []));
  }
  return ordered.map((d) => departmentRecord(d, ranks.get(d.id)));
}

export function departmentRecord(d: WecomDepartment, sort?: number): DepartmentRecord {
  return { uid: String(d.id), title: d.name, ...(d.parentid ? { parentUid: String(d.parentid) } : {}), ...(sort ? { sort } : {}) };
}

/** Only what WeCom gave: a field left out keeps what the user has in NocoBase. */
export function userRecord(m: WecomMember): UserRecord {
  if (GONE.has(m.status)) return { uid: m.userid, isDeleted: true };
  const phone = normalizePhone(m.mobile);
  const email = [m.biz_mail, m.email].find((e) => e && EMAIL.test(e));
  const main = m.main_department ?? m.department[0];
  return {
    uid: m.userid,
    nickname: m.name,
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
    departments: m.department.map((id, i) => ({ uid: String(id), isOwner: m.is_leader_in_dept[i] === 1, isMain: id === main })),
  };
}

/** userRecord with the source's mapped fields (option `fieldMap`), only ever written (field-map.ts). */
export function mappedUserRecord(m: WecomMember, fieldMap: readonly FieldMapping[] | undefined): UserRecord {
  const record = userRecord(m);
  return record.isDeleted || !fieldMap?.length ? record : { ...mappedValues(m, fieldMap), ...record };
}

/** Stable JSON (sorted keys) to tell whether a record changed since the last sync. */
export function sameRecord(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The ids of the departments in the subtrees of `roots` (those WeCom returned). */
export function subtrees(departments: readonly Pick<WecomDepartment, 'id' | 'parentid'>[], roots: readonly number[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const d of departments) children.set(d.parentid, [...(children.get(d.parentid) ?? []), d.id]);
  const known = new Set(departments.map((d) => d.id));
  const scope = new Set<number>();
  const queue = roots.filter((id) => known.has(id));
  while (queue.length) {
    const id = queue.shift() as number;
    if (scope.has(id)) continue;
    scope.add(id);
    queue.push(...(children.get(id) ?? []));
  }
  return scope;
}

/** A department of the scope: one whose parent is outside it becomes a root (its parent is not synced). */
export function scopedDepartment<D extends Pick<WecomDepartment, 'parentid'>>(d: D, scope: ReadonlySet<number>): D {
  return d.parentid && !scope.has(d.parentid) ? { ...d, parentid: 0 } : d;
}

/** The member with only its departments in the scope, or undefined when it has none there (not this source's). */
export function scopedMember(m: WecomMember, scope: ReadonlySet<number>): WecomMember | undefined {
  const kept = m.department.map((id, i) => [id, i] as const).filter(([id]) => scope.has(id));
  if (!kept.length) return undefined;
  const department = kept.map(([id]) => id);
  const main = m.main_department !== undefined && scope.has(m.main_department) ? m.main_department : department[0];
  return { ...m, department, is_leader_in_dept: kept.map(([, i]) => m.is_leader_in_dept[i] ?? 0), main_department: main };
}
