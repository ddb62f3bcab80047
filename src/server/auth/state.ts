// The login state (RFC 9700 §2.1): WeCom offers no PKCE and no nonce, so `state` is the only thing that
// ties a callback to the browser and the authenticator that started the login. Two verbs: create, use.
//
// A started login lives in the browser that started it, in one sealed HttpOnly cookie holding its few
// pending logins (two tabs), so no number of other starts can push it out and the server keeps nothing
// per start. The server writes one record per state only when the state is USED, so that a state is
// accepted once across the cluster.
import { getAuthCookieOptions } from '@nocobase/utils';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LoginError, reasons } from '../common/errors';
import { Sealer } from './seal';

export interface LoginState {
  authenticator: string;
  /** Where the person lands after sign-in: a same-origin path checked when the login started; none: the default. */
  redirect?: string;
  /** Started in the WeCom client (in-client OAuth page) rather than on the web / QR page. */
  inClient: boolean;
  /** Started without a consent screen (snsapi_base): automatic login, workbench link. */
  silent: boolean;
}

/** One pending login in the cookie, in short keys: the cookie must stay under 4 KB. */
interface Pending {
  /** the state */
  s: string;
  /** authenticator name */
  a: string;
  /** return path, when not the default */
  r?: string;
  /** in the WeCom client */
  c?: 1;
  /** silent */
  q?: 1;
  /** expires at (ms) */
  x: number;
}

/** Where a state, once used, is remembered until it would have expired anyway. */
export interface UsedStates {
  /** True for the first caller only, across the cluster. */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** What the store needs of a request: its cookies and how it came in (for the cookie's Secure flag). */
export interface CookieContext {
  cookies: {
    get(name: string): string | undefined;
    set(name: string, value?: string | null, options?: Record<string, unknown>): unknown;
  };
  protocol?: string;
  headers?: Record<string, string | string[] | undefined>;
}

export const STATE_TTL_MS = 10 * 60_000;
/** Logins one browser may have started and not finished at once (tabs, retries); the oldest goes first. */
export const MAX_PENDING = 5;
/** Return paths longer than this are not kept: the person lands on the default page. */
const MAX_REDIRECT_IN_COOKIE = 1024;
/** Browsers keep cookies of at most 4096 bytes, name and attributes included. */
const MAX_COOKIE_VALUE = 3600;
/** Instances' clocks may differ: a used state is remembered a little longer than it lives. */
const CLOCK_SKEW_MS = 60_000;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** WeCom passes `state` through only when it is [a-zA-Z0-9]{0,128}; 32 of 62 symbols is 190 bits. */
const STATE_LENGTH = 32;
export const STATE_PATTERN = /^[A-Za-z0-9]{32}$/;

/** A random string over [A-Za-z0-9], without modulo bias. */
export function randomToken(length = STATE_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export class StateStore {
  /** The clock: injectable so that a test can see a state expire without waiting 10 minutes. */
  now: () => number = Date.now;

  constructor(
    private readonly options: {
      /** The cookie holding this app's pending logins. */
      cookieName: string;
      /** Seals the cookie; called when first needed (NocoBase's JWT secret is read then). */
      sealer: () => Sealer;
      used: UsedStates;
    },
  ) {}

  get cookieName(): string {
    return this.options.cookieName;
  }

  /** A new state for `login`, added to the browser's pending logins. */
  async create(ctx: CookieContext, login: LoginState): Promise<string> {
    const state = randomToken();
    const now = this.now();
    const entry: Pending = { s: state, a: login.authenticator, x: now + STATE_TTL_MS };
    if (login.redirect && login.redirect.length <= MAX_REDIRECT_IN_COOKIE) entry.r = login.redirect;
    if (login.inClient) entry.c = 1;
    if (login.silent) entry.q = 1;
    this.write(ctx, [...this.read(ctx, now), entry], now);
    return state;
  }

  /** Consumes `key`: whatever the outcome, it cannot be presented again. */
  async use(key: unknown, ctx: CookieContext, authenticator: string): Promise<LoginState> {
    if (typeof key !== 'string' || !STATE_PATTERN.test(key)) throw new LoginError(reasons.stateInvalid());
    const now = this.now();
    const pending = this.read(ctx, now);
    const entry = pending.find((candidate) => sameState(candidate.s, key));
    if (!entry) throw new LoginError(reasons.stateInvalid());
    // Remembered by the store before anything else is checked; the browser forgets it too.
    const claimed = await this.options.used.claim(`used:${digest(key)}`, entry.x - now + CLOCK_SKEW_MS);
    this.write(
      ctx,
      pending.filter((candidate) => candidate !== entry),
      now,
    );
    if (!claimed || entry.a !== authenticator) throw new LoginError(reasons.stateInvalid());
    return { authenticator: entry.a, redirect: entry.r, inClient: entry.c === 1, silent: entry.q === 1 };
  }

  /** The browser's pending logins that have not expired; none when the cookie is missing or not ours. */
  private read(ctx: CookieContext, now: number): Pending[] {
    const sealed = ctx.cookies.get(this.cookieName);
    if (!sealed) return [];
    const value = this.options.sealer().open<{ p?: unknown }>(sealed, this.cookieName);
    if (!value || !Array.isArray(value.p)) return [];
    return value.p.filter((p): p is Pending => isPending(p) && p.x > now);
  }

  /** Writes the newest MAX_PENDING logins that fit in a cookie; clears the cookie when none is left. */
  private write(ctx: CookieContext, pending: Pending[], now: number) {
    let kept = pending.slice(-MAX_PENDING);
    if (kept.length === 0) {
      ctx.cookies.set(this.cookieName, null, getAuthCookieOptions(ctx));
      return;
    }
    let sealed = this.options.sealer().seal({ p: kept }, this.cookieName);
    while (sealed.length > MAX_COOKIE_VALUE && kept.length > 1) {
      kept = kept.slice(1);
      sealed = this.options.sealer().seal({ p: kept }, this.cookieName);
    }
    const lifetime = Math.max(...kept.map((p) => p.x)) - now;
    ctx.cookies.set(this.cookieName, sealed, getAuthCookieOptions(ctx, true, lifetime));
  }
}

function isPending(value: unknown): value is Pending {
  const p = value as Pending;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.s === 'string' &&
    typeof p.a === 'string' &&
    typeof p.x === 'number' &&
    (p.r === undefined || typeof p.r === 'string')
  );
}

function sameState(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
