// A real NocoBase application, in this process, on SQLite, with this plugin loaded by package name.
// What @nocobase/test would give us if it could be installed from this registry.
import { Application, Gateway } from '@nocobase/server';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { linkSelf, nocobaseEnv, root } from '../../scripts/paths.mjs';

export const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };

/** Plugins the authentication stack needs; anything more only slows the suite down. */
export const PLUGINS = [
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
  /** More NocoBase plugins, by short name, for a suite that needs them. */
  plugins?: string[];
  /**
   * Serve through NocoBase's gateway, as `nocobase start` does, instead of the main app alone: it selects
   * the app of each request (X-App, `?__appName=`, `/api/__app/<name>/`), for sub-apps of multi-app-manager.
   */
  gateway?: boolean;
}

/** The small part of `pg` (shipped with NocoBase, untyped) used to create and drop test databases. */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
type PgClientClass = new (config: { host: string; port: number; user: string; password: string; database: string }) => PgClient;

/**
 * With DB_DIALECT=postgres (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD; DB_DATABASE is only the database to
 * connect to for CREATE DATABASE, default `postgres`), each app gets a fresh database, dropped on
 * destroy(). SQLite in memory otherwise.
 */
async function postgresDatabase(): Promise<{ options: Record<string, unknown>; env: Record<string, string>; drop(): Promise<void> } | undefined> {
  if (process.env.DB_DIALECT !== 'postgres') return undefined;
  const server = {
    host: process.env.DB_HOST || '127.0.0.1',
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USER || 'postgres',
    password: process.env.DB_PASSWORD || '',
  };
  const adminDatabase = process.env.DB_DATABASE || 'postgres';
  const database = `wecom_test_${randomBytes(6).toString('hex')}`;
  const { Client } = createRequire(import.meta.url)('pg') as { Client: PgClientClass };
  const admin = async (sql: string) => {
    const client = new Client({ ...server, database: adminDatabase });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  return {
    options: { dialect: 'postgres', ...server, username: server.user, database, logging: false },
    // Kept for what reads the environment; DB_DATABASE stays the admin database for the next app.
    env: { DB_DIALECT: 'postgres', DB_HOST: server.host, DB_PORT: String(server.port), DB_USER: server.user, DB_PASSWORD: server.password, DB_DATABASE: adminDatabase },
    drop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  linkSelf();
  const storage = join(root, '.test-tmp', `app-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(storage, { recursive: true });
  const postgres = options.database ? undefined : await postgresDatabase();
  const env = nocobaseEnv({
    storage,
    extra: { LOGGER_TRANSPORT: 'dailyRotateFile', LOGGER_LEVEL: 'debug', ...postgres?.env, ...options.env },
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
    database: options.database ?? postgres?.options ?? { dialect: 'sqlite', storage: ':memory:', logging: false },
    resourcer: { prefix: '/api' },
    acl: true,
    plugins: [...PLUGINS, ...(options.plugins ?? [])],
  } as ConstructorParameters<typeof Application>[0]);
  try {
    await app.runCommandThrowError('install', '-f');
    await app.runCommandThrowError('start');
  } catch (error) {
    await postgres?.drop();
    throw error;
  }
  server.on('request', options.gateway ? Gateway.getInstance().getCallback() : app.callback());

  return {
    app,
    url,
    storage,
    logs: () => readLogs(join(storage, 'logs')),
    async destroy() {
      server.closeAllConnections();
      server.close();
      await app.destroy();
      await postgres?.drop();
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
