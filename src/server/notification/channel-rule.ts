// A WeCom channel is saved only with an authenticator it can send as.
import { Context, Next } from '@nocobase/actions';
import { CHANNEL_TYPE } from '../../constants';
import { localize, LoginError } from '../common/errors';
import { channelAuthenticator } from '../common/channel-authenticator';

type Raw = Record<string, unknown>;

/**
 * Resource middleware on notificationChannels:create / update: each record written (`values` may be an
 * array), and for an update each record it changes (by `filterByTk` or by `filter`).
 */
export async function checkChannelOnSave(ctx: Context, next: Next) {
  const { resourceName, actionName, params } = ctx.action;
  if (resourceName !== 'notificationChannels' || (actionName !== 'create' && actionName !== 'update')) return next();
  const written = (Array.isArray(params.values) ? params.values : [params.values ?? {}]) as Raw[];
  const targets: (Raw | undefined)[] =
    actionName === 'update' && (params.filterByTk !== undefined || params.filter !== undefined)
      ? (await ctx.db.getRepository('notificationChannels').find({ filterByTk: params.filterByTk, filter: params.filter })).map(
          (record: { toJSON(): unknown }) => record.toJSON() as Raw,
        )
      : [undefined];
  for (const values of written) {
    for (const current of targets) await checkChannel(ctx, { ...current, ...values });
  }
  return next();
}

async function checkChannel(ctx: Context, merged: Raw) {
  if (merged.notificationType !== CHANNEL_TYPE) return;
  const options = (merged.options ?? {}) as Raw;
  try {
    // A name, never rendered: `{{$env.X}}` here would put a secret variable's value into the refusal.
    await channelAuthenticator(ctx.app, options.authenticator);
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.throw(400, localize((key, opts) => ctx.t(key, { ...opts, interpolation: { escapeValue: false } }), error.reason));
  }
}
