// At most one enabled WeCom authenticator signs people in automatically: two would race for every
// visit from the WeCom client. Enforced in the database hooks of `authenticators`, so that it holds on every
// write path (create with one record or an array, update by filterByTk or by filter, the repository itself);
// the write's transaction is rolled back, nothing is written.
import { Database, Model, Transaction } from '@nocobase/database';
import { AUTH_TYPE, NAMESPACE } from '../../constants';

type Raw = Record<string, unknown>;
type Translate = (key: string, options?: Record<string, unknown>) => string;
interface HookOptions {
  transaction?: Transaction;
  /** The request, when the write comes from an action (NocoBase passes it down to the hooks). */
  context?: { t?: Translate };
  where?: unknown;
  attributes?: Raw;
}

const MESSAGE = 'Only one WeCom authenticator can have automatic login. "{{name}}" already has it: turn it off there first.';

export function enforceSingleAutoLogin(db: Database, translate: Translate) {
  const check = async (saved: Raw[], options: HookOptions) => {
    const claiming = saved.filter(hasAutoLogin);
    if (!claiming.length) return;
    const ids = saved.map((values) => values.id).filter((id) => id !== undefined && id !== null);
    const others = await db.getRepository('authenticators').find({
      filter: { authType: AUTH_TYPE, enabled: true, ...(ids.length ? { id: { $notIn: ids } } : {}) },
      transaction: options.transaction,
    });
    const holder = others.map((other: Model) => other.toJSON() as Raw).find(hasAutoLogin) ?? (claiming.length > 1 ? claiming[0] : undefined);
    if (!holder) return;
    const t = options.context?.t ?? translate;
    const error = new Error(t(MESSAGE, { ns: NAMESPACE, name: holder.title || holder.name }));
    throw Object.assign(error, { status: 400, logLevel: 'info' });
  };

  db.on('authenticators.beforeSave', (model: Model, options: HookOptions) => check([model.get() as Raw], options));
  db.on('authenticators.beforeBulkCreate', (models: Model[], options: HookOptions) => check(models.map((model) => model.get() as Raw), options));
  // Model.update without individual hooks: the rows it will touch, as they will be.
  db.on('authenticators.beforeBulkUpdate', async (options: HookOptions) => {
    const rows = await db.getModel('authenticators').findAll({ where: options.where as never, transaction: options.transaction });
    await check(
      rows.map((row) => ({ ...(row.get() as Raw), ...options.attributes })),
      options,
    );
  });
}

function hasAutoLogin(values: Raw): boolean {
  const pub = (values.options as Raw | undefined)?.public as Raw | undefined;
  return values.authType === AUTH_TYPE && [true, 1, '1', 'true'].includes(values.enabled as never) && pub?.autoLogin === true;
}
