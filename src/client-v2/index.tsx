// The modern client (`/v/`): dist/client-v2/index.js, the named AMD module `<package>/client-v2` every
// `/v/` page loads. Only the plugin and the sign-in button are in it; the callback page (callback.js) and
// the settings form (settings.js) come from files next to it when they are shown.
import { Plugin } from '@nocobase/client-v2';
import { PluginAuthClientV2 } from '@nocobase/plugin-auth/client-v2';
import { Alert } from 'antd';
import type { ComponentType } from 'react';
import { AUTH_TYPE, CALLBACK_ROUTE } from '../constants';
import { loadOnDemand } from '../client/amd';
import { useT } from '../client/locale';
import SignInButton from './SignInButton';
import { markSignedOut } from './signout';

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

export class PluginAuthWeComClientV2 extends Plugin {
  async load() {
    this.app.pm.get(PluginAuthClientV2).registerType(AUTH_TYPE, {
      signInButtonLoader: async () => ({ default: SignInButton }),
      // The drawer builds its form anew each time it opens: a failed load is tried again then.
      adminSettingsFormLoader: () =>
        loadPage('settings.js').catch((error: unknown) => ({ default: () => <SettingsNotLoaded error={error} /> })),
    });
    // Inside plugin-auth's layout route (`auth`), like `/v/signin`; public.
    this.router.add('auth.wecomCallback', {
      path: `/${CALLBACK_ROUTE}`,
      skipAuthCheck: true,
      componentLoader: () => loadPage('callback.js'),
    });
    this.app.apiClient.axios.interceptors.response.use((response) => {
      if (/(^|\/)auth:signOut$/.test(response.config.url ?? '')) markSignedOut();
      return response;
    });
  }
}

export default PluginAuthWeComClientV2;
