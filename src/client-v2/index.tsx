// The modern client (`/v/`): dist/client-v2/index.js, the named AMD module `<package>/client-v2` every
// `/v/` page loads. Only the plugin and the sign-in button are in it; the callback page (callback.js) and
// the admin forms (settings.js, notification-channel.js, notification-message.js, sync.js, wecom-card.js) come from files
// next to it when they are shown.
import { Plugin } from '@nocobase/client-v2';
import { PluginAuthClientV2 } from '@nocobase/plugin-auth/client-v2';
import { Alert } from 'antd';
import type { ComponentType } from 'react';
import { AUTH_TYPE, CALLBACK_ROUTE, CHANNEL_TYPE, NAMESPACE, ROBOT_CHANNEL_TYPE, SYNC_SOURCE_TYPE } from '../constants';
import { loadOnDemand } from '../client-common/amd';
import { useT } from '../client-common/locale';
import { watchSignOut } from '../client-common/sign-out';
import SignInButton from './SignInButton';
import { CARD_NODE_TYPE, cardInstruction } from '../client-common/workflow/card-instruction';

type Page = { default: ComponentType };

const loadPage = (file: string) => loadOnDemand<Page>(file);

function SettingsNotLoaded({ error }: { error: unknown }) {
  const t = useT();
  return (
    <Alert
      type="error"
      showIcon
      message={t('The WeCom settings could not be loaded. Close this drawer and open it again.')}
      description={error instanceof Error ? error.message : String(error)}
    />
  );
}

/** An admin form. Its drawer builds it anew each time it opens: a failed load is tried again then. */
const adminForm = (file: string) => (): Promise<Page> =>
  loadPage(file).catch((error: unknown) => ({ default: () => <SettingsNotLoaded error={error} /> }));

interface NotificationManager {
  registerChannelType(options: { type: string; title: string; components: Record<string, () => Promise<Page>> }): void;
}

interface WorkflowPlugin {
  registerInstruction(type: string, instruction: new () => object): void;
}

interface UserDataSync {
  registerType(type: string, options: { components: { AdminSettingsFormLoader: () => Promise<Page> } }): void;
}

export class PluginAuthWeComClientV2 extends Plugin {
  async load() {
    this.app.pm.get(PluginAuthClientV2).registerType(AUTH_TYPE, {
      signInButtonLoader: async () => ({ default: SignInButton }),
      adminSettingsFormLoader: adminForm('settings.js'),
    });
    // By name, not by class: importing their modules would make this entry fail to load where they are not
    // enabled, and then there is nothing to register with.
    (this.app.pm.get('notification-manager') as NotificationManager | undefined)?.registerChannelType({
      type: CHANNEL_TYPE,
      title: `{{t("WeCom", ${JSON.stringify({ ns: NAMESPACE })})}}`,
      components: { ChannelConfigFormLoader: adminForm('notification-channel.js'), MessageConfigFormLoader: adminForm('notification-message.js') },
    });
    (this.app.pm.get('notification-manager') as NotificationManager | undefined)?.registerChannelType({
      type: ROBOT_CHANNEL_TYPE,
      title: `{{t("WeCom group robot", ${JSON.stringify({ ns: NAMESPACE })})}}`,
      components: { ChannelConfigFormLoader: adminForm('robot-channel.js'), MessageConfigFormLoader: adminForm('robot-message.js') },
    });
    (this.app.pm.get('user-data-sync') as UserDataSync | undefined)?.registerType(SYNC_SOURCE_TYPE, {
      components: { AdminSettingsFormLoader: adminForm('sync.js') },
    });
    // A refusal must not take the sign-in page down with the plugin: warned.
    try {
      (this.app.pm.get('workflow') as WorkflowPlugin | undefined)?.registerInstruction(CARD_NODE_TYPE, cardInstruction(adminForm('wecom-card.js')));
    } catch (error) {
      console.warn('auth-wecom: no WeCom card node', error);
    }
    // Inside plugin-auth's layout route (`auth`), like `/v/signin`; public.
    this.router.add('auth.wecomCallback', {
      path: `/${CALLBACK_ROUTE}`,
      skipAuthCheck: true,
      componentLoader: () => loadPage('callback.js'),
    });
    watchSignOut(this.app.apiClient);
  }
}

export default PluginAuthWeComClientV2;
