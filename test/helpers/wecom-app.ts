// A real NocoBase app with this plugin, the WeCom sandbox over HTTP, and authenticators to sign in with.
import { Api } from '../../scripts/nocobase';
import { defaultConfig, Sandbox, SandboxConfig, SandboxDepartment, sandboxEnv, startSandbox } from '../../sandbox';
import { ADMIN, createTestApp, TestApp } from './app';

export const CORP_ID = 'wwdemo0000000001';
export const AGENT_ID = '1000002';
export const SECRET = 'demo-secret-0123456789abcdef';

/**
 * The demo organisation plus members for the edge cases: phone formats, a phone two users share, a
 * member without a user, and a non-member.
 */
export function testConfig(): SandboxConfig {
  const config = structuredClone(defaultConfig);
  const corp = config.corps[0];
  corp.members.push(
    { userid: 'fullwidth', name: 'Full Width', mobile: '＋８６ １３８００００００２１' },
    { userid: 'dashed', name: 'Dashed', mobile: '138-0000-0022' },
    { userid: 'spaced', name: 'Spaced', mobile: '+86 138 0000 0023' },
    { userid: 'twin', name: 'Twin', mobile: '13800000055' },
    { userid: 'nobody', name: 'No Body', mobile: '13800000066', biz_mail: 'admin@nocobase.com' },
  );
  corp.outsiders = [{ openid: 'o-outsider-1', name: 'Outsider' }];
  for (const app of corp.apps) {
    if (Array.isArray(app.visibleTo)) app.visibleTo.push('fullwidth', 'dashed', 'spaced', 'twin', 'nobody');
  }
  return config;
}

/**
 * Three departments under the demo corp's root for the sync's membership cases: Counter (5) with Night counter (6)
 * inside it, and Warehouse (7). Written parents first, so their NocoBase ids are in another order than WeCom's.
 */
export function counterDepartments(): SandboxDepartment[] {
  return [
    { id: 5, name: 'Counter', parentid: 1, order: 99980000 },
    { id: 6, name: 'Night counter', parentid: 5, order: 99970000 },
    { id: 7, name: 'Warehouse', parentid: 1, order: 99960000 },
  ];
}

/**
 * The NocoBase user of sandbox member zhangsan: no root role, his mobile number, so that his first sign-in in the
 * WeCom client links to it. (The root user never signs in with WeCom, whatever its phone.)
 */
export const ZHANG_SAN = { username: 'zhangsan_local', nickname: 'Zhang San', email: 'zhangsan@nocobase.example', phone: '13800000001' };

/** Creates ZHANG_SAN (with `values` on top) through the admin API; answers its id. */
export async function addZhangSan(admin: Pick<Api, 'post'>, values: Record<string, unknown> = {}): Promise<number> {
  const created = await admin.post<{ id: number }>('users:create', { ...ZHANG_SAN, ...values });
  return Number(created.id);
}

/** The WeCom calls `fn` causes. */
export async function callsDuring<T>(sandbox: Sandbox, fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const before = sandbox.stats().calls;
  const result = await fn();
  const after = sandbox.stats().calls;
  const diff = Object.entries(after)
    .map(([endpoint, n]) => [endpoint, n - (before[endpoint] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  return { result, calls: Object.fromEntries(diff) };
}

export interface WecomApp {
  t: TestApp;
  sandbox: Sandbox;
  admin: Api;
  /** Creates an enabled WeCom authenticator through the admin API; `options` overrides the defaults. */
  addAuthenticator(name: string, options?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<void>;
  /** Creates an enabled WeCom contacts-sync source through the admin API; answers its id. */
  addSyncSource(name: string, options: Record<string, unknown>): Promise<number>;
  destroy(): Promise<void>;
}

export async function createWecomApp(
  config: SandboxConfig = testConfig(),
  env: Record<string, string> = {},
  plugins: string[] = [],
  /** Serve through NocoBase's gateway (sub-apps): see TestAppOptions.gateway. */
  gateway = false,
): Promise<WecomApp> {
  const sandbox = await startSandbox(config);
  const t = await createTestApp({
    // The sandbox answers from this process: on a loaded machine its replies can take seconds. A suite that
    // tests the timeout sets its own WECOM_TIMEOUT_MS.
    env: { ...sandboxEnv(sandbox.url), WECOM_TIMEOUT_MS: '20000', ...env },
    plugins,
    gateway,
  });
  // The sandbox trusts the test app's address, as an admin registers it in the WeCom console.
  for (const corp of sandbox.config.corps) {
    for (const app of corp.apps) app.trustedDomains.push(new URL(t.url).host);
  }
  const admin = await Api.signIn(t.url, ADMIN.email, ADMIN.password);
  return {
    t,
    sandbox,
    admin,
    async addAuthenticator(name, options = {}, extra = {}) {
      const { public: pub, ...rest } = options as { public?: Record<string, unknown> };
      await admin.post('authenticators:create', {
        name,
        authType: 'WeCom',
        title: `WeCom ${name}`,
        enabled: true,
        ...extra,
        options: {
          corpId: CORP_ID,
          agentId: AGENT_ID,
          corpSecret: SECRET,
          origin: t.url,
          redirectPath: '/admin',
          ...rest,
          public: { autoSignup: false, autoLogin: false, ...pub },
        },
      });
    },
    async addSyncSource(name, options) {
      const created = await admin.post<{ id: number }>('userDataSyncSources:create', { name, sourceType: 'wecom', enabled: true, options });
      return Number(created.id);
    },
    async destroy() {
      await t.destroy();
      await sandbox.close();
    },
  };
}
