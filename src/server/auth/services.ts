// What a sign-in needs at run time, one set per app, made when the app loads: login states (used ones in NocoBase's
// cache), the start URL's rate limit and how many proxies to trust for it.
import type { Cache } from '@nocobase/cache';
import type { Application } from '@nocobase/server';
import { SharedCache } from '../common/shared-cache';
import { DEFAULT_PROXY_HOPS, parseProxyHops, RateLimiter } from './rate-limit';
import { Sealer } from './seal';
import { StateStore } from './state';

/** What a sign-in needs at run time, one per app. */
export interface SignInServices {
  states: StateStore;
  /** NocoBase's cache holding the used login states (pending ones live in the browser). */
  stateCache: Cache;
  /** Starts of a login per client address: the start URL is public. */
  startLimiter: RateLimiter;
  /** Reverse proxies in front of NocoBase that append to X-Forwarded-For (WECOM_TRUSTED_PROXY_HOPS). */
  proxyHops: number;
}

// Keyed by the app's plugin manager, as common/services.ts explains.
const byApp = new WeakMap<Application['pm'], SignInServices>();

export function signInServicesOf(app: Application): SignInServices {
  const services = byApp.get(app.pm);
  if (!services) throw new Error('WeCom sign-in is not loaded in this app.');
  return services;
}

export async function provideSignInServices(app: Application): Promise<SignInServices> {
  const services = await createSignInServices(app);
  byApp.set(app.pm, services);
  return services;
}

async function createSignInServices(app: Application): Promise<SignInServices> {
  // NocoBase's cache: Redis when the cluster uses it, so every instance sees the used states. A state is written
  // there only when it is used (pending logins live in the browser's sealed cookie); on the memory store (one
  // instance) room is made for as many as can be used in their 10 minutes.
  const memory = app.cacheManager.defaultStore === 'memory';
  const stateCache = await app.cacheManager.createCache({ name: 'auth-wecom-state', prefix: 'auth-wecom:state', ...(memory ? { max: 100_000 } : {}) });
  let sealer: Sealer | undefined;
  const states = new StateStore({
    cookieName: app.name === 'main' ? 'nocobase_wecom_login' : `nocobase_wecom_login_${app.name}`,
    // NocoBase's JWT secret: APP_KEY, or storage's jwt_secret.dat; one key per app.
    sealer: () => (sealer ??= new Sealer(app.authManager.jwt.getSecret(), `login-state:${app.name}`)),
    used: new SharedCache(stateCache),
  });
  const limit = process.env.WECOM_START_RATE_LIMIT;
  const hops = parseProxyHops(process.env.WECOM_TRUSTED_PROXY_HOPS);
  if (hops === undefined) app.log.warn('WECOM_TRUSTED_PROXY_HOPS is not a whole number from 0 to 10; using the default', { default: DEFAULT_PROXY_HOPS });
  return {
    states,
    stateCache,
    startLimiter: new RateLimiter(limit && /^\d+$/.test(limit) ? Number(limit) : 300),
    proxyHops: hops ?? DEFAULT_PROXY_HOPS,
  };
}
