// A `wecom-robot` channel is saved with a key it can send with (a pasted webhook address is stored as its key)
// and, when one is chosen, a WeCom authenticator that exists.
import type { Context } from '@nocobase/actions';
import { ROBOT_CHANNEL_TYPE } from '../../constants';
import { hasSavedSecret } from '../../shared/secrets';
import { webhookKeyOf } from '../../shared/robot-message';
import { channelAuthenticator } from '../common/channel-authenticator';
import { checkChannelsOnSave } from '../common/channel-save';
import { checkKeyAsWritten } from './options';

type Raw = Record<string, unknown>;

async function checkRobot(ctx: Context, values: Raw, current: Raw | undefined) {
  if ((values.notificationType ?? current?.notificationType) !== ROBOT_CHANNEL_TYPE) return;
  const options = (values.options ?? {}) as Raw;
  const stored = (current?.options ?? {}) as Raw;
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
}

/** Resource middleware on notificationChannels:create / update, each record written and each record an update changes. */
export const checkRobotOnSave = checkChannelsOnSave(checkRobot);
