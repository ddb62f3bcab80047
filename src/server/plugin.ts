import { Plugin } from '@nocobase/server';
import { tval } from '@nocobase/utils';
import { AUTH_TYPE, NAMESPACE } from '../constants';
import { WeComAuth } from './wecom-auth';

export class PluginAuthWeComServer extends Plugin {
  async load() {
    this.app.authManager.registerTypes(AUTH_TYPE, {
      auth: WeComAuth,
      title: tval('WeCom', { ns: NAMESPACE }),
    });
  }
}
