// A real NocoBase application, in this process, on SQLite, with this plugin loaded by package name.
// What @nocobase/test would give us if it could be installed from this registry.
import { Application } from '@nocobase/server';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { linkSelf, nocobaseEnv, root } from '../../scripts/paths.mjs';

export const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };

/** Plugins the authentication stack needs; anything more only slows the suite down. */
const PLUGINS = [
  'field-sort',
  'error-handler',
  'data-source-manager',
  'data-source-main',
  'acl',
  'users',
  'auth',
  'system-settings',
  'environment-variables',
  '@nocobase/plugin-auth-wecom',
];

export interface TestApp {
  app: Application;
  /** http://127.0.0.1:<port>, the app's origin. */
  url: string;
  storage: string;
  /** Every log line the app wrote so far. */
  logs(): string;
  destroy(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment for the app (e.g. the WeCom base URLs pointing at the sandbox). */
  env?: Record<string, string>;
  database?: Record<string, unknown>;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  linkSelf();
  const storage = join(root, '.test-tmp', `app-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(storage, { recursive: true });
  const env = nocobaseEnv({
    storage,
    extra: { LOGGER_TRANSPORT: 'dailyRotateFile', LOGGER_LEVEL: 'debug', ...options.env },
  });
  Object.assign(process.env, env);
  // Under VITEST, NocoBase switches to its monorepo source mode (tsconfig.paths.json, ESM imports of
  // src/). We test the built package as production loads it.
  delete process.env.VITEST;

  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const app = new Application({
    name: `main`,
    database: options.database ?? { dialect: 'sqlite', storage: ':memory:', logging: false },
    resourcer: { prefix: '/api' },
    acl: true,
    plugins: PLUGINS,
  } as ConstructorParameters<typeof Application>[0]);
  await app.runCommandThrowError('install', '-f');
  await app.runCommandThrowError('start');
  server.on('request', app.callback());

  return {
    app,
    url,
    storage,
    logs: () => readLogs(join(storage, 'logs')),
    async destroy() {
      server.closeAllConnections();
      server.close();
      await app.destroy();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

function readLogs(dir: string): string {
  let text = '';
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  for (const entry of entries) {
    if (entry.endsWith('.log')) text += readFileSync(join(dir, entry), 'utf8');
  }
  return text;
}
