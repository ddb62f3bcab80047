// What every feature uses at run time, made once per app by the plugin: WeCom API clients that share one token
// cache (NocoBase's cache: Redis in a cluster), and single flights. A feature reaches them with `servicesOf(app)`,
// so that no feature imports the plugin class. Nothing here knows a feature.
import type { Cache } from '@nocobase/cache';
import type { Application } from '@nocobase/server';
import { createHash } from 'node:crypto';
import { DEFAULT_API_BASE_URL, WecomClient } from '../wecom/client';
import type { WeComOptions } from './options';
import { SharedCache } from './shared-cache';

/** Base URLs of WeCom, from the environment only: an editable API URL would let a form send the Secret anywhere. */
export function wecomBaseUrls() {
  return {
    api: process.env.WECOM_API_BASE_URL || DEFAULT_API_BASE_URL,
    oauth: process.env.WECOM_OAUTH_BASE_URL || 'https://open.weixin.qq.com',
    login: process.env.WECOM_LOGIN_BASE_URL || 'https://login.work.weixin.qq.com',
  };
}

type Credentials = Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>;
type Limits = { maxBodyBytes?: number };

export class WeComServices {
  private clients = new Map<string, WecomClient>();
  private tokens: SharedCache;

  constructor(
    private readonly app: Application,
    /** NocoBase's cache holding the WeCom access tokens (one key per corp + agent + Secret); also the sync's leases. */
    readonly tokenCache: Cache,
  ) {
    this.tokens = new SharedCache(tokenCache);
  }

  /** Runs `fn` alone for `key`, across the cluster when NocoBase's lock manager is shared. */
  exclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => this.app.lockManager.runExclusive(`auth-wecom:${key}`, fn, 15_000);

  /**
   * One client per app (corp + agent + secret) and body limit, sharing the token cache. Contacts sync asks for
   * a larger limit (user/list answers a whole department at once); the login keeps the 1 MiB default.
   */
  clientFor(options: Credentials, limits: Limits = {}): WecomClient {
    const key = `${options.corpId}:${options.agentId}:${createHash('sha256').update(options.corpSecret).digest('hex')}:${limits.maxBodyBytes ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.newClient(options, limits);
      this.clients.set(key, client);
    }
    return client;
  }

  /** A client that is not kept: for checking options an admin has not saved. */
  newClient(options: Credentials, limits: Limits = {}): WecomClient {
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
        onCall: (entry) => this.app.log.debug('wecom api call', { ...entry }),
      },
    );
  }
}

// Keyed by the app's plugin manager: the `ctx.app` an action sees is not always the very object the plugin was
// loaded with (it shares its `pm` and `db`).
const byApp = new WeakMap<Application['pm'], WeComServices>();

export function provideServices(app: Application, services: WeComServices): void {
  byApp.set(app.pm, services);
}

export function servicesOf(app: Application): WeComServices {
  const services = byApp.get(app.pm);
  if (!services) throw new Error('The WeCom plugin is not loaded in this app.');
  return services;
}
