// The login state is single use even when two callbacks with it arrive at the same moment.
import { CacheManager } from '@nocobase/cache';
import { describe, expect, it } from 'vitest';
import { SharedCache } from '../../src/server/shared-cache';

describe('SharedCache on the memory store', () => {
  it('gives a key to exactly one of two concurrent takes', async () => {
    const cache = await new CacheManager().createCache({ name: 'take-test', store: 'memory' });
    const shared = new SharedCache(cache);
    for (let i = 0; i < 20; i++) {
      await shared.set(`k${i}`, { n: i }, 60_000);
      const results = await Promise.all([shared.take(`k${i}`), shared.take(`k${i}`)]);
      expect(results.filter(Boolean)).toEqual([{ n: i }]);
      expect(await shared.get(`k${i}`)).toBeUndefined();
    }
  });
});
