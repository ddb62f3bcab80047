// The path of a real admin: `npm pack`, then `pm add <tarball>` and `pm enable auth-wecom` on a stock
// NocoBase app with fresh storage. Nothing of this repository is visible to that app but the tarball.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { nocobaseEnv, nodeModules, root } from '../../scripts/paths.mjs';
import { freePort } from '../../scripts/ports';

/** node_modules as a stock app has it: every package of ours but this plugin. */
function stockNodeModules(dir: string): string {
  const target = join(dir, 'node_modules');
  mkdirSync(join(target, '@nocobase'), { recursive: true });
  for (const entry of readdirSync(nodeModules)) {
    if (entry !== '@nocobase') symlinkSync(join(nodeModules, entry), join(target, entry));
  }
  for (const entry of readdirSync(join(nodeModules, '@nocobase'))) {
    if (entry !== 'plugin-auth-wecom') symlinkSync(join(nodeModules, '@nocobase', entry), join(target, '@nocobase', entry));
  }
  return target;
}

describe('installing the packed plugin with pm add', () => {
  let dir: string;
  let app: RunningApp;
  let logFile: string;

  // Four NocoBase boots (install, pm add, pm enable, the first start with its upgrade): about 1.5 min on an
  // idle 2-core machine, ten times that when it is shared with other suites. A slow machine is not a failure.
  beforeAll(async () => {
    dir = mkdtempSync(join(root, '.test-tmp', 'pm-add-'));
    logFile = join(dir, 'nocobase.log');
    const steps: string[] = [];
    const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await fn();
      } finally {
        steps.push(`${name} ${Math.round((Date.now() - started) / 1000)} s`);
      }
    };
    try {
      const tarball = await step('npm pack', () =>
        join(dir, execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim()),
      );
      const modules = stockNodeModules(dir);
      const env = nocobaseEnv({
        storage: join(dir, 'storage'),
        port: await freePort(),
        extra: { NODE_MODULES_PATH: modules, NODE_PATH: modules, APP_PACKAGE_ROOT: join(modules, '@nocobase/app') },
      });
      await step('install', () => runCli(['install', '-f'], env, logFile));
      await step('pm add', () => runCli(['pm', 'add', tarball], env, logFile));
      await step('pm enable', () => runCli(['pm', 'enable', 'auth-wecom'], env, logFile));
      // The first start after `pm add` upgrades the app: startApp waits for the admin's sign-in to succeed,
      // not for the gateway's early answers (app:getLang answers while every real call is a 503).
      app = await step('start', () => startApp(env, logFile, 1_500_000));
      console.log(`pm add path: ${steps.join(', ')}`);
    } catch (error) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '(no log)';
      throw new Error(`${(error as Error).message}\nsteps: ${steps.join(', ')}\nlast lines of ${logFile}:\n${tail}`, { cause: error });
    }
  }, 1_800_000);

  afterAll(async () => {
    await app?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is ready when startApp returns: the admin is signed in and a real call answers at once', async () => {
    expect(app.admin?.token).toMatch(/^ey/);
    const types = await app.admin!.get<{ name: string }[]>('authenticators:listTypes');
    expect(types.length).toBeGreaterThan(0);
  });

  it('is not flagged by the plugin manager: every version in dist/externalVersion.js is in NocoBase\'s range', async () => {
    const api = await Api.signIn(app.url, 'admin@nocobase.com', 'admin123');
    // The list the plugin manager page shows; its "Problematic" tab holds the plugins with isCompatible false.
    const plugins = await api.get<{ packageName: string; isCompatible?: boolean; depsCompatible?: { name: string; result: boolean; versionRange: string; packageVersion: string }[] }[]>('pm:list');
    const plugin = plugins.find((item) => item.packageName === '@nocobase/plugin-auth-wecom');
    expect(plugin?.depsCompatible?.filter((dep) => !dep.result)).toEqual([]);
    expect(plugin?.isCompatible).toBe(true);
    // axios is what the plugin's server code imports; NocoBase 2.2 wants 1.7.x (this repository has 1.21.1).
    expect(plugin?.depsCompatible?.find((dep) => dep.name === 'axios')).toEqual({ name: 'axios', result: true, versionRange: '1.7.x', packageVersion: '1.7.7' });
  });

  it('lists the WeCom authenticator type', async () => {
    const api = await Api.signIn(app.url, 'admin@nocobase.com', 'admin123');
    const types = await api.get<{ name: string }[]>('authenticators:listTypes');
    expect(types.map((type) => type.name)).toContain('WeCom');
  });

  it('serves the client bundle as one named AMD module', async () => {
    const api = await Api.signIn(app.url, 'admin@nocobase.com', 'admin123');
    const enabled = await api.get<{ packageName: string; url: string }[]>('pm:listEnabled');
    const plugin = enabled.find((item) => item.packageName === '@nocobase/plugin-auth-wecom');
    expect(plugin?.url).toMatch(/^\/static\/plugins\/@nocobase\/plugin-auth-wecom\/dist\/client\/index\.js/);
    const res = await fetch(`${app.url}${plugin!.url}`);
    expect(res.status).toBe(200);
    const code = await res.text();
    expect(code).toMatch(/define\("@nocobase\/plugin-auth-wecom",\[/);
    // The settings form, loaded on demand from the same folder.
    const settings = await fetch(`${app.url}${plugin!.url.replace(/index\.js(\?.*)?$/, 'settings.js$1')}`);
    expect(settings.status).toBe(200);
    expect(await settings.text()).toMatch(/define\(\[/);
  });

  it("serves the modern client's bundle (/v/) as the named AMD module <package>/client-v2, with its sibling files", async () => {
    const api = await Api.signIn(app.url, 'admin@nocobase.com', 'admin123');
    const enabled = await api.get<{ packageName: string; url: string }[]>('pm:listEnabledV2');
    const plugin = enabled.find((item) => item.packageName === '@nocobase/plugin-auth-wecom');
    expect(plugin?.url).toMatch(/^\/static\/plugins\/@nocobase\/plugin-auth-wecom\/dist\/client-v2\/index\.js\?hash=/);
    const res = await fetch(`${app.url}${plugin!.url}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/define\("@nocobase\/plugin-auth-wecom\/client-v2",\[/);
    for (const file of ['callback.js', 'settings.js']) {
      const sibling = await fetch(`${app.url}${plugin!.url.replace(/index\.js(\?.*)?$/, `${file}$1`)}`);
      expect(sibling.status, file).toBe(200);
      expect(await sibling.text(), file).toMatch(/define\(\[/);
    }
  });
});
