// The robot's turns (src/server/robot/limiter.ts) over NocoBase's memory cache: at most `limit` sends per window,
// in the order they came within a process.
import { CacheManager } from '@nocobase/cache';
import { describe, expect, it } from 'vitest';
import { SharedCache } from '../../src/server/common/shared-cache';
import { RobotLimiter } from '../../src/server/robot/limiter';

async function limiter(limit: number, windowMs: number) {
  const manager = new CacheManager();
  const cache = await manager.createCache({ name: `robot-${Math.random()}`, store: 'memory' });
  return new RobotLimiter(new SharedCache(cache), () => ({ limit, windowMs }));
}

describe('RobotLimiter', () => {
  it('gives `limit` slots at once, then none until one frees', async () => {
    const robot = await limiter(2, 60_000);
    expect(await robot.slot('r', 0)).toMatchObject({ waitedMs: 0 });
    expect(await robot.slot('r', 0)).toMatchObject({ waitedMs: 0 });
    expect(await robot.slot('r', 0)).toBeUndefined();
    // Another robot has slots of its own.
    expect(await robot.slot('other', 0)).toBeDefined();
  });

  it('lets a send beyond the limit wait for the window, and says how long', async () => {
    const robot = await limiter(1, 300);
    await robot.slot('r');
    const started = Date.now();
    const second = await robot.slot('r');
    expect(second!.waitedMs).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('runs the sends to one robot one after another, in the order they came, a failure not stopping the next', async () => {
    const robot = await limiter(10, 1000);
    const order: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = robot.inLine('r', async () => {
      await held;
      order.push(1);
      throw new Error('refused');
    });
    const second = robot.inLine('r', async () => order.push(2));
    const third = robot.inLine('r', async () => order.push(3));
    release();
    await expect(first).rejects.toThrow('refused');
    await Promise.all([second, third]);
    expect(order).toEqual([1, 2, 3]);
  });
});
