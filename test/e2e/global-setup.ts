// The world of the browser tests: the built plugin linked into node_modules, the WeCom sandbox, and one
// stock NocoBase app (real prebuilt client) with the plugin enabled and a user Zhang San (Admin role, not root)
// with the phone of sandbox member zhangsan.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { defaultConfig, sandboxEnv, startSandbox, trusting } from '../../sandbox';
import { Api, type RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { linkSelf, nocobaseEnv, root } from '../../scripts/paths.mjs';
import { freePort } from '../../scripts/ports';
import { ADMIN, ZHANG_SAN } from './world';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
    sandboxUrl: string;
    logFile: string;
  }
}

export default async function setup(project: TestProject) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();

  const port = await freePort();
  const sandbox = await startSandbox(trusting(defaultConfig, [`127.0.0.1:${port}`]));
  const storage = join(root, '.test-tmp', `e2e-${randomBytes(4).toString('hex')}`);
  const logFile = join(storage, 'nocobase.log');
  const env = nocobaseEnv({
    storage,
    port,
    extra: { ...sandboxEnv(sandbox.url) },
  });
  let app: RunningApp | undefined;
  try {
    await runCli(['install', '-f'], env, logFile);
    await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
    // Contacts sync writes departments and memberships: plugin-departments is not enabled by a default install.
    await runCli(['pm', 'enable', 'departments'], env, logFile);
    app = await startApp(env, logFile);
    const admin = await Api.signIn(app.url, ADMIN.email, ADMIN.password);
    await admin.post('users:create', ZHANG_SAN);
    // A visitor's language counts only when the system enables it.
    await admin.post('systemSettings:update?filterByTk=1', { enabledLanguages: ['en-US', 'zh-CN', 'ja-JP'] });
  } catch (error) {
    await app?.stop();
    await sandbox.close();
    throw error;
  }

  project.provide('appUrl', app.url);
  project.provide('sandboxUrl', sandbox.url);
  project.provide('logFile', logFile);

  return async () => {
    await app?.stop();
    await sandbox.close();
    rmSync(storage, { recursive: true, force: true });
  };
}
