// Wiring only: the auth type, the plugin's actions and their permissions, the shared services.
import { Cache } from '@nocobase/cache';
import { Plugin } from '@nocobase/server';
import { tval } from '@nocobase/utils';
import { createHash } from 'node:crypto';
import type PluginNotificationManagerServer from '@nocobase/plugin-notification-manager';
import { AUTH_TYPE, CHANNEL_TYPE, NAMESPACE, RESOURCE } from '../constants';
import { authorize } from './actions/authorize';
import { checkConfig } from './actions/check-config';
import { checkContacts } from './actions/check-contacts';
import { enforceSingleAutoLogin } from './auto-login-rule';
import { removeWeComLinksOfDeletedUsers } from './link-cleanup';
import { WeComChannel } from './notification/channel';
import { checkChannelOnSave } from './notification/channel-rule';
import { checkSyncSourceOnSave } from './sync/source-rule';
import { publicOptions, WeComOptions } from './options';
import { redactSecretsInLog } from './redact';
import { hideSecretsInResponses, keepSecretsOnSave, refuseRawSecretReads } from './secrets';
import { redisClientOf, SharedCache } from './shared-cache';
import { addCallbackPageHeaders } from './callback-headers';
import { DEFAULT_PROXY_HOPS, parseProxyHops, RateLimiter } from './rate-limit';
import { Sealer } from './seal';
import { signInSecret } from './sign-in-secret';
import { StateStore } from './state';
import { registerContactsSync } from './sync';
import { contactsCallback } from './sync/callback-action';
import { DEFAULT_API_BASE_URL, WecomClient } from './wecom/client';
import { WeComAuth } from './wecom-auth';

/** Base URLs of WeCom, from the environment only: an editable API URL would let a form send the Secret anywhere. */
export function wecomBaseUrls() {
  return {
    api: process.env.WECOM_API_BASE_URL || DEFAULT_API_BASE_URL,
    oauth: process.env.WECOM_OAUTH_BASE_URL || 'https://open.weixin.qq.com',
    login: process.env.WECOM_LOGIN_BASE_URL || 'https://login.work.weixin.qq.com',
  };
}

export class PluginAuthWeComServer extends Plugin {
  states!: StateStore;
  /** NocoBase's cache holding the WeCom access tokens (one key per corp + agent + Secret). */
  tokenCache!: Cache;
  private tokens!: SharedCache;
  private clients = new Map<string, WecomClient>();

  /** Starts of a login per client address: the start URL is public. */
  startLimiter!: RateLimiter;
  /** Reverse proxies in front of NocoBase that append to X-Forwarded-For (WECOM_TRUSTED_PROXY_HOPS). */
  proxyHops = DEFAULT_PROXY_HOPS;
  /** NocoBase's cache holding the used login states (pending ones live in the browser). */
  stateCache!: Cache;

