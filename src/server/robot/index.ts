// Group robots: the `wecom-robot` channel type of NocoBase's notification manager (messages to a WeCom group
// through its robot's webhook, receivers @mentioned), when the notification manager is enabled.
import type PluginNotificationManagerServer from '@nocobase/plugin-notification-manager';
import { ROBOT_CHANNEL_TYPE } from '../../constants';
import type { Feature } from '../common/feature';
import { SharedCache } from '../common/shared-cache';
import { provideLimiter, WeComRobotChannel } from './channel';
import { checkRobotOnSave } from './channel-rule';
import { RobotLimiter } from './limiter';
import { testRobot } from './test-message';

export const robot: Feature = {
  name: 'robot',
  actions: {
    testRobot: { handler: testRobot, access: { snippet: 'pm.notification.channels' } },
  },
  // The webhook key is the robot's only credential.
  secrets: [{ collection: 'notificationChannels', typeField: 'notificationType', type: ROBOT_CHANNEL_TYPE, paths: ['webhookKey'] }],
  load({ app, services, use }) {
    // The token cache is NocoBase's shared cache (Redis in a cluster): every instance counts the same slots.
    provideLimiter(app, new RobotLimiter(new SharedCache(services.tokenCache)));
    const notifications = app.pm.get('notification-manager') as PluginNotificationManagerServer | undefined;
    if (!notifications) return;
    notifications.registerChannelType({ type: ROBOT_CHANNEL_TYPE, Channel: WeComRobotChannel });
    use(checkRobotOnSave, { tag: 'auth-wecom-robot-channel', after: 'acl' });
  },
};
