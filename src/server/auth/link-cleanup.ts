// A deleted user's WeCom links go with it. NocoBase removes a user's usersAuthenticators rows only when the
// user is destroyed one by one (the instance hooks run its CASCADE reference of authenticators.users: the
// users:destroy action, user-data-sync's removal of a synced user). A bulk delete without instance hooks
// (`Model.destroy({ where })`, the repository with `individualHooks: false`) leaves them, and a later sign-in or
// contacts sync would find a link to a user that no longer exists. Only WeCom links are removed here.
import { Database, Transaction } from '@nocobase/database';
import { AUTH_TYPE } from '../../constants';

export function removeWeComLinksOfDeletedUsers(db: Database) {
  db.on('users.beforeBulkDestroy', async (options: { where?: unknown; individualHooks?: boolean; transaction?: Transaction }) => {
    if (options.individualHooks) return;
    const { transaction } = options;
    const users = await db.getModel('users').findAll({ where: options.where as never, attributes: ['id'], raw: true, transaction });
    const ids = (users as unknown as { id: number }[]).map((u) => u.id);
    if (!ids.length) return;
    const rows = await db.getModel('authenticators').findAll({ where: { authType: AUTH_TYPE }, attributes: ['name'], raw: true, transaction });
    const names = (rows as unknown as { name: string }[]).map((r) => r.name);
    if (!names.length) return;
    await db.getModel('usersAuthenticators').destroy({ where: { userId: ids, authenticator: names }, transaction });
  });
}
