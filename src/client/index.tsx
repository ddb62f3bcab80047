import { Plugin } from '@nocobase/client';
import type AuthPlugin from '@nocobase/plugin-auth/client';
import { AUTH_TYPE, CALLBACK_ROUTE } from '../constants';
import { CallbackPage } from './CallbackPage';
import { registerChannel } from './notification/register';
import { AdminSettingsForm } from './SettingsLoader';
import { registerSyncSource } from './sync/register';
import { SignInButton } from './SignInButton';

export class PluginAuthWeComClient extends Plugin {
  async load() {
    // By name rather than by class: the bundle then needs no module interop for plugin-auth.
    (this.app.pm.get('auth') as AuthPlugin).registerType(AUTH_TYPE, { components: { SignInButton, AdminSettingsForm } });
    // Inside plugin-auth's layout route (`auth`), like the sign-in page; public.
    this.router.add('auth.wecomCallback', { path: `/${CALLBACK_ROUTE}`, Component: CallbackPage, skipAuthCheck: true });
    registerSyncSource(this.app);
    registerChannel(this.app);
  }
}

export default PluginAuthWeComClient;
