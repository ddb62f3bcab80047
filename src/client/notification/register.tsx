// Registers the `wecom` channel with NocoBase's notification manager. The forms are admin-only: they come
// from their own file (dist/client/notification.js) when a channel drawer or a workflow node shows them,
// so the sign-in page's bundle stays small.
import type { Application } from '@nocobase/client';
import type { ComponentType } from 'react';
import { CHANNEL_TYPE, NAMESPACE, ROBOT_CHANNEL_TYPE } from '../../constants';
import { loadOnDemand } from '../../client-common/amd';
import { DRAWER_NOT_LOADED } from '../../client-common/messages';
import { onDemand } from '../OnDemand';

const ChannelConfigForm = onDemand('notification.js', 'ChannelConfigForm', DRAWER_NOT_LOADED);
const MessageConfigForm = onDemand('notification.js', 'MessageConfigForm', DRAWER_NOT_LOADED);
// NocoBase 2.2's workflow canvas is built on the modern client even under /admin: its notification node shows
// `MessageConfigFormLoader` (an antd form), never `MessageConfigForm`. It is the modern client's file.
const MessageConfigFormLoader = () =>
  loadOnDemand<{ default: ComponentType<object> }>('../client-v2/notification-message.js').catch(() => ({
    default: onDemand('../client-v2/notification-message.js', 'default', DRAWER_NOT_LOADED),
  }));
const RobotChannelConfigForm = onDemand('notification.js', 'RobotChannelConfigForm', DRAWER_NOT_LOADED);
const RobotMessageConfigForm = onDemand('notification.js', 'RobotMessageConfigForm', DRAWER_NOT_LOADED);
const RobotMessageConfigFormLoader = () =>
  loadOnDemand<{ default: ComponentType<object> }>('../client-v2/robot-message.js').catch(() => ({
    default: onDemand('../client-v2/robot-message.js', 'default', DRAWER_NOT_LOADED),
  }));

interface NotificationManager {
  registerChannelType(options: { title: string; type: string; components: Record<string, unknown> }): void;
}

/** Only where the notification manager is enabled. */
export function registerChannel(app: Application) {
  const manager = app.pm.get('notification-manager') as NotificationManager | undefined;
  manager?.registerChannelType({
    title: `{{t("WeCom", { ns: "${NAMESPACE}" })}}`,
    type: CHANNEL_TYPE,
    components: { ChannelConfigForm, MessageConfigForm, MessageConfigFormLoader },
  });
  manager?.registerChannelType({
    title: `{{t("WeCom group robot", { ns: "${NAMESPACE}" })}}`,
    type: ROBOT_CHANNEL_TYPE,
    components: { ChannelConfigForm: RobotChannelConfigForm, MessageConfigForm: RobotMessageConfigForm, MessageConfigFormLoader: RobotMessageConfigFormLoader },
  });
}
