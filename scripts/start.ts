// `npm start`: the whole product on one machine. Builds the plugin, runs the WeCom sandbox, prepares a
// NocoBase app with SQLite in .demo/ (installed on the first run, kept afterwards), enables the plugin,
// configures a demo WeCom authenticator against the sandbox and prints where to sign in.
//   npm start -- --reset    start from scratch (drops .demo/)
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, SandboxConfig, startSandbox } from '../sandbox';
import { Api, runCli, startApp } from './nocobase';
import { linkSelf, nocobaseEnv, root } from './paths.mjs';

const DEMO_PHONE = '13800000001';
const demoDir = join(root, '.demo');
const storage = join(demoDir, 'storage');
const logFile = join(demoDir, 'nocobase.log');

async function main() {
  const reset = process.argv.includes('--reset');
  const port = Number(process.env.APP_PORT || 13000);
  const sandboxPort = Number(process.env.SANDBOX_PORT || 13001);
  const origin = `http://127.0.0.1:${port}`;

  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();
  if (reset) rmSync(demoDir, { recursive: true, force: true });

  const sandbox = await startSandbox(withTrustedPort(defaultConfig, port), { port: sandboxPort });
  const env = nocobaseEnv({
    storage,
    port,
    extra: {
      WECOM_API_BASE_URL: sandbox.url,
      WECOM_OAUTH_BASE_URL: sandbox.url,
      WECOM_LOGIN_BASE_URL: sandbox.url,
    },
  });

  let stopApp = async () => {};
  let stopping = false;
  const shutdown = async (code: number) => {
    stopping = true;
    await stopApp();
    await sandbox.close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    if (!existsSync(env.DB_STORAGE)) {
      console.log('Installing NocoBase into .demo/ (first run, about 20 s)...');
      await runCli(['install', '-f'], env, logFile);
      await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
    }
    console.log('Starting NocoBase...');
    const app = await startApp(env, logFile);
    stopApp = app.stop;
    app.process.once('exit', (code) => {
      if (stopping) return;
      console.error(`NocoBase stopped (exit ${code}); see ${logFile}`);
      void shutdown(1);
    });
    await configureDemo(app.url, origin);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
  }

  const corp = defaultConfig.corps[0];
  console.log(`
NocoBase is running at ${origin}
  Admin:          ${env.INIT_ROOT_EMAIL} / ${env.INIT_ROOT_PASSWORD}  (phone ${DEMO_PHONE}, matches sandbox member zhangsan)
  WeCom sandbox:  ${sandbox.url}  (corp ${corp.corpId}, agent ${corp.apps[0].agentId})
  Authenticator:  "wecom" (Settings > Authentication)
  Logs:           ${logFile}
Press Ctrl-C to stop.`);
}

/** The admin gets the phone of sandbox member zhangsan; a `wecom` authenticator points at the sandbox. */
async function configureDemo(url: string, origin: string) {
  const api = await Api.signIn(url, 'admin@nocobase.com', 'admin123');
  await api.post('users:update?filterByTk=1', { phone: DEMO_PHONE });
  const corp = defaultConfig.corps[0];
  const existing = await api.get<unknown[]>('authenticators:list', { 'filter[name]': 'wecom' });
  if (existing.length) return;
  await api.post('authenticators:create', {
    name: 'wecom',
    authType: 'WeCom',
    title: 'WeCom',
    enabled: true,
    options: {
      public: { autoSignup: true, autoLogin: false },
      corpId: corp.corpId,
      agentId: corp.apps[0].agentId,
      corpSecret: corp.apps[0].secret,
      origin,
      redirectPath: '/admin',
    },
  });
}

/** The demo's sandbox trusts the app's address, whatever APP_PORT says. */
function withTrustedPort(config: SandboxConfig, port: number): SandboxConfig {
  const extra = [`127.0.0.1:${port}`, `localhost:${port}`];
  return {
    ...config,
    corps: config.corps.map((corp) => ({
      ...corp,
      apps: corp.apps.map((app) => ({ ...app, trustedDomains: [...new Set([...app.trustedDomains, ...extra])] })),
    })),
  };
}

void main();
