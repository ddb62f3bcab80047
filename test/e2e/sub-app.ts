// A world of its own for sub-apps of NocoBase's multi-app manager: a stock app started with `nocobase start`
// (its gateway picks the app of each request) with multi-app-manager and this plugin enabled, one sub-app
// created by the admin through `applications:create` (this plugin in its plugin list), and a sandbox whose
// WeCom app trusts the app's host. The sub-app's database is a SQLite file next to the main app's.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, type Sandbox, sandboxEnv, startSandbox, trusting } from '../../sandbox';
import { Api, type RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { nocobaseEnv, root } from '../../scripts/paths.mjs';
import { freePort } from '../../scripts/ports';
import { untilSubAppRunning } from '../helpers/sub-apps';
import { ADMIN } from './world';

/** An admin's API in the sub-app: NocoBase's clients name the app in an `X-App` header. */
export class SubAppApi {
  token?: string;
  constructor(
    readonly url: string,
    readonly app: string,
  ) {}

  async request<T>(method: string, action: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; data?: T; errors?: { message: string }[] }> {
    const res = await fetch(`${this.url}/api/${action}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-app': this.app,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
    return { status: res.status, ...json };
  }

  async post<T>(action: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.request<T>('POST', action, body, headers);
    if (res.status !== 200) throw new Error(`${this.app} ${action}: HTTP ${res.status} ${JSON.stringify(res.errors)}`);
    return res.data as T;
  }

  async signIn(): Promise<this> {
    const data = await this.post<{ token: string }>('auth:signIn', { account: ADMIN.email, password: ADMIN.password }, { 'x-authenticator': 'basic' });
    this.token = data.token;
    return this;
  }
}

export interface SubAppWorld {
  appUrl: string;
  sandboxUrl: string;
  /** The sub-app's name: its pages are under `/apps/<name>/`. */
  subApp: string;
  /** The sub-app's admin. */
  subAdmin: SubAppApi;
  stop(): Promise<void>;
}

/** Waits until the sub-app, restarted by pm:enable, lists this plugin among the enabled ones for its client. */
async function untilEnabled(api: SubAppApi, deadlineMs = 300_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const res = await api.request<{ packageName: string }[]>('GET', 'pm:listEnabled').catch((error: Error) => ({ status: 0, data: undefined, errors: [{ message: error.message }] }));
    if (res.status === 200 && res.data?.some((p) => p.packageName === '@nocobase/plugin-auth-wecom')) return;
    last = `${res.status} ${JSON.stringify(res.errors ?? '')}`;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`auth-wecom is not enabled in sub-app ${api.app}: ${last}`);
}

export async function startSubAppWorld(): Promise<SubAppWorld> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const sandbox: Sandbox = await startSandbox(trusting(defaultConfig, [host]));
  const storage = join(root, '.test-tmp', `e2e-sub-app-${randomBytes(4).toString('hex')}`);
  const subApp = `crm${randomBytes(3).toString('hex')}`;
  const logFile = join(storage, 'nocobase.log');
  const env = nocobaseEnv({
    storage,
    port,
    extra: { ...sandboxEnv(sandbox.url) },
  });
  let app: RunningApp | undefined;
  try {
    await runCli(['install', '-f'], env, logFile);
    await runCli(['pm', 'enable', 'multi-app-manager', 'auth-wecom'], env, logFile);
    app = await startApp(env, logFile);
    const admin = app.admin ?? (await Api.signIn(app.url, ADMIN.email, ADMIN.password));
    // A new app with the default plugins (the `nocobase` preset).
    await admin.post('applications:create', { name: subApp, displayName: 'CRM', options: { autoStart: true } });
    await untilSubAppRunning(app.url, subApp);
    const subAdmin = await new SubAppApi(app.url, subApp).signIn();
    // Enabled by the sub-app's admin, as its plugin manager does: the client loads the plugins recorded as
    // enabled in the app's database (pm:listEnabled). A plugin named in the sub-app's `options.plugins` runs
    // on the server only, and the sign-in page would have no WeCom button.
    await subAdmin.post('pm:enable?filterByTk=auth-wecom&awaitResponse=true', {});
    await untilEnabled(subAdmin);
    const running = app;
    return {
      appUrl: app.url,
      sandboxUrl: sandbox.url,
      subApp,
      subAdmin,
      async stop() {
        await running.stop();
        await sandbox.close();
        rmSync(storage, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app?.stop();
    await sandbox.close();
    throw error;
  }
}
