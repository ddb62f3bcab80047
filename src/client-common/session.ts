// What this browser tab remembers between leaving for WeCom and coming back (sessionStorage).
const LAST_ERROR = 'auth-wecom:lastError';
const PENDING = 'auth-wecom:pending';
/** This tab signed in with WeCom: its session belongs to the member WeCom reported. */
const SIGNED_IN = 'auth-wecom:signedIn';
/** A failure is shown under the button, and keeps automatic login off, for this long. */
const ERROR_TTL = 5 * 60_000;
/** An automatic start this recent, with no error in between, means a loop: do not start again. */
const AUTO_GAP = 10_000;

interface LastError {
  authenticator: string;
  message: string;
  at: number;
  /** Not a failure: the member cancelled in WeCom. */
  cancelled?: boolean;
}

export interface Pending {
  authenticator: string;
  redirect?: string;
  /** When the login was started without a click (automatic login). */
  autoAt?: number;
  /** This login is the restart, with WeCom's consent screen, of a silent one (at most one per login). */
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

export function rememberError(authenticator: string, message: string, cancelled = false): void {
  write(LAST_ERROR, { authenticator, message, at: Date.now(), ...(cancelled ? { cancelled } : {}) } satisfies LastError);
}

/** How the last WeCom login of `authenticator` ended without signing in, if that was a few minutes ago at most. */
export function recentFailure(authenticator: string): { message: string; cancelled: boolean } | undefined {
  const error = read<LastError>(LAST_ERROR);
  if (error.authenticator !== authenticator || !(Date.now() - Number(error.at) < ERROR_TTL)) return undefined;
  return { message: String(error.message), cancelled: error.cancelled === true };
}

/** The reason the last WeCom login of `authenticator` failed, if it failed a few minutes ago at most. */
export const recentError = (authenticator: string): string | undefined => recentFailure(authenticator)?.message;

/** The login this tab started for `authenticator`, if any. */
export function readPending(authenticator: string): Partial<Pending> {
  const pending = read<Pending>(PENDING);
  return pending.authenticator === authenticator ? pending : {};
}

/**
 * The login ends at its callback, whatever happens there: a later one (the workbench link, which starts
 * without this page) must not inherit its flags, e.g. a consent restart it already used.
 */
export const forgetPending = () => sessionStorage.removeItem(PENDING);

/** A new attempt: the last failure no longer blocks automatic login. */
export function writePending(pending: Pending): void {
  sessionStorage.removeItem(LAST_ERROR);
  write(PENDING, pending);
}

export function clearAll(): void {
  sessionStorage.removeItem(LAST_ERROR);
  sessionStorage.removeItem(PENDING);
}

/** After a successful WeCom sign-in: this tab's session is the member's WeCom reported. */
export function rememberSignIn(authenticator: string): void {
  clearAll();
  write(SIGNED_IN, { authenticator, at: Date.now() });
}

/**
 * Automatic login may start: no recent failure and no automatic start a moment ago. With a session
 * (`signedIn`), only when this tab has not signed in with WeCom yet: the session may be another
 * member's (the WeCom client switched accounts), and WeCom tells which member only through a login.
 * Once per tab, so a signed-in member does not go through WeCom on every visit of the sign-in page.
 */
export function mayStartAutomatically(authenticator: string, signedIn = false): boolean {
  if (signedIn && read<{ authenticator: string }>(SIGNED_IN).authenticator === authenticator) return false;
  const { autoAt } = readPending(authenticator);
  return !(Date.now() - Number(autoAt) < AUTO_GAP) && !recentError(authenticator);
}
