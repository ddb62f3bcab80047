// Wiring only: the services every feature shares, then each feature the same way (its secrets, its actions on the
// `wecom` resource with their permissions, what it registers). Features live in their own folders (auth/,
// notification/, sync/) and reach the shared services through common/services.ts, never through this class.
import type { Cache } from '@nocobase/cache';
import { Plugin } from '@nocobase/server';
import { RESOURCE } from '../constants';
import { appCallbackFeature } from './app-callback';
import { signIn } from './auth';
import { card } from './card';
import { signInServicesOf, SignInServices } from './auth/services';
import type { Action, Feature, FeatureContext } from './common/feature';
import { redactSecretsInLog } from './common/redact';
import { hideSecretsInResponses, keepSecretsOnSave, refuseRawSecretReads, registerWriteOnly } from './common/secrets';
import { redisClientOf } from './common/shared-cache';
import { provideServices, WeComServices } from './common/services';
import { notification } from './notification';
import { robot } from './robot';
import { contactsSync } from './sync';

const FEATURES: readonly Feature[] = [signIn, notification, robot, contactsSync, appCallbackFeature, card];

export class PluginAuthWeComServer extends Plugin {
  /** WeCom API clients and the token cache, shared by every feature. */
  services!: WeComServices;

  /** The sign-in's login states and rate limit (read by tests). */
  get signIn(): SignInServices {
    return signInServicesOf(this.app);
  }

  async load() {
    const tokenCache: Cache = await this.app.cacheManager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    this.services = new WeComServices(this.app, tokenCache);
    provideServices(this.app, this.services);

    type Middleware = Parameters<typeof this.app.resourceManager.use>[0];
    const use: FeatureContext['use'] = (middleware, options) => this.app.resourceManager.use(middleware as Middleware, options);

    // Write-only secrets: kept when a write leaves them empty, hidden from every answer and every read path, masked in the log.
    for (const feature of FEATURES) for (const entry of feature.secrets ?? []) registerWriteOnly(entry);
    keepSecretsOnSave(this.db);
    refuseRawSecretReads(this.db);
    use(redactSecretsInLog, { tag: 'auth-wecom-redact', before: 'acl' });
    use(hideSecretsInResponses, { tag: 'auth-wecom-secrets', before: 'acl' });

    const actions: Record<string, Action> = {};
    for (const feature of FEATURES) {
      for (const [name, { handler, access }] of Object.entries(feature.actions ?? {})) {
        actions[name] = handler;
        if ('public' in access) this.app.acl.allow(RESOURCE, name, 'public');
      }
    }
    this.app.resourceManager.define({ name: RESOURCE, actions });
    const bySnippet = new Map<string, string[]>();
    for (const feature of FEATURES) {
      for (const [name, { access }] of Object.entries(feature.actions ?? {})) {
        if ('snippet' in access) bySnippet.set(access.snippet, [...(bySnippet.get(access.snippet) ?? []), `${RESOURCE}:${name}`]);
      }
    }
    for (const [snippet, names] of bySnippet) this.app.acl.registerSnippet({ name: snippet, actions: names });

    for (const feature of FEATURES) await feature.load?.({ app: this.app, services: this.services, use });
    // After the features made their caches (the login states'): every Redis client of the app.
    this.guardRedisConnections();
    this.app.on('afterStart', () => this.guardRedisConnections());
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
}
