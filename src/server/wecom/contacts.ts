// Reading a corp's address book with the fewest calls WeCom's rules allow since 2022 [96079]. Knows WeCom,
// not NocoBase.
import { WecomApiError } from './errors';

export interface WecomDepartment {
  id: number;
  name: string;
  /** 0 for the root (id 1) */
  parentid: number;
  /** larger first among siblings */
  order: number;
}

export interface WecomMember {
  userid: string;
  name: string;
  department: number[];
  main_department?: number;
  /** aligned with `department`: 1 where the member leads it */
  is_leader_in_dept: number[];
  /** 1 active, 2 disabled, 4 not activated, 5 left */
  status: number;
  /** Hidden from apps created after 2022-06-20 (the contacts-sync secret still reads them). */
  mobile?: string;
  email?: string;
  biz_mail?: string;
  /**
   * More fields, for the field mapping: undefined when WeCom did not answer the field (`gender` is hidden from apps
   * created after 2022-06-20), '' when it answered it empty.
   */
  position?: string;
  alias?: string;
  /** '0' unknown, '1' male, '2' female. */
  gender?: string;
  telephone?: string;
  /** Leaders' userids, in WeCom's order. */
  direct_leader?: string[];
  english_name?: string;
  external_position?: string;
  /** Custom attributes of type text (0: `text.value`) and web (1: `web.url`); others (mini program) are left out. */
  extattr?: { name: string; value: string }[];
}

/**
 * - `A-contacts`: the contacts-sync secret reads details: department/list + user/list per department (1 + D calls, every field).
 * - `A-app`: the app's own secret, visible range = whole corp: the same calls (no mobile/email for apps created after 2022-06-20).
 * - `B`: the sync secret from an IP added after 2022-08-15 lists the ids (department/simplelist + user/list_id), the app
 *   token reads each department and member (≈ 2 + D + N calls).
 */
export type Recipe = 'A-contacts' | 'A-app' | 'B';

export interface Directory {
  recipe: Recipe;
  departments: WecomDepartment[];
  members: WecomMember[];
}

/** The part of WecomClient the reader needs. */
export interface ContactsCaller {
  call(endpoint: string, method: 'GET' | 'POST', init?: { params?: Record<string, string>; data?: unknown }): Promise<Record<string, unknown>>;
}

export interface ContactsClients {
  /** the login app's client */
  app: ContactsCaller;
  /** the contacts-sync secret's client, when one is configured */
  contacts?: ContactsCaller;
}

/** The sync secret used from an IP added after 2022-08-15 reads no details. */
const DETAILS_BLOCKED = 48009;
/** Outside the app's visible range. */
const NO_PRIVILEGE = 60011;
const NOT_FOUND = new Set([60111, 46004, 60003, 60123]);
const LIST_ID_PAGE = 10_000;
/** How much of the address book was read: `done` of `total` departments (or members, read one by one). */
export type ReadProgress = (done: number, total: number, unit: 'departments' | 'members') => void;

/**
 * user/list has no paging: one answer holds every member of the department (about 0.5–1 KB each with all
 * fields), so a department of more than ~2,000 members exceeds the client's default 1 MiB.
 */
export const CONTACTS_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Frequency (45009) and concurrency (45033) limits: wait and try again, a few times. */
const BUSY = new Set([45009, 45033]);
const BUSY_WAITS_MS = [1000, 3000, 9000];

const isErrcode = (error: unknown, codes: number | Set<number>): error is WecomApiError =>
  error instanceof WecomApiError && error.errcode !== undefined && (typeof codes === 'number' ? error.errcode === codes : codes.has(error.errcode));

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A caller that waits out WeCom's rate limits instead of failing the whole sync. */
function patient(client: ContactsCaller, waits: readonly number[]): ContactsCaller {
  return {
    async call(endpoint, method, init) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await client.call(endpoint, method, init);
        } catch (error) {
          if (!isErrcode(error, BUSY) || attempt >= waits.length) throw error;
          await new Promise((resolve) => setTimeout(resolve, waits[attempt]));
        }
      }
    },
  };
}

export class ContactsReader {
  private detailsBlocked = false;
  private readonly clients: ContactsClients;

  constructor(
    clients: ContactsClients,
    private readonly concurrency = 4,
    busyWaitsMs: readonly number[] = BUSY_WAITS_MS,
  ) {
    this.clients = { app: patient(clients.app, busyWaitsMs), contacts: clients.contacts && patient(clients.contacts, busyWaitsMs) };
  }

  /** The whole address book. `progress`: departments listed so far (or members, when read one by one). */
  async readAll(progress?: ReadProgress): Promise<Directory> {
    const { contacts, app } = this.clients;
    if (contacts && !this.detailsBlocked) {
      try {
        return await this.readWith(contacts, 'A-contacts', progress);
      } catch (error) {
        if (!isErrcode(error, DETAILS_BLOCKED)) throw error;
        this.detailsBlocked = true;
      }
    }
    if (contacts) {
      // The sync secret can list the ids from any IP; whether the app reads the details decides.
      try {
        return await this.readWith(app, 'A-app', progress);
      } catch (error) {
        if (!isErrcode(error, NO_PRIVILEGE)) throw error;
        return this.readB(contacts, app, progress);
      }
    }
    return this.readWith(app, 'A-app', progress);
  }

  /** One member as user/get sees it now; undefined when WeCom no longer has it. */
  async member(userid: string): Promise<WecomMember | undefined> {
    try {
      const reply = await this.detail((client) => client.call('user/get', 'GET', { params: { userid } }));
      return parseMember(reply);
    } catch (error) {
      if (isErrcode(error, NOT_FOUND)) return undefined;
      throw error;
    }
  }

