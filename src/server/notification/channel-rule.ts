// A WeCom channel is saved only with an authenticator it can send as.
import { Context, Next } from '@nocobase/actions';
import { CHANNEL_TYPE } from '../../constants';
import { localize, LoginError } from '../errors';
import { channelAuthenticator } from './authenticator';

type Raw = Record<string, unknown>;

/** Resource middleware on notificationChannels:create / update. */
export async function checkChannelOnSave(ctx: Context, next: Next) {
  const { resourceName, actionName } = ctx.action;
  if (resourceName !== 'notificationChannels' || (actionName !== 'create' && actionName !== 'update')) return next();
  const values = (ctx.action.params.values ?? {}) as Raw;
  const current =
    actionName === 'update'
      ? ((await ctx.db.getRepository('notificationChannels').findOne({ filterByTk: ctx.action.params.filterByTk }))?.toJSON() as Raw | undefined)
      : undefined;
  const merged = { ...current, ...values };
  if (merged.notificationType !== CHANNEL_TYPE) return next();
  const options = (merged.options ?? {}) as Raw;
  try {
    // A name, never rendered: `{{$env.X}}` here would put a secret variable's value into the refusal.
    await channelAuthenticator(ctx.app, options.authenticator);
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.throw(400, localize((key, opts) => ctx.t(key, { ...opts, interpolation: { escapeValue: false } }), error.reason));
  }
  return next();
}
