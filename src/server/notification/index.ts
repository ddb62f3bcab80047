// Notifications: the `wecom` channel type of NocoBase's notification manager (app messages to the users who
// signed in with a WeCom authenticator), when the notification manager is enabled.
import type PluginNotificationManagerServer from '@nocobase/plugin-notification-manager';
import { CHANNEL_TYPE } from '../../constants';
import type { Feature } from '../common/feature';
import { WeComChannel } from './channel';
import { checkChannelOnSave } from './channel-rule';

export const notification: Feature = {
  name: 'notification',
  load({ app, use }) {
    const notifications = app.pm.get('notification-manager') as PluginNotificationManagerServer | undefined;
    if (!notifications) return;
    notifications.registerChannelType({ type: CHANNEL_TYPE, Channel: WeComChannel });
    // A `wecom` channel is saved only with an authenticator it can send as.
    use(checkChannelOnSave, { tag: 'auth-wecom-channel', after: 'acl' });
  },
};
