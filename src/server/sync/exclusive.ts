// One writer per sync source at a time, on one instance or across a cluster. NocoBase 2.2's open-source lock
// manager has only an in-process adapter, so the lease lives in NocoBase's cache: Redis when the cluster
// uses it (SET NX PX, renewed while the work runs, released only by its holder), this process otherwise.
// - A pull claims the source's pull lease and fails at once when another pull holds it (on any instance):
//   reading the whole address book twice in a row is what the second pull would do.
// - A pull and each callback's change then take the writer lease in turn: a change waits for a running pull
//   as long as it runs (it is one change WeCom sends once and must not be lost; a pull of a large corp can
//   take over an hour). No deadline: a holder that dies stops renewing and loses the lease after LEASE_MS.
// - A writer whose lease expired anyway (renewals failed) takes it again if it is free; if another writer has
//   it, the work stops before its next write (LeaseLost) rather than write alongside it.
import type { Cache } from '@nocobase/cache';
import { randomBytes } from 'node:crypto';
import { redisClientOf } from '../common/shared-cache';

/** A holder that stops renewing (its process died) loses the lease after this long. */
const LEASE_MS = 2 * 60_000;
const RENEW_EVERY_MS = 20_000;
const POLL_MIN_MS = 50;
const POLL_MAX_MS = 1000;
const REDIS_TIMEOUT_MS = 5000;

/** Another pull of the source is running; `startedAt` is when it started (ISO 8601). */
export class PullAlreadyRunning extends Error {
  constructor(readonly startedAt: string) {
    super(`A pull of this source is already running (started at ${startedAt}).`);
    this.name = 'PullAlreadyRunning';
  }
}

/**
 * The lease expired under a running pull (its renewals failed, e.g. Redis restarted) and another writer took it:
 * the pull stops at its next write instead of writing alongside. What it wrote stands; the next pull resumes.
 */
export class LeaseLost extends Error {
  constructor() {
    super('Another writer took this source over while the pull ran.');
    this.name = 'LeaseLost';
  }
}

/** Throws LeaseLost once the caller's lease went to another writer: called by the work before each write. */
export type AssertHeld = () => void;

/** The shared cache (Redis) does not answer: no lease can be taken. */
export class LeaseStoreUnavailable extends Error {
  constructor() {
    super('The shared cache (Redis) cannot be reached.');
    this.name = 'LeaseStoreUnavailable';
  }
}

interface Holder {
  kind: 'pull' | 'change';
  /** ISO 8601 */
  since: string;
  id: string;
}

/** Where leases live: take (if free), renew and release (only by their holder). */
interface LeaseStore {
  /** undefined when `holder` now holds `key`; else the current holder. */
  take(key: string, holder: Holder): Promise<Holder | undefined>;
  renew(key: string, holder: Holder): Promise<boolean>;
  release(key: string, holder: Holder): Promise<void>;
}

