// `npm start`: the whole product on one machine. Builds the plugin, runs the WeCom sandbox, prepares a
// NocoBase app with SQLite in .demo/ (installed on the first run, kept afterwards), enables the plugin,
// configures a demo WeCom authenticator against the sandbox and prints where to sign in. The sandbox keeps
// its address book, change-callback settings and inboxes in .demo/sandbox-state.json across restarts.
//   npm start -- --reset    start from scratch (drops .demo/, the sandbox's state with it)
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, sandboxEnv, startSandbox, StateFileError, trusting } from '../sandbox';
import { configureDemoCard, DEMO_CARD_WORKFLOW } from './demo-card';
import { configureDemoChannel, configureDemoRobot } from './demo-channel';
import { configureDemoSync, demoSyncState, type DemoCallback } from './demo-sync';
import { Api, assertPortsFree, PortBusyError, runCli, startApp } from './nocobase';
import { appHost, linkSelf, nocobaseEnv, root } from './paths.mjs';

const DEMO_PHONE = '13800000001';
/** The NocoBase user of sandbox member zhangsan: NocoBase's Admin role, not root (a root user never signs in with WeCom). */
const DEMO_USER = { username: 'zhangsan', nickname: 'Zhang San', phone: DEMO_PHONE, roles: ['admin'] };
// DEMO_DIR moves the demo's app (database, storage, log) elsewhere; .demo/ by default.
const demoDir = process.env.DEMO_DIR || join(root, '.demo');
const storage = join(demoDir, 'storage');
const logFile = join(demoDir, 'nocobase.log');
const sandboxStateFile = join(demoDir, 'sandbox-state.json');

