// A login state is accepted once even when two callbacks with it arrive at the same moment.
import { CacheManager } from '@nocobase/cache';
import { describe, expect, it } from 'vitest';
import { SharedCache } from '../../src/server/common/shared-cache';

describe('SharedCache on the memory store', () => {
  it('gives a key to exactly one of two concurrent claims, and to no later one', async () => {
    const cache = await new CacheManager().createCache({ name: 'claim-test', store: 'memory' });
    const shared = new SharedCache(cache);
    for (let i = 0; i < 20; i++) {
      const results = await Promise.all([shared.claim(`k${i}`, 60_000), shared.claim(`k${i}`, 60_000)]);
      expect(results.sort()).toEqual([false, true]);
      expect(await shared.claim(`k${i}`, 60_000)).toBe(false);
    }
  });
});
