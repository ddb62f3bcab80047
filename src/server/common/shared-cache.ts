// NocoBase's cache as the plugin needs it: shared by the instances of a cluster (Redis), failing fast and
// clearly when the store cannot be reached, and able to write a key only if it is absent, in one step.
import { Cache } from '@nocobase/cache';
import { LoginError, reasons } from './errors';

/** The part of a node-redis client that NocoBase's Redis store exposes as `store.client`. */
export interface RedisClientLike {
  isReady: boolean;
  set?(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount(event: string): number;
}

/** The Redis client behind a NocoBase cache or cache-manager store, when there is one. */
export function redisClientOf(store: unknown): RedisClientLike | undefined {
  const candidates = [store, (store as { store?: unknown } | undefined)?.store];
  for (const candidate of candidates) {
    const client = (candidate as { client?: RedisClientLike } | undefined)?.client;
    if (client && typeof client.on === 'function') return client;
  }
  return undefined;
}

export class SharedCache {
  /** Keys being claimed in this process, for stores without an atomic set-if-absent (memory). */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly cache: Cache,
    /** A bound, not a latency target: on a busy instance a Redis reply can wait seconds for the event loop. */
    private readonly timeoutMs = 5000,
  ) {}

  get<T>(key: string): Promise<T | undefined | null> {
    return this.run(() => this.cache.get<T>(key));
  }

  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    return this.run(() => this.cache.set(key, value, ttlMs));
  }

  del(key: string): Promise<void> {
    return this.run(() => this.cache.del(key));
  }

  /**
   * Writes `key` unless it exists, and tells whether this call wrote it: on Redis with SET NX, so that of
   * several instances exactly one gets it. `value` is what `get` then reads (JSON, as NocoBase's stores keep it).
   */
  async claim(key: string, ttlMs: number, value: unknown = 1): Promise<boolean> {
    const client = redisClientOf(this.cache.store);
    if (client?.set) {
      const set = client.set.bind(client);
      const ttl = Math.max(1, Math.ceil(ttlMs));
      return (await this.run(() => set(this.cache.key(key), JSON.stringify(value), { NX: true, PX: ttl }))) === 'OK';
    }
    // The memory store lives in this process only: whoever started claiming a key first gets it. (Not a
    // lock per key: NocoBase's local lock manager keeps every key's mutex for ever.)
    if (this.claiming.has(key)) return false;
    this.claiming.add(key);
    try {
      const held = await this.get(key);
      if (held !== undefined && held !== null) return false;
      await this.set(key, value, ttlMs);
      return true;
    } finally {
      this.claiming.delete(key);
    }
  }

  /**
   * While Redis is unreachable node-redis queues commands without end; a sign-in must instead be told
   * at once that it cannot proceed.
   */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    const client = redisClientOf(this.cache.store);
    if (client && !client.isReady) throw new LoginError(reasons.storeUnavailable());
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LoginError(reasons.storeUnavailable())), this.timeoutMs);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
