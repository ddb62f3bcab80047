// Throw-away PostgreSQL and Redis servers from the Debian packages (`postgresql`, `redis-server`), on
// loopback ports, in temporary directories: what the cluster suite and the PostgreSQL run of the
// integration suite stand on. Nothing here touches the system's own instances.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** DB_* variables for NocoBase and test/helpers/app.ts (without DB_DATABASE). */
  env: Record<string, string>;
  /** Runs SQL in database `postgres` (or `database`) with psql; answers its unaligned output. */
  sql(statement: string, database?: string): string;
  stop(): Promise<void>;
}

export interface Redis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM); its data is gone, as it keeps none on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

function postgresBin(name: string): string {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', name)))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`${name} not found under ${base}`);
  return join(base, versions[0], 'bin', name);
}

/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` user the package made. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

function run(command: string, args: string[], options: { input?: string } = {}): string {
  const [cmd, argv] = asPostgres(command, args);
  return execFileSync(cmd, argv, { encoding: 'utf8', input: options.input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const user = 'nocobase';
  const password = 'nocobase';
  run(postgresBin('initdb'), ['-D', data, '-U', user, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  run(postgresBin('pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-w',
    '-t',
    '60',
    '-o',
    // Loopback only, socket in the temp dir; durability is not what these tests are about.
    `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
    'start',
  ]);
  const sql = (statement: string, database = 'postgres') =>
    run(postgresBin('psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', statement]);
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    env: { DB_DIALECT: 'postgres', DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_USER: user, DB_PASSWORD: password },
    sql,
    async stop() {
      run(postgresBin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exit: Error | undefined;
    proc.once('exit', (code) => (exit = new Error(`redis-server exited with ${code}: ${stderr.slice(-500)}`)));
    await waitForPort(port, 15_000, () => exit);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}/0`, start, stop };
}

async function waitForPort(port: number, timeoutMs: number, failed: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const error = failed();
    if (error) throw error;
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
