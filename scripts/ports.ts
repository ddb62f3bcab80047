import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `host:port` can be bound now (false when anything listens there, on that address or all of them). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  for (const address of new Set([host, '0.0.0.0'])) {
    const server = createServer();
    server.listen({ port, host: address, exclusive: true });
    const outcome = await new Promise<'free' | NodeJS.ErrnoException>((resolve) => {
      server.once('listening', () => resolve('free'));
      server.once('error', resolve);
    });
    if (outcome === 'free') {
      server.close();
      await once(server, 'close');
      continue;
    }
    if (outcome.code === 'EADDRINUSE' || outcome.code === 'EACCES') return false;
    // An address this machine does not have (EADDRNOTAVAIL) cannot be held by another server either.
    if (outcome.code !== 'EADDRNOTAVAIL') throw outcome;
  }
  return true;
}

// Ports handed out by freePort, below Linux's ephemeral range (32768-60999): the outgoing connections of
// every process on the machine take ports from that range, and one of them could take a port between
// freePort() and the moment the server it was chosen for binds it.
const RANGE = { from: 20_000, to: 32_000 };
// Claims shared by every process on this machine (two suites running at once), dropped when stale: a
// server may bind its port many minutes after it was chosen (an install first, on a loaded machine).
const CLAIMS = join(tmpdir(), 'nocobase-auth-wecom-ports');
const CLAIM_TTL_MS = 6 * 3600_000;

/**
 * A port that is free now and that no other caller of freePort (in any process) got in the last six
 * hours, for a server started in another process.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  mkdirSync(CLAIMS, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
    if (!claim(port)) continue;
    if (await portIsFree(port, host)) return port;
  }
  throw new Error(`no free port found between ${RANGE.from} and ${RANGE.to}`);
}

function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  try {
    if (Date.now() - statSync(file).mtimeMs < CLAIM_TTL_MS) return false;
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Who listens on TCP `port`: process `pid` ('self'), another process ('other') or nobody yet ('none'), read
 * from /proc (Linux); undefined where that cannot be told. A script that signs in to a server it started
 * asks this first, so that it never sends credentials to a server someone else runs on that port.
 */
export function listenerOf(pid: number, port: number): 'self' | 'other' | 'none' | undefined {
  const inodes = new Set<string>();
  try {
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text: string;
      try {
        text = readFileSync(table, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && table.endsWith('6')) continue;
        throw error;
      }
      for (const line of text.split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the tenth field.
        if (fields.length < 10 || fields[3] !== '0A') continue;
        if (parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
      }
    }
    if (inodes.size === 0) return 'none';
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return 'self';
    }
    return 'other';
  } catch {
    return undefined;
  }
}