/** The part of node-redis v4 (NocoBase's cache client) used here. */
interface RedisLike {
  isReady?: boolean;
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  get(key: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

function parse(value: string | null | undefined): Holder | undefined {
  if (!value) return undefined;
  try {
    const holder = JSON.parse(value) as Holder;
    return typeof holder?.since === 'string' ? holder : undefined;
  } catch (error) {
    return undefined; // not ours: treated as free once it expires
  }
}

class RedisLeases implements LeaseStore {
  constructor(
    private readonly client: RedisLike,
    private readonly cache: Cache,
    private readonly leaseMs: number,
    private readonly timeoutMs: number,
  ) {}

  async take(key: string, holder: Holder): Promise<Holder | undefined> {
    const full = this.cache.key(key);
    for (;;) {
      if ((await this.set(full, holder)) === 'OK') return undefined;
      const current = parse(await this.run(() => this.client.get(full)));
      if (current) return current;
      // Released between the two calls (or unreadable): try again.
      await sleep(POLL_MIN_MS);
    }
  }

  async renew(key: string, holder: Holder): Promise<boolean> {
    return Number(await this.run(() => this.client.eval(RENEW, { keys: [this.cache.key(key)], arguments: [JSON.stringify(holder), String(this.leaseMs)] }))) === 1;
  }

  async release(key: string, holder: Holder): Promise<void> {
    await this.run(() => this.client.eval(RELEASE, { keys: [this.cache.key(key)], arguments: [JSON.stringify(holder)] }));
  }

  /** SET NX PX. A reply later than the timeout may still be 'OK': the lease is then given back once it lands. */
  private async set(full: string, holder: Holder): Promise<string | null> {
    let setting: Promise<string | null> | undefined;
    try {
      return await this.run(() => (setting = this.client.set(full, JSON.stringify(holder), { NX: true, PX: this.leaseMs })));
    } catch (error) {
      setting
        ?.then((reply) => (reply === 'OK' ? this.client.eval(RELEASE, { keys: [full], arguments: [JSON.stringify(holder)] }) : undefined))
        .catch(() => undefined);
      throw error;
    }
  }

  /** node-redis queues commands while disconnected, without end: fail instead, as the sign-in does. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.client.isReady === false) throw new LeaseStoreUnavailable();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LeaseStoreUnavailable()), this.timeoutMs);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The app's memory cache lives in this process only: so do its leases. */
class LocalLeases implements LeaseStore {
  private readonly leases = new Map<string, { holder: Holder; until: number }>();

  constructor(private readonly leaseMs: number) {}

  async take(key: string, holder: Holder): Promise<Holder | undefined> {
    const current = this.leases.get(key);
    if (current && current.until > Date.now()) return current.holder;
    this.leases.set(key, { holder, until: Date.now() + this.leaseMs });
    return undefined;
  }

  async renew(key: string, holder: Holder): Promise<boolean> {
    const current = this.leases.get(key);
    if (current?.holder.id !== holder.id) return false;
    current.until = Date.now() + this.leaseMs;
    return true;
  }

  async release(key: string, holder: Holder): Promise<void> {
    if (this.leases.get(key)?.holder.id === holder.id) this.leases.delete(key);
  }
}

/** Runs `fn` after the calls for `key` that came before it (in this process). */
async function inTurn<T>(queues: Map<string, Promise<void>>, key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  try {
    await previous;
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ExclusiveOptions {
  /** NocoBase's cache shared by the instances (the plugin's, one per app). */
  cache: Cache;
  log?: { warn(message: string, meta?: Record<string, unknown>): void; error(message: string, meta?: Record<string, unknown>): void };
  /** The lease's length and how often its holder renews it (WECOM_CONTACTS_LEASE_MS); tests: how long a Redis call may take. */
  leaseMs?: number;
  renewEveryMs?: number;
  redisTimeoutMs?: number;
}

/** Source-level exclusion for the pull and the callback (see the file's head). */
export class SourceExclusion {
  private readonly store: LeaseStore;
  /** Writers of each source on this instance, in the order they came: only the first of them polls the lease. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly options: ExclusiveOptions) {
    const client = redisClientOf(options.cache.store) as unknown as Partial<RedisLike> | undefined;
    this.store =
      client && typeof client.set === 'function' && typeof client.eval === 'function' && typeof client.get === 'function'
        ? new RedisLeases(client as RedisLike, options.cache, options.leaseMs ?? LEASE_MS, options.redisTimeoutMs ?? REDIS_TIMEOUT_MS)
        : new LocalLeases(options.leaseMs ?? LEASE_MS);
  }

  /**
   * Runs a pull, or throws PullAlreadyRunning at once when one of this source runs anywhere. `fn` calls
   * `assertHeld` before each write: it throws LeaseLost once another writer took the source over.
   */
  async pull<T>(source: string, fn: (assertHeld: AssertHeld) => Promise<T>): Promise<T> {
    const holder = this.holder('pull');
    const key = `contacts-pull:${source}`;
    const current = await this.store.take(key, holder);
    if (current) throw new PullAlreadyRunning(current.since);
    const lease = this.keepAlive(key, holder, source);
    try {
      return await this.write(source, 'pull', (writerHeld) =>
        fn(() => {
          writerHeld();
          if (lease.lost()) throw new LeaseLost();
        }),
      );
    } finally {
      lease.stop();
      await this.release(key, holder, source);
    }
  }

  /** Runs one change after the writers ahead of it (a pull included). */
  change<T>(source: string, fn: (assertHeld: AssertHeld) => Promise<T>): Promise<T> {
    return this.write(source, 'change', fn);
  }

  private write<T>(source: string, kind: Holder['kind'], fn: (assertHeld: AssertHeld) => Promise<T>): Promise<T> {
    const key = `contacts-writer:${source}`;
    return inTurn(this.queues, key, async () => {
      const holder = this.holder(kind);
      let wait = POLL_MIN_MS;
      for (;;) {
        const current = await this.store.take(key, holder);
        if (!current) break;
        await sleep(wait + Math.floor(Math.random() * POLL_MIN_MS));
        wait = Math.min(wait * 2, POLL_MAX_MS);
      }
      const lease = this.keepAlive(key, holder, source);
      try {
        return await fn(() => {
          if (lease.lost()) throw new LeaseLost();
        });
      } finally {
        lease.stop();
        await this.release(key, holder, source);
      }
    });
  }

  /** A lease that cannot be released expires by itself: the work it guarded is done either way. */
  private async release(key: string, holder: Holder, source: string): Promise<void> {
    try {
      await this.store.release(key, holder);
    } catch (error) {
      this.options.log?.warn('wecom contacts sync could not release its lease; it expires by itself', { source, key, message: (error as Error).message });
    }
  }

  private holder(kind: Holder['kind']): Holder {
    return { kind, since: new Date().toISOString(), id: randomBytes(8).toString('hex') };
  }

  /** Renews the lease while the work runs; `lost()` turns true for good once another writer took it. */
  private keepAlive(key: string, holder: Holder, source: string): { stop: () => void; lost: () => boolean } {
    let stopped = false;
    let lost = false;
    /** A renewal (and retake) still under way: the next tick waits for it, or two would race to retake. */
    let renewing = false;
    const timer = setInterval(() => {
      if (renewing || lost) return;
      renewing = true;
      this.store
        .renew(key, holder)
        .then(
          async (held) => {
            if (!held && !stopped) lost = await this.retake(key, holder, source, () => stopped);
          },
          (error: Error) => this.options.log?.warn('wecom contacts sync could not renew its lease', { source, key, message: error.message }),
        )
        .finally(() => (renewing = false));
    }, this.options.renewEveryMs ?? RENEW_EVERY_MS);
    timer.unref?.();
    return {
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
      lost: () => lost,
    };
  }

  /**
   * The lease expired under its holder (e.g. Redis restarted without its data): take it again if it is free.
   * True when another writer holds it now.
   */
  private async retake(key: string, holder: Holder, source: string, stopped: () => boolean): Promise<boolean> {
    try {
      const found = await this.store.take(key, holder);
      // Its own holder (a SET that landed after its timeout): held.
      const other = found?.id === holder.id ? undefined : found;
      // The work ended (and released) while this was under way: give back what was just taken.
      if (!other && stopped()) await this.release(key, holder, source);
      else if (!other) this.options.log?.warn('wecom contacts sync lost its lease and took it again', { source, key, kind: holder.kind });
      else {
        this.options.log?.error('wecom contacts sync lost its lease to another writer: it stops before its next write', {
          source,
          key,
          kind: holder.kind,
          since: holder.since,
          other: other.kind,
          otherSince: other.since,
        });
        return true;
      }
    } catch (error) {
      this.options.log?.warn('wecom contacts sync lost its lease and could not take it again', { source, key, message: (error as Error).message });
    }
    return false;
  }
}

const exclusions = new WeakMap<Cache, SourceExclusion>();

/** WECOM_CONTACTS_LEASE_MS: the lease's length (LEASE_MS by default), renewed every sixth of it. */
function leaseFromEnv(): Pick<ExclusiveOptions, 'leaseMs' | 'renewEveryMs'> {
  const leaseMs = Number(process.env.WECOM_CONTACTS_LEASE_MS);
  // Not shorter than a renewal may take (REDIS_TIMEOUT_MS) and then some.
  return Number.isFinite(leaseMs) && leaseMs > 0 ? { leaseMs: Math.max(leaseMs, 6000), renewEveryMs: Math.floor(Math.max(leaseMs, 6000) / 6) } : {};
}

/** The exclusion of the app whose plugin cache this is. */
export function sourceExclusion(options: ExclusiveOptions): SourceExclusion {
  let exclusion = exclusions.get(options.cache);
  if (!exclusion) {
    exclusion = new SourceExclusion({ ...leaseFromEnv(), ...options });
    exclusions.set(options.cache, exclusion);
  }
  return exclusion;
}

/** When the running pull started, as the task message shows it: `2026-12-01 16:30:05 UTC`. */
export function startedAtText(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}
