// A token bucket per client, in this process's memory, with a bounded number of clients: a flood from
// many addresses forgets the least recently seen ones (they start again with a full bucket) instead of
// growing without end.
import { isIP } from 'node:net';

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** The clock: injectable so that a test does not depend on how fast the machine is. */
  now: () => number = Date.now;

  constructor(
    /** Requests per minute per client; also the burst a client may start with. 0 turns the limit off. */
    readonly perMinute: number,
    readonly maxClients = 10_000,
  ) {}

  /** Counts one request of `client`: 0 when it may go ahead, else the milliseconds until it may. */
  take(client: string): number {
    if (this.perMinute <= 0) return 0;
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    let bucket = this.buckets.get(client);
    if (bucket) {
      this.buckets.delete(client); // re-inserted below: the Map's order is the order of last use
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
      bucket.at = now;
    } else {
      bucket = { tokens: this.perMinute, at: now };
      while (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perMs);
  }

  /** Clients remembered now (at most `maxClients`). */
  get size(): number {
    return this.buckets.size;
  }
}

/**
 * The address a request comes from, for rate limiting. The socket's peer, unless that peer is on this
 * host or a private network (a reverse proxy such as the nginx of NocoBase's Docker image): then the
 * address that proxy appended to X-Forwarded-For, which the client cannot choose. IPv6 clients count per
 * /64 (one subscriber).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
  let address = plainAddress(peer ?? '');
  if (forwardedFor && isLocalOrPrivate(address)) {
    const last = plainAddress(forwardedFor.split(',').pop()?.trim() ?? '');
    if (isIP(last)) address = last;
  }
  return isIP(address) === 6 ? `${ipv6Groups(address).slice(0, 4).join(':')}::/64` : address || 'unknown';
}

function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

function isLocalOrPrivate(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number);
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (isIP(address) === 6) {
    const first = parseInt(ipv6Groups(address)[0], 16);
    return address === '::1' || (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  return false;
}

/** The eight groups of an IPv6 address, `::` expanded. */
function ipv6Groups(address: string): string[] {
  const [head, tail] = address.toLowerCase().split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  return [...left, ...Array(Math.max(0, missing)).fill('0'), ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}