/** A TCP port from the environment variable `name`, or `fallback`; anything else is refused clearly. */
function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${name}=${raw} is not a port number (1-65535).`);
  return port;
}

class UsageError extends Error {}

async function main() {
  const reset = process.argv.includes('--reset');
  const port = portFrom('APP_PORT', 13000);
  const sandboxPort = portFrom('SANDBOX_PORT', 13001);
  if (port === sandboxPort) throw new UsageError(`APP_PORT and SANDBOX_PORT are both ${port}: give them different ports.`);
  // Both ports are checked before anything starts: a busy one is named with the variable that moves it.
  await assertPortsFree([
    { port, host: appHost(), variable: 'APP_PORT', what: 'NocoBase' },
    { port: sandboxPort, host: '127.0.0.1', variable: 'SANDBOX_PORT', what: 'the WeCom sandbox' },
  ]);
  const origin = `http://127.0.0.1:${port}`;

  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();
  if (reset) rmSync(demoDir, { recursive: true, force: true });

  const sandbox = await startSandbox(trusting(defaultConfig, [`127.0.0.1:${port}`, `localhost:${port}`]), {
    port: sandboxPort,
    persist: { file: sandboxStateFile, reset },
  });
  const env = nocobaseEnv({
    storage,
    port,
    extra: {
      ...sandboxEnv(sandbox.url),
    },
  });

  let syncState: string | undefined;
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
    const started = Date.now();
    if (!existsSync(env.DB_STORAGE)) {
      // About a minute on an idle 2-core machine; 10 min and more when it is loaded (load average 20).
      console.log('Installing NocoBase (first run: about a minute, several on a busy machine)...');
      await runCli(['install', '-f'], env, logFile);
      await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
      // Contacts sync writes departments and memberships: plugin-departments is off in a default install.
      await runCli(['pm', 'enable', 'departments'], env, logFile);
    }
    console.log('Starting NocoBase...');
    const app = await startApp(env, logFile);
    stopApp = app.stop;
    app.process.once('exit', (code) => {
      if (stopping) return;
      console.error(`NocoBase stopped (exit ${code}); see ${logFile}`);
      void shutdown(1);
    });
    const zhangSan = app.admin ? await configureDemoUser(app.admin) : undefined;
    if (app.admin) await configureDemo(app.admin, origin);
    if (app.admin) await configureDemoChannel(app.admin);
    if (app.admin && zhangSan) await configureDemoCard(app.admin, sandbox.url, origin, zhangSan);
    const robot = defaultConfig.robots?.[0];
    if (app.admin && robot) await configureDemoRobot(app.admin, robot.key);
    if (app.admin) {
      const callback = await configureDemoSync(app.admin, defaultConfig.corps[0].contacts?.secret ?? '', origin);
      if (callback) await sendCallbacksTo(sandbox.url, callback);
      syncState = await demoSyncState(app.admin);
    } else console.log(`The admin's password is no longer ${env.INIT_ROOT_PASSWORD}: the demo settings were left as they are.`);
    console.log(`Ready in ${Math.round((Date.now() - started) / 1000)} s.`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
  }

  const corp = defaultConfig.corps[0];
  const callbackUrl = sandbox.config.corps[0].contacts?.callback?.url;
  const open = !['127.0.0.1', 'localhost', '::1'].includes(env.APP_HOST);
  console.log(`
NocoBase is running at ${origin}${open ? ` (listening on ${env.APP_HOST}: reachable from other machines, with the well-known admin password below)` : ' (this machine only; APP_HOST=0.0.0.0 opens it)'}
  Admin:          ${env.INIT_ROOT_EMAIL} / ${env.INIT_ROOT_PASSWORD}  (root: signs in with the password only, never with WeCom)
  Zhang San:      user "${DEMO_USER.username}" (Admin role, phone ${DEMO_PHONE} = sandbox member zhangsan): his first WeCom sign-in in the WeCom client links to it
  WeCom sandbox:  ${sandbox.url}  (corp ${corp.corpId}, agent ${corp.apps[0].agentId})
  Authenticator:  "wecom" (Settings > Authentication)
  Notifications:  channel "wecom" (Settings > Notification manager); what a member received: ${sandbox.url}/inbox/zhangsan
  Group robot:    channel "wecom-group"; what the group received: ${sandbox.url}/groups/${encodeURIComponent(defaultConfig.robots?.[0]?.group ?? '')}
  WeCom card:     workflow "${DEMO_CARD_WORKFLOW}": sign in once with WeCom as Zhang San, add a purchase request (POST /api/purchaseRequests:create), tap Approve at ${sandbox.url}/inbox/zhangsan
  Contacts sync:  source "wecom" (Settings > Users & Permissions > Synchronize)${syncState ? `, ${syncState}` : ''}
  Live changes:   ${callbackUrl ? `POST ${sandbox.url}/__sandbox/contacts/change sends WeCom's change callback to NocoBase` : 'the sandbox has no callback URL'} (README: "The WeCom sandbox")
  Sandbox state:  ${sandboxStateFile} (address book, callback URL, inboxes; npm start -- --reset forgets it)
  Logs:           ${logFile}
Press Ctrl-C to stop.`);
}

/** Tells the sandbox where, and with which Token and EncodingAESKey, to send change callbacks (as an admin does in WeCom's console). */
async function sendCallbacksTo(sandboxUrl: string, callback: DemoCallback) {
  const res = await fetch(`${sandboxUrl}/__sandbox/contacts/callback`, { method: 'POST', body: JSON.stringify(callback) });
  if (!res.ok) throw new Error(`the sandbox refused the callback settings: HTTP ${res.status} ${await res.text()}`);
}

/**
 * The user Zhang San, with the phone of sandbox member zhangsan, so that zhangsan's first sign-in in the WeCom client
 * links to it; answers its id. Demos made before root users were refused gave the admin (root) that phone: it is
 * taken away, as two users with one phone refuse the sign-in.
 */
async function configureDemoUser(api: Api): Promise<number> {
  const [admin] = await api.get<{ phone?: string | null }[]>('users:list', { filter: JSON.stringify({ id: 1 }) });
  if (admin?.phone === DEMO_PHONE) await api.post('users:update?filterByTk=1', { phone: null });
  const [existing] = await api.get<{ id: number }[]>('users:list', { filter: JSON.stringify({ phone: DEMO_PHONE }) });
  if (existing) return Number(existing.id);
  return Number((await api.post<{ id: number }>('users:create', DEMO_USER)).id);
}

/** A `wecom` authenticator points at the sandbox. */
async function configureDemo(api: Api, origin: string) {
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

main().catch((error) => {
  // A busy port or a bad variable is the user's to fix: a sentence, not a stack.
  if (error instanceof PortBusyError || error instanceof UsageError || error instanceof StateFileError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