  async load() {
    this.app.authManager.registerTypes(AUTH_TYPE, {
      auth: WeComAuth,
      title: tval('WeCom', { ns: NAMESPACE }),
      getPublicOptions: publicOptions,
    });

    // NocoBase's cache: Redis when the cluster uses it, so every instance sees the used states and the token.
    // A state is written there only when it is used (pending logins live in the browser's sealed cookie);
    // on the memory store (one instance) room is made for as many as can be used in their 10 minutes.
    const memory = this.app.cacheManager.defaultStore === 'memory';
    const stateCache = (this.stateCache = await this.app.cacheManager.createCache({ name: 'auth-wecom-state', prefix: 'auth-wecom:state', ...(memory ? { max: 100_000 } : {}) }));
    this.tokenCache = await this.app.cacheManager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    let sealer: Sealer | undefined;
    this.states = new StateStore({
      cookieName: this.app.name === 'main' ? 'nocobase_wecom_login' : `nocobase_wecom_login_${this.app.name}`,
      // NocoBase's JWT secret: APP_KEY, or storage's jwt_secret.dat; one key per app.
      sealer: () => (sealer ??= new Sealer(this.app.authManager.jwt.getSecret(), `login-state:${this.app.name}`)),
      used: new SharedCache(stateCache),
    });
    const limit = process.env.WECOM_START_RATE_LIMIT;
    this.startLimiter = new RateLimiter(limit && /^\d+$/.test(limit) ? Number(limit) : 300);
    const hops = parseProxyHops(process.env.WECOM_TRUSTED_PROXY_HOPS);
    if (hops === undefined) this.log.warn('WECOM_TRUSTED_PROXY_HOPS is not a whole number from 0 to 10; using the default', { default: DEFAULT_PROXY_HOPS });
    this.proxyHops = hops ?? DEFAULT_PROXY_HOPS;
    // Every app that loads the plugin: it may be enabled in a sub-app only.
    const remove = addCallbackPageHeaders();
    this.app.on('afterDestroy', remove);
    this.tokens = new SharedCache(this.tokenCache);
    this.guardRedisConnections();
    this.app.on('afterStart', () => this.guardRedisConnections());

    this.app.resourceManager.define({ name: RESOURCE, actions: { authorize, checkConfig, checkContacts, contactsCallback, signInSecret } });
    this.app.acl.allow(RESOURCE, 'authorize', 'public');
    // WeCom signs each contacts callback with the sync source's Token: the action checks it.
    this.app.acl.allow(RESOURCE, 'contactsCallback', 'public');
    // Contacts sync: the `wecom` source type, when NocoBase's user data sync is enabled.
    registerContactsSync(this.app);
    // Whoever may manage authenticators may check a WeCom configuration, and whether a sub-app shares its sign-in secret.
    this.app.acl.registerSnippet({ name: 'pm.auth.authenticators', actions: [`${RESOURCE}:checkConfig`, `${RESOURCE}:signInSecret`] });
    // Whoever may manage user data sync (plugin-user-data-sync's snippet) may check a sync source.
    this.app.acl.registerSnippet({ name: 'pm.user-data-sync', actions: [`${RESOURCE}:checkContacts`] });
    type Middleware = Parameters<typeof this.app.resourceManager.use>[0];
    enforceSingleAutoLogin(this.db, (key, options) => String(this.app.i18n.t(key, options as Record<string, string>)));
    // A user deleted in bulk (without instance hooks) loses its WeCom links too, as one deleted alone does.
    removeWeComLinksOfDeletedUsers(this.db);
    this.app.resourceManager.use(redactSecretsInLog as Middleware, { tag: 'auth-wecom-redact', before: 'acl' });
    // Write-only secrets: kept when a write leaves them empty, hidden from every answer.
    keepSecretsOnSave(this.db);
    refuseRawSecretReads(this.db);
    this.app.resourceManager.use(hideSecretsInResponses as Middleware, { tag: 'auth-wecom-secrets', before: 'acl' });
    // A `wecom` sync source is saved only with options a pull can use.
    if (this.app.pm.get('user-data-sync')) {
      this.app.resourceManager.use(checkSyncSourceOnSave as Middleware, { tag: 'auth-wecom-sync-source', after: 'acl' });
    }

    // The notification channel, when NocoBase's notification manager is enabled.
    const notifications = this.app.pm.get('notification-manager') as PluginNotificationManagerServer | undefined;
    if (notifications) {
      notifications.registerChannelType({ type: CHANNEL_TYPE, Channel: WeComChannel });
      this.app.resourceManager.use(checkChannelOnSave as Middleware, { tag: 'auth-wecom-channel', after: 'acl' });
    }
  }

  /**
   * NocoBase 2.2 creates its Redis cache clients without an 'error' listener, so a dropped Redis
   * connection crashes the whole process. With one, node-redis reconnects by itself, and sign-ins are
   * refused meanwhile (SharedCache) instead of taking every user down.
   */
  private guardRedisConnections() {
    let lastWarning = 0;
    // `stores` is private in the type declarations but it is the only way to reach the clients.
    const stores = (this.app.cacheManager as unknown as { stores: Map<string, { store: unknown }> }).stores;
    for (const { store } of stores.values()) {
      const client = redisClientOf(store);
      if (!client || client.listenerCount('error') > 0) continue;
      client.on('error', (error) => {
        if (Date.now() - lastWarning < 10_000) return;
        lastWarning = Date.now();
        this.log.warn('redis cache connection error; sign-ins wait for it to come back', { message: error.message });
      });
    }
  }

  /** Runs `fn` alone for `key`, across the cluster when NocoBase's lock manager is shared. */
  exclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => this.app.lockManager.runExclusive(`auth-wecom:${key}`, fn, 15_000);

  /**
   * One client per app (corp + agent + secret) and body limit, sharing the token cache. Contacts sync asks for
   * a larger limit (user/list answers a whole department at once); the login keeps the 1 MiB default.
   */
  clientFor(options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>, limits: { maxBodyBytes?: number } = {}): WecomClient {
    const key = `${options.corpId}:${options.agentId}:${createHash('sha256').update(options.corpSecret).digest('hex')}:${limits.maxBodyBytes ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.newClient(options, limits);
      this.clients.set(key, client);
    }
    return client;
  }

  /** A client that is not kept: for checking options an admin has not saved. */
  newClient(options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>, limits: { maxBodyBytes?: number } = {}): WecomClient {
    return new WecomClient(
      { corpId: options.corpId, agentId: options.agentId, secret: options.corpSecret },
      {
        apiBaseUrl: wecomBaseUrls().api,
        timeoutMs: Number(process.env.WECOM_TIMEOUT_MS) || 5000,
        maxBodyBytes: limits.maxBodyBytes,
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
