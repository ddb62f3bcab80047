import { AuthConfig, BaseAuth } from '@nocobase/auth';
import { Model } from '@nocobase/database';
import { NAMESPACE } from '../constants';

export class WeComAuth extends BaseAuth {
  constructor(config: AuthConfig) {
    super({ ...config, userCollection: config.ctx.db.getCollection('users') });
  }

  async validate(): Promise<Model> {
    const error = new Error(this.ctx.t('WeCom sign-in is not available yet', { ns: NAMESPACE }));
    throw Object.assign(error, { status: 501 });
  }
}
