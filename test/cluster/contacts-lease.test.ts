// The contacts-sync lease on a real Redis (redis-server), driven directly with short leases: a change waits for
// a pull on another instance as long as it runs, a lease Redis lost is taken again, and a lease whose SET
// answered too late is given back instead of staying held by nobody.
import { Cache, CacheManager } from '@nocobase/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis, startRedis } from '../../scripts/cluster/services';
import { redisClientOf } from '../../src/server/common/shared-cache';
import { LeaseLost, LeaseStoreUnavailable, SourceExclusion } from '../../src/server/sync/exclusive';

interface RawRedis {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { PX: number }): Promise<string | null>;
  del(key: string): Promise<number>;
  sendCommand(args: string[]): Promise<unknown>;
}

type Logged = { level: 'warn' | 'error'; message: string; meta?: Record<string, unknown> };

describe('contacts-sync lease on Redis', () => {
  let redis: Redis;
  const managers: CacheManager[] = [];
  /** One NocoBase cache on the Redis, as one instance of a cluster has it. */
  const instance = async () => {
    const manager = new CacheManager({ defaultStore: 'redis', stores: { redis: { url: redis.url } } } as never);
    managers.push(manager);
    const cache = await manager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    const raw = redisClientOf(cache.store) as unknown as RawRedis;
    return { cache, raw };
  };
  const recorder = () => {
    const logged: Logged[] = [];
    return {
      logged,
      log: {
        warn: (message: string, meta?: Record<string, unknown>) => logged.push({ level: 'warn', message, meta }),
        error: (message: string, meta?: Record<string, unknown>) => logged.push({ level: 'error', message, meta }),
      },
    };
  };
  const holderIn = async (raw: RawRedis, cache: Cache, key: string) => {
    const value = await raw.get(cache.key(key));
    return value ? (JSON.parse(value) as { kind: string; id: string }) : null;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const manager of managers) await manager.close();
    await redis?.stop();
  });

  it('keeps a change on another instance waiting for a pull that runs many lease lengths, then applies it', async () => {
    const a = await instance();
    const b = await instance();
    const leases = { leaseMs: 500, renewEveryMs: 100 };
    const pulling = new SourceExclusion({ cache: a.cache, ...leases });
    const changing = new SourceExclusion({ cache: b.cache, ...leases });
    const order: string[] = [];
    let pullStarted!: () => void;
    const started = new Promise<void>((resolve) => (pullStarted = resolve));
    const pull = pulling.pull('long', async () => {
      pullStarted();
      // The pull's own length (ten lease lengths), not a wait for readiness.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      order.push('pull done');
      return 'pulled';
    });
    await started;
    const change = changing.change('long', async () => {
      order.push('change applied');
      return 'changed';
    });
    expect(await pull).toBe('pulled');
    expect(await change).toBe('changed');
    expect(order).toEqual(['pull done', 'change applied']);
  });

  it('takes its lease again when Redis lost it; stops before its next write when another writer holds it meanwhile', async () => {
    const a = await instance();
    const { logged, log } = recorder();
    const exclusion = new SourceExclusion({ cache: a.cache, log, leaseMs: 1000, renewEveryMs: 100 });
    const writer = 'contacts-writer:lost';
    const other = JSON.stringify({ kind: 'change', since: '2026-12-01T10:00:00.000Z', id: 'another-instance' });
    const pulling = exclusion.pull('lost', async (assertHeld) => {
      const mine = await holderIn(a.raw, a.cache, writer);
      expect(mine?.kind).toBe('pull');
      // As after a restart of a Redis that keeps nothing on disk.
      await a.raw.del(a.cache.key(writer));
      await a.raw.del(a.cache.key('contacts-pull:lost'));
      await expect.poll(async () => (await holderIn(a.raw, a.cache, writer))?.id, { timeout: 30_000, interval: 50 }).toBe(mine?.id);
      await expect.poll(async () => (await holderIn(a.raw, a.cache, 'contacts-pull:lost'))?.kind, { timeout: 30_000, interval: 50 }).toBe('pull');
      expect(logged.filter((l) => l.message === 'wecom contacts sync lost its lease and took it again').map((l) => l.level)).toContain('warn');
      // Taken again: the work goes on.
      expect(() => assertHeld()).not.toThrow();

      // Lost again, and another instance took it first.
      await a.raw.set(a.cache.key(writer), other, { PX: 60_000 });
      await expect
        .poll(() => logged.find((l) => l.level === 'error' && l.message === 'wecom contacts sync lost its lease to another writer: it stops before its next write')?.meta, {
          timeout: 30_000,
          interval: 50,
        })
        .toMatchObject({ source: 'lost', key: writer, kind: 'pull', other: 'change', otherSince: '2026-12-01T10:00:00.000Z' });
      assertHeld();
      return 'pulled';
    });
    await expect(pulling).rejects.toBeInstanceOf(LeaseLost);
    // Its holder's release does not remove the other writer's lease.
    expect(await a.raw.get(a.cache.key(writer))).toBe(other);
    await a.raw.del(a.cache.key(writer));
  });

  it('gives back a lease whose SET reached Redis after the caller had given up on it', async () => {
    const a = await instance();
    const pauser = await instance();
    const exclusion = new SourceExclusion({ cache: a.cache, leaseMs: 120_000, redisTimeoutMs: 500 });
    const key = a.cache.key('contacts-pull:late');
    // Redis holds every write for 5 s: the SET is answered long after the 500 ms the caller waits.
    await pauser.raw.sendCommand(['CLIENT', 'PAUSE', '5000', 'WRITE']);
    await expect(exclusion.pull('late', async () => 'pulled')).rejects.toBeInstanceOf(LeaseStoreUnavailable);
    // Sent on the same connection after the late SET: answered once that SET ran.
    await a.raw.set(a.cache.key('probe'), '1');
    await expect.poll(() => a.raw.get(key), { timeout: 30_000, interval: 50 }).toBeNull();
    expect(await exclusion.pull('late', async () => 'pulled')).toBe('pulled');
  });
});
