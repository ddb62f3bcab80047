// NocoBase users become WeCom userids through their links to a channel's authenticator: a link made
// when the member first signed in (uuid = userid, meta.corpId = the corp it was made under). Used by the
// app-message channel (notification/) and the group-robot channel's mentions (robot/).
import { Database, Op } from '@nocobase/database';
import { parseUserSelectionConfig } from '@nocobase/plugin-notification-manager';
import { LoginError } from './errors';

export type Unreached = 'notLinked' | 'otherCorp';

export interface Recipients {
  /** userid -> NocoBase user id */
  userids: Map<string, number>;
  /** NocoBase user ids the channel cannot send to, and why */
  unreached: Map<number, Unreached>;
  total: number;
}

/**
 * User ids per link query. Sequelize writes them into the SQL text (no bound parameters), so the limit is
 * the statement's length (SQLite: 1,000,000 bytes): 10,000 ids are about 60 KB.
 */
const QUERY_CHUNK = 10_000;

/**
 * The user ids of a send: `receivers` (`messages:send`, `sendToUsers`) or, when a workflow's
 * notification node sends, its user selection in `message.receivers`.
 */
export async function userIdsOf(db: Database, receivers: unknown, message: unknown, options: { allowNone?: boolean } = {}): Promise<number[]> {
  if (receivers !== undefined && receivers !== null) {
    const { type, value } = receivers as { type?: unknown; value?: unknown };
    if (type !== 'userId' || !Array.isArray(value)) throw wrongShape();
    return ids(value, options.allowNone);
  }
  const selection = (message as { receivers?: unknown } | undefined)?.receivers;
  // A group robot's message needs no receivers: it goes to the group.
  if (options.allowNone && (selection === undefined || selection === null)) return [];
  if (!Array.isArray(selection)) throw wrongShape();
  return ids(await parseUserSelectionConfig(selection, db.getRepository('users')), options.allowNone);
}

function ids(values: unknown[], allowNone = false): number[] {
  const result = new Set<number>();
  for (const value of values) {
    const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw wrongShape();
    result.add(id);
  }
  if (result.size === 0 && !allowNone) throw new LoginError({ code: 'WECOM_MESSAGE_INVALID', status: 400, message: 'The message has no recipients.' });
  return [...result];
}

function wrongShape(): LoginError {
  return new LoginError({
    code: 'WECOM_MESSAGE_INVALID',
    status: 400,
    message: 'The recipients must be given as { type: "userId", value: [user IDs] }.',
  });
}

/** Who among `userIds` this authenticator's app can reach, and who not. */
export async function resolveRecipients(db: Database, authenticator: string, corpId: string, userIds: number[]): Promise<Recipients> {
  const userids = new Map<string, number>();
  const linked = new Map<number, Unreached | 'ok'>();
  const links = db.getModel('usersAuthenticators');
  for (let at = 0; at < userIds.length; at += QUERY_CHUNK) {
    // Plain rows: building a model per link took most of the time of a send to 10,000 users.
    const rows = (await links.findAll({
      where: { authenticator, userId: { [Op.in]: userIds.slice(at, at + QUERY_CHUNK) } },
      attributes: ['userId', 'uuid', 'meta'],
      raw: true,
    })) as unknown as { userId: unknown; uuid: unknown; meta: unknown }[];
    for (const row of rows) {
      const userId = Number(row.userId);
      const meta = metaOf(row.meta);
      // A link made before the authenticator was pointed at another corp names a member of that corp.
      if (meta.corpId !== corpId) {
        if (!linked.has(userId)) linked.set(userId, 'otherCorp');
        continue;
      }
      linked.set(userId, 'ok');
      userids.set(String(row.uuid), userId);
    }
  }
  const unreached = new Map<number, Unreached>();
  for (const id of userIds) {
    const state = linked.get(id);
    if (state !== 'ok') unreached.set(id, state ?? 'notLinked');
  }
  return { userids, unreached, total: userIds.length };
}

/** A JSON field comes back as text from SQLite and MySQL when rows are read raw. */
function metaOf(value: unknown): { corpId?: unknown } {
  if (typeof value === 'string') {
    try {
      return (JSON.parse(value) ?? {}) as { corpId?: unknown };
    } catch {
      return {};
    }
  }
  return (value ?? {}) as { corpId?: unknown };
}