  /** One department; undefined when WeCom no longer has it. */
  async department(id: number): Promise<WecomDepartment | undefined> {
    try {
      const reply = await this.detail((client) => client.call('department/get', 'GET', { params: { id: String(id) } }));
      return parseDepartment(reply.department);
    } catch (error) {
      if (isErrcode(error, NOT_FOUND)) return undefined;
      throw error;
    }
  }

  /** The departments directly under `parentId` with their order (department/simplelist, any secret, any IP). */
  async children(parentId: number): Promise<{ id: number; parentid: number; order: number }[]> {
    const client = this.clients.contacts ?? this.clients.app;
    const reply = await client.call('department/simplelist', 'GET', { params: { id: String(parentId) } });
    return array(reply.department_id)
      .map((d) => ({ id: num(d.id), parentid: num(d.parentid), order: num(d.order) }))
      .filter((d) => d.parentid === parentId);
  }

  /** A details call: the sync secret first, the app when the sync secret may not read details from here. */
  private async detail(fn: (client: ContactsCaller) => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const { contacts, app } = this.clients;
    if (contacts && !this.detailsBlocked) {
      try {
        return await fn(contacts);
      } catch (error) {
        if (!isErrcode(error, DETAILS_BLOCKED)) throw error;
        this.detailsBlocked = true;
      }
    }
    return fn(app);
  }

  private async readWith(client: ContactsCaller, recipe: Recipe, progress?: ReadProgress): Promise<Directory> {
    const list = await client.call('department/list', 'GET');
    const departments = array(list.department).map(parseDepartment).filter((d): d is WecomDepartment => d !== undefined);
    let read = 0;
    const pages = await mapLimit(departments, this.concurrency, async (d) => {
      const page = await client.call('user/list', 'GET', { params: { department_id: String(d.id) } });
      progress?.((read += 1), departments.length, 'departments');
      return page;
    });
    const members = new Map<string, WecomMember>();
    for (const page of pages) {
      for (const raw of array(page.userlist)) {
        const member = parseMember(raw);
        // A member of several departments is listed in each.
        if (member && !members.has(member.userid)) members.set(member.userid, member);
      }
    }
    return { recipe, departments, members: [...members.values()] };
  }

  private async readB(contacts: ContactsCaller, app: ContactsCaller, progress?: ReadProgress): Promise<Directory> {
    const simple = await contacts.call('department/simplelist', 'GET');
    const ids = array(simple.department_id).map((d) => num(d.id));
    const userids = new Set<string>();
    let cursor = '';
    do {
      const page = await contacts.call('user/list_id', 'POST', { data: { cursor, limit: LIST_ID_PAGE } });
      for (const row of array(page.dept_user)) if (typeof row.userid === 'string') userids.add(row.userid);
      cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
    } while (cursor);
    const departments = await mapLimit(ids, this.concurrency, async (id) =>
      parseDepartment((await app.call('department/get', 'GET', { params: { id: String(id) } })).department),
    );
    let read = 0;
    const members = await mapLimit([...userids], this.concurrency, async (userid) => {
      const member = parseMember(await app.call('user/get', 'GET', { params: { userid } }));
      progress?.((read += 1), userids.size, 'members');
      return member;
    });
    return {
      recipe: 'B',
      departments: departments.filter((d): d is WecomDepartment => d !== undefined),
      members: members.filter((m): m is WecomMember => m !== undefined),
    };
  }
}

function array(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0) || 0;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.map(num) : [];
}

export function parseDepartment(raw: unknown): WecomDepartment | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const d = raw as Record<string, unknown>;
  const id = num(d.id);
  if (!id) return undefined;
  return { id, name: str(d.name) ?? String(id), parentid: num(d.parentid), order: num(d.order) };
}

export function parseMember(raw: unknown): WecomMember | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const userid = str(m.userid);
  if (!userid) return undefined;
  const department = numbers(m.department);
  const leaders = numbers(m.is_leader_in_dept);
  return {
    userid,
    name: str(m.name) ?? userid,
    department,
    main_department: m.main_department === undefined ? undefined : num(m.main_department),
    is_leader_in_dept: department.map((_, i) => leaders[i] ?? 0),
    status: m.status === undefined ? 1 : num(m.status),
    mobile: str(m.mobile),
    email: str(m.email),
    biz_mail: str(m.biz_mail),
    ...answered(m),
  };
}

/** The optional text fields WeCom answered (a field it did not send stays undefined: the user keeps its value). */
const MORE_TEXT = ['position', 'alias', 'gender', 'telephone', 'english_name', 'external_position'] as const;

function answered(m: Record<string, unknown>): Partial<WecomMember> {
  const out: Partial<WecomMember> = {};
  for (const key of MORE_TEXT) {
    const value = m[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = String(value);
  }
  if (Array.isArray(m.direct_leader)) out.direct_leader = m.direct_leader.filter((l): l is string => typeof l === 'string' && l !== '');
  const attrs = (m.extattr as { attrs?: unknown } | undefined)?.attrs;
  if (Array.isArray(attrs)) out.extattr = array(attrs).map(extattrValue).filter((a): a is { name: string; value: string } => a !== undefined);
  return out;
}

/** `{ type: 0, name, text: { value } }` or `{ type: 1, name, web: { url, title } }` [90196]. */
function extattrValue(attr: Record<string, unknown>): { name: string; value: string } | undefined {
  const name = str(attr.name);
  if (!name) return undefined;
  const type = num(attr.type);
  const text = attr.text as { value?: unknown } | undefined;
  const web = attr.web as { url?: unknown } | undefined;
  if (type === 0 && typeof text?.value === 'string') return { name, value: text.value };
  if (type === 1 && typeof web?.url === 'string') return { name, value: web.url };
  return undefined;
}
