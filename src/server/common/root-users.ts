// Which users have NocoBase's root role. No path of this plugin claims, links, signs in as, rewrites or deletes
// such a user: the WeCom address book is edited by whoever administers WeCom, and a mobile number or a link set
// there must not hand over the NocoBase root account. Read when it is needed, never cached: a role given or taken
// away counts at once.
import type { Database } from '@nocobase/database';

const ROOT_ROLE = 'root';

/** Users with the root role, among `ids` (all of them when `ids` is not given). */
export async function rootUserIds(db: Database, ids?: readonly number[]): Promise<Set<number>> {
  // plugin-acl owns rolesUsers; without it there are no roles, so no root user.
  const model = db.getModel('rolesUsers');
  if (!model) return new Set();
  const rows = await model.findAll({ where: { roleName: ROOT_ROLE, ...(ids ? { userId: [...ids] } : {}) }, attributes: ['userId'], raw: true });
  return new Set((rows as unknown as { userId: number }[]).map((r) => Number(r.userId)));
}

/** Whether the user `id` has the root role. */
export async function isRootUser(db: Database, id: unknown): Promise<boolean> {
  const userId = Number(id);
  return (await rootUserIds(db, [userId])).has(userId);
}
