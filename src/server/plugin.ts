// Wiring only: the auth type, the plugin's actions and their permissions, the shared services.
import { Cache } from '@nocobase/cache';
import { Plugin } from '@nocobase/server';
import { tval } from '@nocobase/utils';
import { createHash } from 'node:crypto';
import { AUTH_TYPE, NAMESPACE, RESOURCE } from '../constants';
import { authorize } from './actions/authorize';
import { checkConfig } from './actions/check-config';
import { enforceSingleAutoLogin } from './auto-login-rule';
import { publicOptions, WeComOptions } from './options';
import { redactSecretsInLog } from './redact';
import { StateStore } from './state';
import { WecomClient } from './wecom/client';
import { WeComAuth } from './wecom-auth';

/** Base URLs of WeCom, from the environment only: an editable API URL would let a form send the Secret anywhere. */
export function wecomBaseUrls() {
  return {
    api: process.env.WECOM_API_BASE_URL || 'https://qyapi.weixin.qq.com',
    oauth: process.env.WECOM_OAUTH_BASE_URL || 'https://open.weixin.qq.com',
    login: process.env.WECOM_LOGIN_BASE_URL || 'https://login.work.weixin.qq.com',
  };
}

export class PluginAuthWeComServer extends Plugin {
  states!: StateStore;
  private tokens!: Cache;
  private clients = new Map<string, WecomClient>();

  /** Binds a login state to the browser that started it (HttpOnly, SameSite=Lax). */
  readonly browserCookie = 'nocobase_wecom_login';

  async load() {
    this.app.authManager.registerTypes(AUTH_TYPE, {
      auth: WeComAuth,
      title: tval('WeCom', { ns: NAMESPACE }),
      getPublicOptions: publicOptions,
    });

    // NocoBase's cache: Redis when the cluster uses it, so every instance sees the same states and token.
    const stateCache = await this.app.cacheManager.createCache({ name: 'auth-wecom-state', prefix: 'auth-wecom:state' });
    this.tokens = await this.app.cacheManager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    this.states = new StateStore(
      { get: (key) => stateCache.get(key), set: (key, value, ttl) => stateCache.set(key, value, ttl), del: (key) => stateCache.del(key) },
      this.exclusive,
    );

    this.app.resourceManager.define({ name: RESOURCE, actions: { authorize, checkConfig } });
    this.app.acl.allow(RESOURCE, 'authorize', 'public');
    // Whoever may manage authenticators may check a WeCom configuration.
    this.app.acl.registerSnippet({ name: 'pm.auth.authenticators', actions: [`${RESOURCE}:checkConfig`] });
    type Middleware = Parameters<typeof this.app.resourceManager.use>[0];
    this.app.resourceManager.use(enforceSingleAutoLogin as Middleware, { tag: 'auth-wecom-auto-login', after: 'acl' });
    this.app.resourceManager.use(redactSecretsInLog as Middleware, { tag: 'auth-wecom-redact', before: 'acl' });
  }

  /** Runs `fn` alone for `key`, across the cluster when NocoBase's lock manager is shared. */
  exclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => this.app.lockManager.runExclusive(`auth-wecom:${key}`, fn, 15_000);

  /** One client per app (corp + agent + secret), sharing the token cache. */
  clientFor(options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>): WecomClient {
    const key = `${options.corpId}:${options.agentId}:${createHash('sha256').update(options.corpSecret).digest('hex')}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.newClient(options);
      this.clients.set(key, client);
    }
    return client;
  }

  /** A client that is not kept: for checking options an admin has not saved. */
  newClient(options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>): WecomClient {
    return new WecomClient(
      { corpId: options.corpId, agentId: options.agentId, secret: options.corpSecret },
      {
        apiBaseUrl: wecomBaseUrls().api,
        timeoutMs: Number(process.env.WECOM_TIMEOUT_MS) || 5000,
        store: {
          get: (key) => this.tokens.get<string>(key),
          set: (key, value, ttl) => this.tokens.set(key, value, ttl),
          del: (key) => this.tokens.del(key),
        },
        exclusive: this.exclusive,
        onCall: (entry) => this.log.debug('wecom api call', { ...entry }),
      },
    );
  }
}
