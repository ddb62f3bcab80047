// NocoBase users become WeCom userids through their links to the channel's authenticator: a link made
// when the member first signed in (uuid = userid, meta.corpId = the corp it was made under).
import { Database } from '@nocobase/database';
import { parseUserSelectionConfig } from '@nocobase/plugin-notification-manager';
import { LoginError } from '../errors';

export type Unreached = 'notLinked' | 'otherCorp';

export interface Recipients {
  /** userid -> NocoBase user id */
  userids: Map<string, number>;
  /** NocoBase user ids the channel cannot send to, and why */
  unreached: Map<number, Unreached>;
  total: number;
}

/** SQLite refuses statements with too many bound values. */
const QUERY_CHUNK = 500;

/**
 * The user ids of a send: `receivers` (`messages:send`, `sendToUsers`) or, when a workflow's
 * notification node sends, its user selection in `message.receivers`.
 */
export async function userIdsOf(db: Database, receivers: unknown, message: unknown): Promise<number[]> {
  if (receivers !== undefined && receivers !== null) {
    const { type, value } = receivers as { type?: unknown; value?: unknown };
    if (type !== 'userId' || !Array.isArray(value)) throw wrongShape();
    return ids(value);
  }
  const selection = (message as { receivers?: unknown } | undefined)?.receivers;
  if (!Array.isArray(selection)) throw wrongShape();
  return ids(await parseUserSelectionConfig(selection, db.getRepository('users')));
}

function ids(values: unknown[]): number[] {
  const result = new Set<number>();
  for (const value of values) {
    const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw wrongShape();
    result.add(id);
  }
  if (result.size === 0) throw new LoginError({ code: 'WECOM_MESSAGE_INVALID', status: 400, message: 'The message has no recipients.' });
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
  const links = db.getRepository('usersAuthenticators');
  for (let at = 0; at < userIds.length; at += QUERY_CHUNK) {
    const rows = await links.find({
      filter: { authenticator, userId: { $in: userIds.slice(at, at + QUERY_CHUNK) } },
      fields: ['userId', 'uuid', 'meta'],
    });
    for (const row of rows) {
      const userId = Number(row.get('userId'));
      const meta = (row.get('meta') ?? {}) as { corpId?: unknown };
      // A link made before the authenticator was pointed at another corp names a member of that corp.
      if (meta.corpId !== corpId) {
        if (!linked.has(userId)) linked.set(userId, 'otherCorp');
        continue;
      }
      linked.set(userId, 'ok');
      userids.set(String(row.get('uuid')), userId);
    }
  }
  const unreached = new Map<number, Unreached>();
  for (const id of userIds) {
    const state = linked.get(id);
    if (state !== 'ok') unreached.set(id, state ?? 'notLinked');
  }
  return { userids, unreached, total: userIds.length };
}
