// Where things live, for the scripts and the test harness.
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const nodeModules = join(root, 'node_modules');
export const packageName = '@nocobase/plugin-auth-wecom';

/**
 * NocoBase finds a plugin by package name under NODE_MODULES_PATH and loads it with require(), exactly
 * as it does after `pm add`. A link from node_modules back to this package lets the demo and the tests
 * load the plugin that way rather than as a class, so its locales and package.json count.
 */
export function linkSelf() {
  const link = join(nodeModules, packageName);
  const target = relative(dirname(link), root);
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === target) return link;
    rmSync(link, { recursive: true, force: true });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(link), { recursive: true });
  try {
    symlinkSync(target, link, 'dir');
  } catch (error) {
    // A test run started at the same time made the same link first.
    if (error.code !== 'EEXIST' || readlinkSync(link) !== target) throw error;
  }
  return link;
}

/** The address NocoBase listens on: the demo's admin password is in the README, so this machine only unless APP_HOST says otherwise. */
export function appHost() {
  return process.env.APP_HOST || '127.0.0.1';
}

/** The environment a NocoBase 2.2 app needs when it is run without its CLI wrapper. */
export function nocobaseEnv({ storage, port = 13000, dbStorage = join(storage, 'db.sqlite'), extra = {} }) {
  mkdirSync(storage, { recursive: true });
  return {
    APP_ENV: 'production',
    APP_KEY: 'wecom-demo-app-key-change-me',
    APP_PORT: String(port),
    APP_HOST: appHost(),
    DB_DIALECT: 'sqlite',
    DB_STORAGE: dbStorage,
    API_BASE_PATH: '/api/',
    APP_PUBLIC_PATH: '/',
    WS_PATH: '/ws',
    CDN_BASE_URL: '',
    PLUGIN_STATICS_PATH: '/static/plugins/',
    NODE_MODULES_PATH: nodeModules,
    NODE_PATH: nodeModules,
    APP_PACKAGE_ROOT: join(nodeModules, '@nocobase/app'),
    STORAGE_PATH: storage,
    PLUGIN_STORAGE_PATH: join(storage, 'plugins'),
    SOCKET_PATH: join(storage, 'gateway.sock'),
    CACHE_DEFAULT_STORE: 'memory',
    INIT_ROOT_EMAIL: 'admin@nocobase.com',
    INIT_ROOT_PASSWORD: 'admin123',
    INIT_ROOT_NICKNAME: 'Super Admin',
    ...extra,
  };
}

export const nocobaseCli = join(nodeModules, '@nocobase/app/lib/index.js');
export const exists = existsSync;
