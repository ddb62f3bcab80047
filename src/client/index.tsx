import { Plugin } from '@nocobase/client';
import AuthPlugin from '@nocobase/plugin-auth/client';
import { AUTH_TYPE } from '../constants';

export class PluginAuthWeComClient extends Plugin {
  async load() {
    this.app.pm.get(AuthPlugin).registerType(AUTH_TYPE, { components: {} });
  }
}

export default PluginAuthWeComClient;
