// A `wecom-robot` channel is saved with a key it can send with (a pasted webhook address is stored as its key)
// and, when one is chosen, a WeCom authenticator that exists.
import type { Context, Next } from '@nocobase/actions';
import { ROBOT_CHANNEL_TYPE } from '../../constants';
import { hasSavedSecret } from '../../shared/secrets';
import { webhookKeyOf } from '../../shared/robot-message';
import { channelAuthenticator } from '../common/channel-authenticator';
import { localize, LoginError } from '../common/errors';
import { checkKeyAsWritten } from './options';

type Raw = Record<string, unknown>;

/** Resource middleware on notificationChannels:create / update, each record written and each record an update changes. */
export async function checkRobotOnSave(ctx: Context, next: Next) {
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
    for (const current of targets) await checkRobot(ctx, values, current);
  }
  return next();
}

async function checkRobot(ctx: Context, values: Raw, current: Raw | undefined) {
  if ((values.notificationType ?? current?.notificationType) !== ROBOT_CHANNEL_TYPE) return;
  const options = (values.options ?? {}) as Raw;
  const stored = (current?.options ?? {}) as Raw;
  try {
    const typed = options.webhookKey;
    if (typeof typed === 'string' && typed.trim()) {
      checkKeyAsWritten(typed);
      // The whole webhook address pasted: only its key is kept.
      if (!/\{\{/.test(typed)) options.webhookKey = webhookKeyOf(typed);
    } else if (!(typeof stored.webhookKey === 'string' && stored.webhookKey) && !hasSavedSecret(options, 'webhookKey')) {
      checkKeyAsWritten('');
    }
    const authenticator = 'authenticator' in options ? options.authenticator : stored.authenticator;
    if (typeof authenticator === 'string' && authenticator.trim()) await channelAuthenticator(ctx.app, authenticator);
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.throw(400, localize((key, opts) => ctx.t(key, { ...opts, interpolation: { escapeValue: false } }), error.reason));
  }
}
