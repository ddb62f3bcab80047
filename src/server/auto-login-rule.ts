// At most one enabled WeCom authenticator signs people in automatically: two would race for every
// visit from the WeCom client.
import { Context, Next } from '@nocobase/actions';
import { Model } from '@nocobase/database';
import { AUTH_TYPE, NAMESPACE } from '../constants';

type Raw = Record<string, unknown>;

/** Resource middleware on authenticators:create / update. */
export async function enforceSingleAutoLogin(ctx: Context, next: Next) {
  const { resourceName, actionName } = ctx.action;
  if (resourceName !== 'authenticators' || (actionName !== 'create' && actionName !== 'update')) return next();
  const repo = ctx.db.getRepository('authenticators');
  const values = (ctx.action.params.values ?? {}) as Raw;
  const current = actionName === 'update' ? ((await repo.findOne({ filterByTk: ctx.action.params.filterByTk }))?.toJSON() as Raw | undefined) : undefined;
  const next_ = { ...current, ...values };
  if (next_.authType !== AUTH_TYPE || next_.enabled === false || !autoLogin(next_.options)) return next();
  const others = await repo.find({ filter: { authType: AUTH_TYPE, enabled: true } });
  const holder = others.find((other: Model) => other.get('name') !== next_.name && autoLogin(other.get('options')));
  if (holder) {
    ctx.throw(
      400,
      ctx.t('Only one WeCom authenticator can have automatic login. "{{name}}" already has it: turn it off there first.', {
        ns: NAMESPACE,
        name: holder.get('title') || holder.get('name'),
      }),
    );
  }
  return next();
}

function autoLogin(options: unknown): boolean {
  const pub = (options as Raw | undefined)?.public as Raw | undefined;
  return pub?.autoLogin === true;
}
