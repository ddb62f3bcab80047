// What a contacts-sync configuration can read, found with a handful of calls instead of a whole pull: which
// kind of Secret each one is, which recipe the reader (contacts.ts) will take, and how many departments and
// members WeCom lets it see [95350, 96067, 95351, 90208, 90200, 90196]. Knows WeCom, not NocoBase.
import { ContactsCaller, mapLimit, Recipe } from './contacts';
import { WecomApiError } from './errors';

/** What a Secret opens: the contacts-sync assistant's, the app's own, or another app's of the same corp. */
export type SecretKind = 'contacts' | 'this-app' | 'other-app';

export interface ContactsProbe {
  recipe: Recipe;
  departments: number;
  members: number;
  /** The contacts-sync Secret reads only ids from this server (48009); the IP WeCom saw, when it said. */
  detailsBlocked?: { ip?: string };
  /** The recipe reads members with the app's Secret, and WeCom gives that app no mobile or email (created after 2022-06-20). */
  contactFieldsHidden: boolean;
}

/** A configuration that cannot read the address book, and why. */
export class ContactsProbeError extends Error {
  constructor(
    readonly problem: 'app-cannot-read' | 'ids-only-and-app-cannot-read',
    readonly ip?: string,
  ) {
    super(problem);
    this.name = 'ContactsProbeError';
  }
}

const errcodeOf = (error: unknown): number | undefined => (error instanceof WecomApiError && error.failure === 'errcode' ? error.errcode : undefined);

/**
 * agent/get of the authenticator's AgentId tells the kinds apart: the app itself answers, another app gets
 * 301002 (or 40056), and the contacts-sync token may call no app API at all (48002).
 */
export async function secretKind(client: ContactsCaller, agentId: string): Promise<SecretKind> {
  try {
    await client.call('agent/get', 'GET', { params: { agentid: agentId } });
    return 'this-app';
  } catch (error) {
    const errcode = errcodeOf(error);
    if (errcode === 48002) return 'contacts';
    if (errcode === 301002 || errcode === 40056) return 'other-app';
    throw error;
  }
}

/** The departments and members the sync will read, and with which recipe. About 4 calls with the contacts-sync Secret, 1 + D without. */
export async function probeContacts(clients: { app: ContactsCaller; contacts?: ContactsCaller }, concurrency = 4): Promise<ContactsProbe> {
  const { app, contacts } = clients;
  if (!contacts) {
    const departments = await readTree(app, undefined);
    const pages = await mapLimit(departments, concurrency, (id) => app.call('user/simplelist', 'GET', { params: { department_id: String(id) } }));
    const userids = new Set<string>();
    for (const page of pages) for (const row of rows(page.userlist)) if (typeof row.userid === 'string') userids.add(row.userid);
    const first = userids.values().next().value;
    return { recipe: 'A-app', departments: departments.length, members: userids.size, contactFieldsHidden: first ? await hidesContactFields(app, first) : false };
  }

  // The contacts-sync Secret lists every id from any IP (department/simplelist, user/list_id).
  const departments = rows((await contacts.call('department/simplelist', 'GET')).department_id).map((d) => Number(d.id));
  const userids = new Set<string>();
  let cursor = '';
  do {
    const page = await contacts.call('user/list_id', 'POST', { data: { cursor, limit: 10_000 } });
    for (const row of rows(page.dept_user)) if (typeof row.userid === 'string') userids.add(row.userid);
    cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
  } while (cursor);
  const counts = { departments: departments.length, members: userids.size };
  const first = userids.values().next().value;
  try {
    if (departments.length) await contacts.call('department/get', 'GET', { params: { id: String(departments[0]) } });
    return { recipe: 'A-contacts', ...counts, contactFieldsHidden: false };
  } catch (error) {
    if (errcodeOf(error) !== 48009) throw error;
    const ip = (error as WecomApiError).fromIp;
    // As the reader does: the app reads the tree when it sees the whole corp (A), else each member (B).
    let recipe: Recipe = 'A-app';
    try {
      await app.call('department/list', 'GET');
    } catch (appError) {
      if (errcodeOf(appError) !== 60011) throw appError;
      recipe = 'B';
    }
    let hidden = false;
    if (first) {
      try {
        hidden = await hidesContactFields(app, first);
      } catch (appError) {
        if (errcodeOf(appError) === 60011) throw new ContactsProbeError('ids-only-and-app-cannot-read', ip);
        throw appError;
      }
    }
    if (recipe === 'B' && departments.length) {
      try {
        await app.call('department/get', 'GET', { params: { id: String(departments[0]) } });
      } catch (appError) {
        if (errcodeOf(appError) === 60011) throw new ContactsProbeError('ids-only-and-app-cannot-read', ip);
        throw appError;
      }
    }
    return { recipe, ...counts, detailsBlocked: { ip }, contactFieldsHidden: hidden };
  }
}

/** Department ids the app's Secret sees; an app whose visible range is not the whole corp lists none (60011). */
async function readTree(app: ContactsCaller, ip: string | undefined): Promise<number[]> {
  try {
    return rows((await app.call('department/list', 'GET')).department).map((d) => Number(d.id));
  } catch (error) {
    if (errcodeOf(error) === 60011) throw new ContactsProbeError('app-cannot-read', ip);
    throw error;
  }
}

/** user/get leaves mobile and email out for an app created after 2022-06-20. */
async function hidesContactFields(client: ContactsCaller, userid: string): Promise<boolean> {
  const member = await client.call('user/get', 'GET', { params: { userid } });
  return !('mobile' in member) && !('email' in member) && !('biz_mail' in member);
}

function rows(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}
