// Sign-in with WeCom: the `WeCom` auth type, the start URL, Check configuration, and what keeps sign-in safe
// (login states, the start's rate limit, one automatic login, links of deleted users, the callback page's headers).
import { tval } from '@nocobase/utils';
import { AUTH_TYPE, NAMESPACE } from '../../constants';
import type { Feature } from '../common/feature';
import { publicOptions } from '../common/options';
import { enforceSingleAutoLogin } from './auto-login-rule';
import { authorize } from './authorize';
import { addCallbackPageHeaders } from './callback-headers';
import { checkConfig } from './check-config';
import { removeWeComLinksOfDeletedUsers } from './link-cleanup';
import { provideSignInServices } from './services';
import { signInSecret } from './sign-in-secret';
import { WeComAuth } from './wecom-auth';

export const signIn: Feature = {
  name: 'sign-in',
  actions: {
    authorize: { handler: authorize, access: { public: true } },
    // Whoever may manage authenticators may check a WeCom configuration, and whether a sub-app shares its sign-in secret.
    checkConfig: { handler: checkConfig, access: { snippet: 'pm.auth.authenticators' } },
    signInSecret: { handler: signInSecret, access: { snippet: 'pm.auth.authenticators' } },
  },
  secrets: [{ collection: 'authenticators', typeField: 'authType', type: AUTH_TYPE, paths: ['corpSecret'] }],

  async load({ app }) {
    app.authManager.registerTypes(AUTH_TYPE, { auth: WeComAuth, title: tval('WeCom', { ns: NAMESPACE }), getPublicOptions: publicOptions });
    await provideSignInServices(app);
    // Every app that loads the plugin: it may be enabled in a sub-app only.
    const remove = addCallbackPageHeaders();
    app.on('afterDestroy', remove);
    enforceSingleAutoLogin(app.db, (key, options) => String(app.i18n.t(key, options as Record<string, string>)));
    // A user deleted in bulk (without instance hooks) loses its WeCom links too, as one deleted alone does.
    removeWeComLinksOfDeletedUsers(app.db);
  },
};
