// The login state (RFC 9700 §2.1): WeCom offers no PKCE and no nonce, so `state` is the only thing that
// ties a callback to the browser and the authenticator that started the login. Two verbs: create, use.
import { createHash, randomBytes } from 'node:crypto';
import { LoginError, reasons } from './errors';

export interface LoginState {
  authenticator: string;
  /** Where the person lands after sign-in: a same-origin path, checked when the login started. */
  redirect: string;
  /** Started in the WeCom client (in-client OAuth page) rather than on the web / QR page. */
  inClient: boolean;
  /** Started without a consent screen (snsapi_base): automatic login, workbench link. */
  silent: boolean;
}

interface StoredState extends LoginState {
  browser: string;
  expiresAt: number;
}

export interface StateCache {
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Reads and removes `key` in one step. */
  take<T>(key: string): Promise<T | undefined>;
}

export const STATE_TTL_MS = 10 * 60_000;
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
  constructor(
    private readonly cache: StateCache,
    private readonly now: () => number = Date.now,
  ) {}

  async create(state: LoginState, browserId: string): Promise<string> {
    const key = randomToken();
    const stored: StoredState = { ...state, browser: digest(browserId), expiresAt: this.now() + STATE_TTL_MS };
    await this.cache.set(key, stored, STATE_TTL_MS);
    return key;
  }

  /** Consumes `key`: whatever the outcome, it cannot be presented again. */
  async use(key: unknown, browserId: string | undefined, authenticator: string): Promise<LoginState> {
    if (typeof key !== 'string' || !STATE_PATTERN.test(key)) throw new LoginError(reasons.stateInvalid());
    const stored = await this.cache.take<StoredState>(key);
    if (!stored || stored.expiresAt < this.now() || !browserId || stored.browser !== digest(browserId) || stored.authenticator !== authenticator) {
      throw new LoginError(reasons.stateInvalid());
    }
    return { authenticator: stored.authenticator, redirect: stored.redirect, inClient: stored.inClient, silent: stored.silent };
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
