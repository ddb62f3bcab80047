import { Plugin } from '@nocobase/client';
import type AuthPlugin from '@nocobase/plugin-auth/client';
import { AUTH_TYPE, CALLBACK_ROUTE } from '../constants';
import { DRAWER_NOT_LOADED } from '../client-common/messages';
import { registerChannel } from './notification/register';
import { onDemand } from './OnDemand';
import { watchSignOut } from '../client-common/sign-out';
import { registerSyncSource } from './sync/register';
import { registerCardNode } from './workflow/register';
import { SignInButton } from './SignInButton';

/** Only admins open the authenticator drawer: its form comes from settings.js when shown. */
const AdminSettingsForm = onDemand('settings.js', 'AdminSettingsForm', DRAWER_NOT_LOADED);
/** Only a browser coming back from WeCom shows the callback page: it comes from callback.js. */
const CallbackPage = onDemand('callback.js', 'CallbackPage', 'This page could not be loaded. Reload it to try again.');

export class PluginAuthWeComClient extends Plugin {
  async load() {
    // By name rather than by class: the bundle then needs no module interop for plugin-auth.
    (this.app.pm.get('auth') as AuthPlugin).registerType(AUTH_TYPE, { components: { SignInButton, AdminSettingsForm } });
    // Inside plugin-auth's layout route (`auth`), like the sign-in page; public.
    this.router.add('auth.wecomCallback', { path: `/${CALLBACK_ROUTE}`, Component: CallbackPage, skipAuthCheck: true });
    registerSyncSource(this.app);
    registerChannel(this.app);
    registerCardNode(this.app);
    watchSignOut(this.app.apiClient);
  }
}

export default PluginAuthWeComClient;
