// WeCom lets a robot send 20 messages a minute (wecom-facts-3 §4; 45009 beyond). Every instance of a cluster
// takes its turn through the shared cache: a robot has `limit` slots, each a key claimed with set-if-absent
// that lives for the window after the send it allowed. At any moment at most `limit` sends of the last window
// hold a slot, so no window holds more, whichever instance sent them. Inside one process the sends to a robot
// go one after another, in the order they came.
import { createHash } from 'node:crypto';
import type { SharedCache } from '../common/shared-cache';

export interface RobotRate {
  /** Messages per window (WeCom: 20). */
  limit: number;
  /** The window (WeCom: a minute). */
  windowMs: number;
}

/** WECOM_ROBOT_RATE_LIMIT per WECOM_ROBOT_RATE_WINDOW_MS (20 a minute): tests and the bench use a shorter window. */
export function robotRate(): RobotRate {
  const limit = Number(process.env.WECOM_ROBOT_RATE_LIMIT);
  const windowMs = Number(process.env.WECOM_ROBOT_RATE_WINDOW_MS);
  return {
    limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
    windowMs: Number.isFinite(windowMs) && windowMs >= 100 ? windowMs : 60_000,
  };
}

/** A robot's name in the cache and the log: never its key. */
export const robotId = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** A claimed slot: `release` keeps it for a window after the call to WeCom answered (WeCom counts on arrival). */
export interface Slot {
  waitedMs: number;
  keep(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RobotLimiter {
  /** The tail of each robot's line in this process. */
  private lines = new Map<string, Promise<unknown>>();

  constructor(
    private readonly cache: SharedCache,
    private readonly rate: () => RobotRate = robotRate,
  ) {}

  /** Runs `fn` after the sends to `robot` that came before it in this process (their failures do not stop it). */
  inLine<T>(robot: string, fn: () => Promise<T>): Promise<T> {
    const before = this.lines.get(robot) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.lines.set(robot, tail);
    void tail.then(() => {
      if (this.lines.get(robot) === tail) this.lines.delete(robot);
    });
    return run;
  }

  /**
   * A slot of `robot`'s window, waiting for one to free up (across the cluster); undefined when none frees
   * within `maxWaitMs`.
   */
  async slot(robot: string, maxWaitMs = Infinity): Promise<Slot | undefined> {
    const started = Date.now();
    for (;;) {
      const { limit, windowMs } = this.rate();
      const claimedAt = Date.now();
      for (let i = 0; i < limit; i++) {
        const key = `robot:${robot}:${i}`;
        if (await this.cache.claim(key, windowMs, claimedAt + windowMs)) {
          return {
            waitedMs: claimedAt - started,
            keep: () => this.cache.set(key, Date.now() + windowMs, windowMs),
          };
        }
      }
      // Every slot is held: sleep until the first one frees, as its holder wrote it down.
      const freeAt = await this.firstFree(robot, limit, windowMs);
      const wait = Math.min(windowMs, Math.max(20, freeAt - Date.now())) + Math.floor(Math.random() * 30);
      if (Date.now() + wait - started > maxWaitMs) return undefined;
      await sleep(wait);
    }
  }

  /** When the first slot of `robot` frees (ms since the epoch); a window from now when none can be read. */
  async firstFree(robot: string, limit = this.rate().limit, windowMs = this.rate().windowMs): Promise<number> {
    let first = Date.now() + windowMs;
    for (let i = 0; i < limit; i++) {
      const value = Number(await this.cache.get<number>(`robot:${robot}:${i}`));
      if (!Number.isFinite(value) || value <= 0) return Date.now();
      first = Math.min(first, value);
    }
    return first;
  }
}
