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

/** Reverse proxies in front of NocoBase when WECOM_TRUSTED_PROXY_HOPS is not set: NocoBase's Docker image has one (nginx). */
export const DEFAULT_PROXY_HOPS = 1;

/**
 * WECOM_TRUSTED_PROXY_HOPS: how many reverse proxies that append to X-Forwarded-For stand between the
 * clients and NocoBase (Koa's `proxy` + `maxIpsCount`). `0`: X-Forwarded-For is never read. Undefined for a
 * value that is not a whole number from 0 to 10 (the caller warns and keeps the default).
 */
export function parseProxyHops(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return DEFAULT_PROXY_HOPS;
  return /^\s*(?:10|\d)\s*$/.test(value) ? Number(value) : undefined;
}

/**
 * The address a request comes from, for rate limiting. Starts from the socket's peer and walks
 * X-Forwarded-For from the right, one entry per trusted hop, as long as the address reached so far is on this
 * host or a private network (a reverse proxy, such as the nginx of NocoBase's Docker image): each proxy
 * appends the address it saw, so the entry `hops` from the right is the client, whatever the client itself put
 * in front of it. A public address is never taken for a proxy, so a client that reaches NocoBase directly
 * cannot choose its bucket, and the first entry is never believed just for being there (NocoBase's own
 * `ctx.state.clientIp` takes it). IPv6 clients count per /64 (one subscriber).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, hops = DEFAULT_PROXY_HOPS): string {
  let address = plainAddress(peer ?? '');
  const entries = (forwardedFor ?? '').split(',');
  for (let hop = 0; hop < hops && isLocalOrPrivate(address); hop++) {
    const entry = plainAddress(entries.pop() ?? '');
    if (!isIP(entry)) break; // fewer entries than hops, or one a proxy did not write: the last address stands
    address = entry;
  }
  return isIP(address) === 6 ? `${ipv6Groups(address).slice(0, 4).join(':')}::/64` : address || 'unknown';
}

/** An address as written by a socket or a proxy: trimmed, without brackets or port, IPv4-mapped IPv6 as IPv4. */
function plainAddress(raw: string): string {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1];
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address);
  if (withPort) address = withPort[1];
  const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIP(address) === 6) {
    const groups = ipv6Groups(address);
    if (groups.slice(0, 5).every((group) => group === '0') && groups[5] === 'ffff') {
      const [high, low] = [parseInt(groups[6], 16), parseInt(groups[7], 16)];
      return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
    }
  }
  return address;
}

/** Loopback, private (RFC 1918), shared (CGNAT, 100.64.0.0/10) or link-local; IPv6 loopback, ULA, link-local. */
function isLocalOrPrivate(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  if (isIP(address) === 6) {
    const groups = ipv6Groups(address);
    const first = parseInt(groups[0], 16);
    const loopback = groups.slice(0, 7).every((group) => group === '0') && groups[7] === '1';
    return loopback || (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
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
