// Runs the stock NocoBase app (node_modules/@nocobase/app) as separate processes: the demo, the install
// test, the browser tests and the benchmark all drive the same real server this way.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { nocobaseCli } from './paths.mjs';
import { listenerOf, portIsFree } from './ports';

export type Env = Record<string, string>;

/** Runs one NocoBase CLI command (`install -f`, `pm enable x`, ...) to completion. */
export async function runCli(args: string[], env: Env, logFile: string): Promise<void> {
  const child = spawnCli(args, env, logFile);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`nocobase ${args.join(' ')} exited with ${code}; see ${logFile}`);
}

export interface RunningApp {
  url: string;
  process: ChildProcess;
  /** The admin (INIT_ROOT_EMAIL), signed in by the readiness check; undefined if that password was changed. */
  admin?: Api;
  stop(): Promise<void>;
}

/** The port a server is to bind is taken: `variable` is the environment variable that chooses another. */
export class PortBusyError extends Error {
  constructor(
    readonly port: number,
    readonly variable: string,
    what: string,
  ) {
    super(`Port ${port} (${what}) is already in use by another program. Stop it, or choose another port: ${variable}=<port>.`);
    this.name = 'PortBusyError';
  }
}

/** Throws a PortBusyError unless every port is free; nothing is started before all are checked. */
export async function assertPortsFree(ports: { port: number; host?: string; variable: string; what: string }[]): Promise<void> {
  for (const { port, host, variable, what } of ports) {
    if (!(await portIsFree(port, host))) throw new PortBusyError(port, variable, what);
  }
}

/**
 * Starts `nocobase start` and resolves once the app serves real calls. The gateway answers early (health
 * check, app:getLang) while the app itself still answers 503 APP_COMMANDING (on the first start after
 * `pm add` it upgrades first), so readiness is the admin's sign-in: it succeeds, or the app refuses it
 * itself (a changed password). Credentials only go to the process started here: the port must be free
 * before, and (on Linux) that process must be the one listening on it.
 */
export async function startApp(env: Env, logFile: string, timeoutMs = 300_000): Promise<RunningApp> {
  const port = Number(env.APP_PORT);
  await assertPortsFree([{ port, host: env.APP_HOST || '0.0.0.0', variable: 'APP_PORT', what: 'NocoBase' }]);
  const child = spawnCli(['start'], env, logFile);
  const url = `http://127.0.0.1:${port}`;
  try {
    const admin = await waitUntilReady(child, url, port, env, logFile, timeoutMs);
    return { url, process: child, admin, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child); // never leave a half-started server behind
    throw error;
  }
}

async function waitUntilReady(child: ChildProcess, url: string, port: number, env: Env, logFile: string, timeoutMs: number): Promise<Api | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nocobase start exited with ${child.exitCode ?? child.signalCode}; see ${logFile}`);
    }
    const listener = listenerOf(child.pid!, port);
    if (listener === 'other') {
      throw new Error(`another program took port ${port} (APP_PORT) before NocoBase could; nothing was sent to it`);
    }
    if (listener !== 'none') {
      try {
        return await Api.signIn(url, env.INIT_ROOT_EMAIL, env.INIT_ROOT_PASSWORD);
      } catch (error) {
        const status = (error as { status?: number }).status;
        // The app itself refused the credentials (a changed password): it is up. The gateway's own
        // answers while the app is not running are 503s (and APP_NOT_FOUND a 404).
        if (status === 400 || status === 401 || status === 403) return undefined;
        last = error instanceof Error ? error.message : String(error);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`NocoBase did not become ready within ${Math.round(timeoutMs / 1000)} s (${last}); see ${logFile}`);
}

function spawnCli(args: string[], env: Env, logFile: string): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [nocobaseCli, ...args], {
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

// A test worker that ends (a hook timed out mid-install) or a script that exits takes its NocoBase
// processes with it instead of leaving them running.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The parent's environment without vitest's markers: under VITEST, NocoBase switches to its monorepo
 * source mode and no longer starts from the published packages.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
}

export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A minimal NocoBase API client: JSON in, `data` out, errors thrown with NocoBase's message. */
export class Api {
  constructor(
    readonly url: string,
    public token?: string,
  ) {}

  static async signIn(url: string, account: string, password: string): Promise<Api> {
    const api = new Api(url);
    const { token } = await api.post<{ token: string }>('auth:signIn', { account, password }, { 'x-authenticator': 'basic' });
    api.token = token;
    return api;
  }

  async get<T>(action: string, query: Record<string, string> = {}): Promise<T> {
    return this.request<T>('GET', `${action}?${new URLSearchParams(query)}`);
  }

  async post<T>(action: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', action, body, headers);
  }

  private async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.url}/api/${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
    if (!res.ok) {
      const message = `${method} ${path}: HTTP ${res.status} ${json.errors?.map((e) => e.message).join('; ') ?? ''}`;
      throw Object.assign(new Error(message), { status: res.status });
    }
    return json.data as T;
  }
}
