// The WeCom app's receive-message callback: the one door for all of the app's events (card clicks now; member
// messages, menu clicks and enter_agent are kept for a workflow trigger). It verifies and decrypts, then hands
// each event to the features that subscribed to its type through common/app-events.ts.
import { AUTH_TYPE } from '../../constants';
import type { Feature } from '../common/feature';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN } from '../../shared/wecom-card';
import { appCallback } from './callback-action';
import { checkCallbackOptionsOnSave } from './options-rule';

export const appCallbackFeature: Feature = {
  name: 'app-callback',
  actions: {
    // WeCom signs each callback with the authenticator's Token: the action checks it.
    appCallback: { handler: appCallback, access: { public: true } },
  },
  // The Token and EncodingAESKey of the app's API receive-message setting, next to sign-in's Secret.
  secrets: [{ collection: 'authenticators', typeField: 'authType', type: AUTH_TYPE, paths: [CALLBACK_TOKEN, CALLBACK_AES_KEY] }],

  load({ use }) {
    use(checkCallbackOptionsOnSave, { tag: 'auth-wecom-app-callback', after: 'acl' });
  },
};
