// Runs the stock NocoBase app (node_modules/@nocobase/app) as separate processes: the demo, the install
// test, the browser tests and the benchmark all drive the same real server this way.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { nocobaseCli } from './paths.mjs';

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
  stop(): Promise<void>;
}

/** Starts `nocobase start` and resolves once the API answers. */
export async function startApp(env: Env, logFile: string, timeoutMs = 120_000): Promise<RunningApp> {
  const child = spawnCli(['start'], env, logFile);
  const url = `http://127.0.0.1:${env.APP_PORT}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`nocobase start exited with ${code}; see ${logFile}`)));
  });
  try {
    await Promise.race([waitForHttp(`${url}/api/app:getLang`, timeoutMs), exited]);
  } catch (error) {
    await stopProcess(child); // never leave a half-started server behind
    throw error;
  }
  return {
    url,
    process: child,
    stop: () => stopProcess(child),
  };
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
  return child;
}

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

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
      last = new Error(`HTTP ${res.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
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
      throw new Error(`${method} ${path}: HTTP ${res.status} ${json.errors?.map((e) => e.message).join('; ') ?? ''}`);
    }
    return json.data as T;
  }
}
