// The start URL's rate limit: a token bucket per client, with a bounded number of clients.
import { describe, expect, it } from 'vitest';
import { clientAddress, parseProxyHops, RateLimiter } from '../../src/server/auth/rate-limit';

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
    ['behind a proxy on a shared (CGNAT) address, 100.64.0.0/10', '100.64.12.7', '203.0.113.9', '203.0.113.9'],
    ['behind a proxy on the last shared (CGNAT) address', '100.127.255.254', '203.0.113.9', '203.0.113.9'],
    ['a direct client just outside 100.64.0.0/10', '100.128.0.1', '203.0.113.9', '100.128.0.1'],
    ['behind a proxy on an IPv6 unique local address', 'fd12:3456::1', '203.0.113.9', '203.0.113.9'],
    ['behind a proxy on an IPv6 link-local address', 'fe80::1%eth0', '203.0.113.9', '203.0.113.9'],
    ['behind a proxy on an IPv4-mapped private address in hexadecimal', '::ffff:a00:1', '203.0.113.9', '203.0.113.9'],
    ['behind a proxy that wrote an IPv4-mapped client address', '127.0.0.1', '::ffff:cb00:7109', '203.0.113.9'],
    ['behind a proxy that wrote the client with its port', '10.0.0.2', '203.0.113.9:51234', '203.0.113.9'],
    ['behind a proxy that wrote a bracketed IPv6 client with its port', '10.0.0.2', '[2001:db8:1:2::9]:443', '2001:db8:1:2::/64'],
  ])('for %s is %s', (_, peer, forwarded, expected) => {
    expect(clientAddress(peer, forwarded)).toBe(expected);
  });

  it('keeps one bucket for a client behind one proxy that rotates the X-Forwarded-For it sends (1 hop, the default)', () => {
    const limiter = new RateLimiter(30);
    limiter.now = () => 0;
    const seen = new Set<string>();
    for (let i = 0; i < 31; i++) {
      // The client writes any list; the proxy (10.0.0.2) appends the address it saw: 203.0.113.9.
      const address = clientAddress('10.0.0.2', `198.51.100.${i}, 192.0.2.${i}, 203.0.113.9`);
      seen.add(address);
      expect(limiter.take(address)).toBe(i < 30 ? 0 : 2000);
    }
    expect([...seen]).toEqual(['203.0.113.9']);
  });

  it('gives each client its own bucket behind two proxies with 2 hops, not the outer proxy\'s', () => {
    const limiter = new RateLimiter(30);
    limiter.now = () => 0;
    // Outer proxy 172.18.0.5 (the host's nginx), inner proxy 127.0.0.1 (the Docker image's nginx).
    const alice = clientAddress('127.0.0.1', '203.0.113.9, 172.18.0.5', 2);
    const bob = clientAddress('127.0.0.1', '198.51.100.4, 172.18.0.5', 2);
    expect([alice, bob]).toEqual(['203.0.113.9', '198.51.100.4']);
    for (let i = 0; i < 30; i++) expect(limiter.take(alice)).toBe(0);
    expect(limiter.take(alice)).toBe(2000);
    expect(limiter.take(bob)).toBe(0);
    // With the default of 1 hop, both would be the outer proxy.
    expect(clientAddress('127.0.0.1', '203.0.113.9, 172.18.0.5')).toBe('172.18.0.5');
  });

  it.each([
    ['a client rotating its own entries behind two proxies', '127.0.0.1', '6.6.6.6, 7.7.7.7, 203.0.113.9, 172.18.0.5', 2, '203.0.113.9'],
    ['an outer proxy on a shared (CGNAT) address, such as a cloud load balancer', '127.0.0.1', '203.0.113.9, 100.100.1.2', 2, '203.0.113.9'],
    ['a client that bypasses the outer proxy: its public address stops the walk', '127.0.0.1', '6.6.6.6, 203.0.113.9', 2, '203.0.113.9'],
    ['a direct public client with 2 hops: X-Forwarded-For ignored', '203.0.113.9', '6.6.6.6, 10.0.0.1', 2, '203.0.113.9'],
    ['fewer entries than hops: the leftmost is the one the proxy wrote', '127.0.0.1', '10.1.1.1', 3, '10.1.1.1'],
    ['0 hops: the socket, X-Forwarded-For never read', '127.0.0.1', '203.0.113.9', 0, '127.0.0.1'],
    ['a garbage entry stops the walk at the proxy that wrote it', '127.0.0.1', '203.0.113.9, junk, 10.0.0.5', 3, '10.0.0.5'],
  ])('for %s is %s', (_, peer, forwarded, hops, expected) => {
    expect(clientAddress(peer, forwarded, hops)).toBe(expected);
  });
});

describe('parseProxyHops (WECOM_TRUSTED_PROXY_HOPS)', () => {
  it.each([
    [undefined, 1],
    ['', 1],
    ['0', 0],
    ['2', 2],
    [' 3 ', 3],
    ['10', 10],
    ['11', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['two', undefined],
  ])('reads %j as %j', (value, expected) => {
    expect(parseProxyHops(value)).toBe(expected);
  });
});
