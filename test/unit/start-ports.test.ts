// `npm start` and the app runner with a port already taken by another program: a clear sentence naming the
// variable to set, exit code 1, nothing started, and nothing (least of all the admin's password) sent to
// the program holding the port. None of this installs NocoBase: the ports are checked first.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PortBusyError, startApp } from '../../scripts/nocobase';
import { nocobaseEnv, root } from '../../scripts/paths.mjs';
import { freePort, listenerOf, portIsFree } from '../../scripts/ports';

/** An HTTP server of "another program" on a free port, counting the connections it gets. */
async function holder(host = '127.0.0.1'): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((_, res) => res.end('{"data":{"token":"not yours"}}'));
  server.on('connection', () => connections++);
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

function runStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const tsx = join(root, 'node_modules/.bin/tsx');
    execFile(tsx, [join(root, 'scripts/start.ts')], { cwd: root, env: { ...process.env, ...env }, timeout: SPAWN_TIMEOUT - 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

// Each of these runs the start script through tsx: seconds on an idle machine, half a minute on a loaded one.
const SPAWN_TIMEOUT = 180_000;

const servers: Server[] = [];
let demoDir: string | undefined;
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  if (demoDir) rmSync(demoDir, { recursive: true, force: true });
  demoDir = undefined;
});

describe('npm start with a busy port', () => {
  const scratch = () => {
    demoDir = mkdtempSync(join(root, '.test-tmp', 'start-ports-'));
    return join(demoDir, 'demo');
  };

  it('names APP_PORT, exits 1 without a stack, starts nothing and sends nothing to the program on the app port', async () => {
    const busy = await holder();
    servers.push(busy.server);
    const dir = scratch();
    const run = await runStart({ APP_PORT: String(busy.port), SANDBOX_PORT: String(await freePort()), DEMO_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `Port ${busy.port} (NocoBase) is already in use by another program. Stop it, or choose another port: APP_PORT=<port>.`,
    );
    expect(run.stdout).not.toMatch(/built dist|Installing|Starting/);
    expect(busy.connections()).toBe(0);
    expect(existsSync(dir)).toBe(false);
  }, SPAWN_TIMEOUT);

  it('names SANDBOX_PORT when the sandbox port is taken, before building or starting anything', async () => {
    const busy = await holder();
    servers.push(busy.server);
    const dir = scratch();
    const run = await runStart({ APP_PORT: String(await freePort()), SANDBOX_PORT: String(busy.port), DEMO_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `Port ${busy.port} (the WeCom sandbox) is already in use by another program. Stop it, or choose another port: SANDBOX_PORT=<port>.`,
    );
    expect(run.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    expect(run.stdout).not.toMatch(/built dist/);
    expect(existsSync(dir)).toBe(false);
  }, SPAWN_TIMEOUT);

  it('refuses an APP_PORT that is not a port number', async () => {
    const bad = await runStart({ APP_PORT: '13x', DEMO_DIR: scratch() });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('APP_PORT=13x is not a port number (1-65535).');
  }, SPAWN_TIMEOUT);

  it('refuses the same port for NocoBase and the sandbox', async () => {
    const same = await runStart({ APP_PORT: '23456', SANDBOX_PORT: '23456', DEMO_DIR: scratch() });
    expect(same.code).toBe(1);
    expect(same.stderr.trim()).toBe('APP_PORT and SANDBOX_PORT are both 23456: give them different ports.');
  }, SPAWN_TIMEOUT);

  it('counts a program listening on all addresses as holding the port on 127.0.0.1', async () => {
    const busy = await holder('0.0.0.0');
    servers.push(busy.server);
    expect(await portIsFree(busy.port, '127.0.0.1')).toBe(false);
  });
});

describe('starting a NocoBase app on a port another program holds', () => {
  it('throws a PortBusyError naming APP_PORT and sends the admin credentials nowhere', async () => {
    const busy = await holder();
    servers.push(busy.server);
    demoDir = mkdtempSync(join(root, '.test-tmp', 'start-ports-'));
    const env = nocobaseEnv({ storage: join(demoDir, 'storage'), port: busy.port });
    const error = await startApp(env, join(demoDir, 'nocobase.log'), 10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortBusyError);
    expect((error as PortBusyError).variable).toBe('APP_PORT');
    expect(busy.connections()).toBe(0);
  });
});

describe('telling which process listens on a port', () => {
  it('says self for this process, other for a child process, none for a port nobody listens on', async () => {
    const own = await holder();
    servers.push(own.server);
    expect(listenerOf(process.pid, own.port)).toBe('self');

    const port = await freePort();
    expect(listenerOf(process.pid, port)).toBe('none');
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await once(child.stdout!, 'data');
      expect(listenerOf(process.pid, port)).toBe('other');
      expect(listenerOf(child.pid!, port)).toBe('self');
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  }, SPAWN_TIMEOUT);
});
