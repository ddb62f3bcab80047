// A WeCom channel is saved only with an authenticator it can send as.
import { Context } from '@nocobase/actions';
import { CHANNEL_TYPE } from '../../constants';
import { channelAuthenticator } from '../common/channel-authenticator';
import { checkChannelsOnSave } from '../common/channel-save';

type Raw = Record<string, unknown>;

async function checkChannel(ctx: Context, values: Raw, current: Raw | undefined) {
  const merged: Raw = { ...current, ...values };
  if (merged.notificationType !== CHANNEL_TYPE) return;
  const options = (merged.options ?? {}) as Raw;
  // A name, never rendered: `{{$env.X}}` here would put a secret variable's value into the refusal.
  await channelAuthenticator(ctx.app, options.authenticator);
}

/** Resource middleware on notificationChannels:create / update, each record written and each record an update changes. */
export const checkChannelOnSave = checkChannelsOnSave(checkChannel);
