// Two stock NocoBase processes (node_modules/@nocobase/app) with this plugin, on one PostgreSQL database
// and one Redis, as NocoBase's cluster mode runs them: the cache on Redis (CACHE_DEFAULT_STORE=redis),
// the same APP_KEY (the JWT secret when storage holds no jwt_secret.dat) and a copy of one storage.
// The WeCom sandbox runs in the test process, so its call counts are read directly.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Api, RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { Postgres, Redis, startPostgres, startRedis } from '../../scripts/cluster/services';
import { freePort } from '../../scripts/ports';
import { linkSelf, nocobaseEnv, root } from '../../scripts/paths.mjs';
import { Sandbox, sandboxEnv, startSandbox } from '../../sandbox';
import { ADMIN } from '../helpers/app';
import { AGENT_ID, CORP_ID, SECRET, testConfig } from '../helpers/wecom-app';
import { DESKTOP_UA, WecomUser } from '../helpers/wecom-user';

export interface Cluster {
  sandbox: Sandbox;
  postgres: Postgres;
  redis: Redis;
  /** Instance A: also the authenticators' origin (what a load balancer in front of both would be). */
  a: RunningApp;
  b: RunningApp;
  admin: Api;
  dir: string;
  /** Runs SQL against the app database; answers psql's unaligned output. */
  sql(statement: string): string;
  /** Keys in Redis matching a glob. */
  redisKeys(pattern: string): string[];
  redisDel(pattern: string): number;
  /** Seconds a Redis key has left to live. */
  redisTtl(key: string): number;
  destroy(): Promise<void>;
}

const DATABASE = 'wecom_cluster';

/** Where the app logs of the last run stay for reading after the suite (overwritten by the next run). */
export const LOG_DIR = join(root, '.test-tmp', 'cluster-logs');

/**
 * `configure` runs against instance A before B starts: NocoBase keeps the enabled authenticators in an
 * in-memory cache per instance (plugin-auth's Storer, store `memory`) that only the instance which saved
 * them updates, so B must start after they exist (a real cluster restarts or rolls its instances).
 */
export async function startCluster(
  configure: (admin: Api, origin: string, sql: (statement: string) => string) => Promise<void>,
  /** More NocoBase plugins to enable (by name) before the instances start, e.g. `departments`. */
  plugins: string[] = [],
  /** More environment of both instances. */
  env: Record<string, string> = {},
): Promise<Cluster> {
  linkSelf();
  const dir = join(root, '.test-tmp', `cluster-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const sandbox = await startSandbox(testConfig());
    cleanups.push(() => sandbox.close());
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    postgres.sql(`CREATE DATABASE ${DATABASE}`);

    const [portA, portB] = [await freePort(), await freePort()];
    const envFor = (name: string, port: number) =>
      nocobaseEnv({
        storage: join(dir, name, 'storage'),
        port,
        extra: {
          ...postgres.env,
          DB_DATABASE: DATABASE,
          // NocoBase's own cluster settings, nothing of the plugin's.
          CACHE_DEFAULT_STORE: 'redis',
          CACHE_REDIS_URL: redis.url,
          ...sandboxEnv(sandbox.url),
          WECOM_TIMEOUT_MS: '5000',
          ...env,
          LOGGER_LEVEL: 'info',
        },
      });
    const envA = envFor('a', portA);
    const envB = envFor('b', portB);
    await runCli(['install', '-f'], envA, join(LOG_DIR, 'install.log'));
    await runCli(['pm', 'enable', 'auth-wecom'], envA, join(LOG_DIR, 'install.log'));
    for (const plugin of plugins) await runCli(['pm', 'enable', plugin], envA, join(LOG_DIR, 'install.log'));
    // One storage for the cluster: B gets A's keys (aes_key.dat; jwt_secret.dat if one was written).
    cpSync(envA.STORAGE_PATH, envB.STORAGE_PATH, { recursive: true, filter: (src) => !src.includes(join('storage', 'logs')) && !src.endsWith('.sock') });
    const sql = (statement: string) => postgres.sql(statement, DATABASE).trim();

    const a = await startApp(envA, join(LOG_DIR, 'a.log'));
    cleanups.push(() => a.stop());
    // The sandbox trusts the origin the authenticators use, as an admin registers it in the WeCom console.
    for (const corp of sandbox.config.corps) for (const app of corp.apps) app.trustedDomains.push(new URL(a.url).host);
    const admin = await Api.signIn(a.url, ADMIN.email, ADMIN.password);
    await configure(admin, a.url, sql);
    const b = await startApp(envB, join(LOG_DIR, 'b.log'));
    cleanups.push(() => b.stop());
    const redisCli = (args: string[]) => execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' });
    const redisKeys = (pattern: string) => redisCli(['--scan', '--pattern', pattern]).split('\n').filter(Boolean);

    return {
      sandbox,
      postgres,
      redis,
      a,
      b,
      admin,
      dir,
      sql,
      redisKeys,
      redisTtl: (key) => Number(redisCli(['ttl', key]).trim()),
      redisDel(pattern) {
        const keys = redisKeys(pattern);
        if (keys.length) redisCli(['del', ...keys]);
        return keys.length;
      },
      destroy: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** An enabled WeCom authenticator pointing at the sandbox, with `origin` as its one address. */
export async function addAuthenticator(admin: Api, origin: string, name: string, pub: Record<string, unknown> = {}): Promise<void> {
  await admin.post('authenticators:create', {
    name,
    authType: 'WeCom',
    title: `WeCom ${name}`,
    enabled: true,
    options: {
      corpId: CORP_ID,
      agentId: AGENT_ID,
      corpSecret: SECRET,
      origin,
      redirectPath: '/admin',
      public: { autoSignup: false, autoLogin: false, ...pub },
    },
  });
}

/**
 * A browser behind a load balancer: it starts the login on one instance and its callback page posts to
 * another. Cookies are per host, not per port, so both instances see the same cookie jar, as they would
 * behind one address. The Origin header is the instance posted to (same-origin, as the balancer makes it).
 */
export class ClusterUser extends WecomUser {
  constructor(startUrl: string, userAgent = DESKTOP_UA) {
    super(startUrl, userAgent);
  }

  async signInAt(instanceUrl: string, authenticator: string, body: unknown): Promise<Response> {
    const res = await fetch(`${instanceUrl}/api/auth:signIn`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-authenticator': authenticator,
        'x-locale': 'en-US',
        origin: instanceUrl,
        cookie: this.app.header(),
        'user-agent': this.userAgent,
      },
      body: JSON.stringify(body),
    });
    this.app.store(res);
    return res;
  }
}

export interface SignInBody {
  data?: { token?: string; user?: { id: number } };
  errors?: { code?: string; message?: string }[];
}

export async function readJson(res: Response): Promise<{ status: number; text: string; body: SignInBody }> {
  const text = await res.text();
  let body: SignInBody;
  try {
    body = JSON.parse(text) as SignInBody;
  } catch (error) {
    throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`, { cause: error });
  }
  return { status: res.status, text, body };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
