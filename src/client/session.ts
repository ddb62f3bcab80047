// What this browser tab remembers between leaving for WeCom and coming back (sessionStorage).
const LAST_ERROR = 'auth-wecom:lastError';
const PENDING = 'auth-wecom:pending';
/** A failure is shown under the button, and keeps automatic login off, for this long. */
const ERROR_TTL = 5 * 60_000;
/** An automatic start this recent, with no error in between, means a loop: do not start again. */
const AUTO_GAP = 10_000;

interface LastError {
  authenticator: string;
  message: string;
  at: number;
}

export interface Pending {
  authenticator: string;
  redirect?: string;
  /** When the login was started without a click (automatic login). */
  autoAt?: number;
  /** The callback already restarted this login to ask for consent. */
  consent?: boolean;
}

function read<T>(key: string): Partial<T> {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? '{}') ?? {};
  } catch (error) {
    if (error instanceof SyntaxError) return {}; // not written by us: ignore it
    throw error;
  }
}

const write = (key: string, value: object) => sessionStorage.setItem(key, JSON.stringify(value));

export function rememberError(authenticator: string, message: string): void {
  write(LAST_ERROR, { authenticator, message, at: Date.now() } satisfies LastError);
}

/** The reason the last WeCom login of `authenticator` failed, if it failed a few minutes ago at most. */
export function recentError(authenticator: string): string | undefined {
  const error = read<LastError>(LAST_ERROR);
  return error.authenticator === authenticator && Date.now() - Number(error.at) < ERROR_TTL ? String(error.message) : undefined;
}

/** The login this tab started for `authenticator`, if any. */
export function readPending(authenticator: string): Partial<Pending> {
  const pending = read<Pending>(PENDING);
  return pending.authenticator === authenticator ? pending : {};
}

/** A new attempt: the last failure no longer blocks automatic login. */
export function writePending(pending: Pending): void {
  sessionStorage.removeItem(LAST_ERROR);
  write(PENDING, pending);
}

export function clearAll(): void {
  sessionStorage.removeItem(LAST_ERROR);
  sessionStorage.removeItem(PENDING);
}

/** Automatic login may start: no recent failure and no automatic start a moment ago. */
export function mayStartAutomatically(authenticator: string): boolean {
  const { autoAt } = readPending(authenticator);
  return !(Date.now() - Number(autoAt) < AUTO_GAP) && !recentError(authenticator);
}
