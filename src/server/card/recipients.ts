// Assignees become WeCom userids through their links to the card's authenticator (uuid = userid, meta.corpId =
// the corp the link was made under), as the notification channel reaches its recipients. A link made under
// another corp names a member of that corp: not reached.
import { Database, Op } from '@nocobase/database';
import type { Assignee, Unreached } from './store';

/** Ids per query: Sequelize writes them into the SQL text. */
const CHUNK = 10_000;

export async function resolveAssignees(db: Database, authenticator: string, corpId: string, userIds: number[]): Promise<{ reached: Assignee[]; unreached: Unreached[] }> {
  const found = new Map<number, Assignee | 'otherCorp'>();
  for (let at = 0; at < userIds.length; at += CHUNK) {
    const rows = (await db.getModel('usersAuthenticators').findAll({
      where: { authenticator, userId: { [Op.in]: userIds.slice(at, at + CHUNK) } },
      attributes: ['userId', 'uuid', 'meta'],
      raw: true,
    })) as unknown as { userId: unknown; uuid: unknown; meta: unknown }[];
    for (const row of rows) {
      const userId = Number(row.userId);
      const meta = (typeof row.meta === 'string' ? JSON.parse(row.meta) : row.meta) as { corpId?: unknown } | null;
      if (meta?.corpId !== corpId) {
        if (!found.has(userId)) found.set(userId, 'otherCorp');
        continue;
      }
      found.set(userId, { userId, userid: String(row.uuid) });
    }
  }
  const reached: Assignee[] = [];
  const unreached: Unreached[] = [];
  for (const userId of userIds) {
    const state = found.get(userId);
    if (state && state !== 'otherCorp') reached.push(state);
    else unreached.push({ userId, reason: state ?? 'notLinked' });
  }
  return { reached, unreached };
}
