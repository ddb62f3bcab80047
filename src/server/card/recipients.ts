// Assignees become WeCom userids through their links to the card's authenticator (uuid = userid, meta.corpId =
// the corp the link was made under), as the notification channel reaches its recipients. A link made under
// another corp names a member of that corp: not reached.
import { Database, Op } from '@nocobase/database';
import { rootUserIds } from '../common/root-users';
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
  // A root user's click would never count (the sign-in refuses root users too): such an assignee gets no card.
  const linked = [...found.entries()].filter(([, state]) => state !== 'otherCorp').map(([userId]) => userId);
  const roots = await rootUserIds(db, linked);
  const reached: Assignee[] = [];
  const unreached: Unreached[] = [];
  for (const userId of userIds) {
    const state = found.get(userId);
    if (state && state !== 'otherCorp' && roots.has(userId)) unreached.push({ userId, reason: 'rootUser', userid: state.userid });
    else if (state && state !== 'otherCorp') reached.push(state);
    else unreached.push({ userId, reason: state ?? 'notLinked' });
  }
  return { reached, unreached };
}

/**
 * Whether `assignee` is still the user its WeCom userid is linked to, through the card's authenticator and under
 * the card's corp. A click is read at click time: a link removed or moved to another user since the card went out
 * (a mistaken link put right, a member who left) no longer speaks for the user the card was sent to.
 */
export async function stillLinked(db: Database, authenticator: string, corpId: string, assignee: Assignee): Promise<boolean> {
  const rows = (await db.getModel('usersAuthenticators').findAll({
    where: { authenticator, userId: assignee.userId, uuid: assignee.userid },
    attributes: ['meta'],
    raw: true,
  })) as unknown as { meta: unknown }[];
  return rows.some((row) => ((typeof row.meta === 'string' ? JSON.parse(row.meta) : row.meta) as { corpId?: unknown } | null)?.corpId === corpId);
}
