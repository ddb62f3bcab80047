// The start URL's rate limit: a token bucket per client, with a bounded number of clients.
import { describe, expect, it } from 'vitest';
import { clientAddress, RateLimiter } from '../../src/server/rate-limit';

describe('RateLimiter', () => {
  it('lets a client start 30 logins at once, then makes it wait 2 s for each next one (30 per minute)', () => {
    const limiter = new RateLimiter(30);
    let now = 1_000_000;
    limiter.now = () => now;
    for (let i = 0; i < 30; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(2000);
    expect(limiter.take('b')).toBe(0); // another client has its own bucket
    now += 2000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(2000);
  });

  it('remembers at most maxClients clients, forgetting the least recently seen', () => {
    const limiter = new RateLimiter(1, 100);
    limiter.now = () => 0;
    expect(limiter.take('kept')).toBe(0);
    for (let i = 0; i < 1000; i++) {
      limiter.take(`client${i}`);
      if (i % 50 === 0) expect(limiter.take('kept')).toBeGreaterThan(0); // seen recently: still limited
    }
    expect(limiter.size).toBe(100);
    expect(limiter.take('kept')).toBeGreaterThan(0);
    expect(limiter.take('client0')).toBe(0); // forgotten: a full bucket again
  });

  it('does not limit when the limit is 0', () => {
    const limiter = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a')).toBe(0);
    expect(limiter.size).toBe(0);
  });
});

describe('clientAddress', () => {
  it.each([
    ['a direct client, X-Forwarded-For ignored', '203.0.113.9', '198.51.100.1', '203.0.113.9'],
    ['a direct client without X-Forwarded-For', '::ffff:203.0.113.9', undefined, '203.0.113.9'],
    ['behind a proxy on this host: the address the proxy appended', '127.0.0.1', '198.51.100.1, 203.0.113.9', '203.0.113.9'],
    ['behind a proxy on a private network', '::ffff:10.1.2.3', '203.0.113.9', '203.0.113.9'],
    ['behind a proxy that appended garbage', '127.0.0.1', 'not-an-ip', '127.0.0.1'],
    ['an IPv6 client, counted per /64', '2001:db8:1:2:3:4:5:6', undefined, '2001:db8:1:2::/64'],
    ['an IPv6 client with :: behind a proxy', '::1', '2001:db8::7', '2001:db8:0:0::/64'],
  ])('for %s is %s', (_, peer, forwarded, expected) => {
    expect(clientAddress(peer, forwarded)).toBe(expected);
  });
});
