// A second stock app for `APP_CLIENT_ENTRY_MODE=modern-only`, where every page of the site is the modern
// client's. NocoBase's CLI writes that mode into the legacy index.html (its browser-checker.js sends every
// page to `/v/...`); this app gets its own copy of the prebuilt client (hard links, and its own index.html)
// so the shared node_modules and the other app stay in the default mode.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, type Sandbox, sandboxEnv, startSandbox, trusting } from '../../sandbox';
import { Api, type RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { nocobaseEnv, nodeModules, root } from '../../scripts/paths.mjs';
import { freePort } from '../../scripts/ports';
import { ADMIN, ZHANG_SAN } from './world';

export interface ModernOnlyWorld {
  appUrl: string;
  sandboxUrl: string;
  stop(): Promise<void>;
}

export async function startModernOnlyWorld(): Promise<ModernOnlyWorld> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const sandbox: Sandbox = await startSandbox(trusting(defaultConfig, [host]));
  const storage = join(root, '.test-tmp', `e2e-modern-only-${randomBytes(4).toString('hex')}`);
  const packageRoot = join(storage, 'app');
  const client = join(packageRoot, 'dist/client');
  mkdirSync(join(packageRoot, 'dist'), { recursive: true });
  cpSync(join(nodeModules, '@nocobase/app/dist/client'), client, { recursive: true });
  const html = readFileSync(join(client, 'index.html'), 'utf8').replace(
    /(__nocobase_app_client_entry_mode__'\] = ')[^']*'/,
    "$1modern-only'",
  );
  if (!html.includes("__nocobase_app_client_entry_mode__'] = 'modern-only'")) throw new Error('index.html has no entry mode to set');
  writeFileSync(join(client, 'index.html'), html);

  const logFile = join(storage, 'nocobase.log');
  const env = nocobaseEnv({
    storage,
    port,
    extra: {
      APP_PACKAGE_ROOT: packageRoot,
      APP_CLIENT_ENTRY_MODE: 'modern-only',
      ...sandboxEnv(sandbox.url),
    },
  });
  let app: RunningApp | undefined;
  try {
    await runCli(['install', '-f'], env, logFile);
    await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
    app = await startApp(env, logFile);
    const admin = await Api.signIn(app.url, ADMIN.email, ADMIN.password);
    await admin.post('users:create', ZHANG_SAN);
  } catch (error) {
    await app?.stop();
    await sandbox.close();
    throw error;
  }
  return {
    appUrl: app.url,
    sandboxUrl: sandbox.url,
    async stop() {
      await app?.stop();
      await sandbox.close();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}
