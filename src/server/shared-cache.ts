// NocoBase's cache as the plugin needs it: shared by the instances of a cluster (Redis), failing fast and
// clearly when the store cannot be reached, and able to read-and-remove a key in one step.
import { Cache } from '@nocobase/cache';
import { LoginError, reasons } from './errors';

/** The part of a node-redis client that NocoBase's Redis store exposes as `store.client`. */
export interface RedisClientLike {
  isReady: boolean;
  getDel?(key: string): Promise<string | null>;
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
  /** Keys being taken in this process, for stores without an atomic read-and-remove (memory). */
  private readonly taking = new Set<string>();

  constructor(
    private readonly cache: Cache,
    private readonly timeoutMs = 2000,
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

  /** Reads and removes `key` at once: on Redis with GETDEL, so that two instances can never both have it. */
  async take<T>(key: string): Promise<T | undefined> {
    const client = redisClientOf(this.cache.store);
    if (client?.getDel) {
      const getDel = client.getDel.bind(client);
      const raw = await this.run(() => getDel(this.cache.key(key)));
      return raw ? (JSON.parse(raw) as T) : undefined;
    }
    // The memory store lives in this process only: whoever started taking a key first gets it. (Not a
    // lock per key: NocoBase's local lock manager keeps every key's mutex for ever.)
    if (this.taking.has(key)) return undefined;
    this.taking.add(key);
    try {
      const value = await this.get<T>(key);
      if (value !== undefined && value !== null) await this.del(key);
      return value ?? undefined;
    } finally {
      this.taking.delete(key);
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
