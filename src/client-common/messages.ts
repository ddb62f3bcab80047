import type { TFunction } from 'react-i18next';

export const FAILED = 'WeCom sign-in failed. Please try again.';
/** An admin form (authenticator, channel, sync source) whose file did not load. */
export const DRAWER_NOT_LOADED = 'The WeCom settings could not be loaded. Close this drawer and open it again.';
export const UNKNOWN_AUTHENTICATOR = 'This WeCom sign-in method does not exist or is disabled.';

// The start URL reports these as `?error=` (docs/architecture.md); every other failure comes with a
// message the server already translated. The texts are the server's locale keys. A Map, not an object
// literal: `?error=constructor` must not find Object.prototype.constructor.
const START_ERRORS = new Map<string, string>([
  ['WECOM_BAD_REQUEST', UNKNOWN_AUTHENTICATOR],
  ['WECOM_CONFIG', 'WeCom sign-in is not configured correctly. Ask your administrator to check the WeCom authenticator settings.'],
  ['WECOM_UNAVAILABLE', 'Sign-in is temporarily unavailable because the session store cannot be reached. Please try again in a moment.'],
]);

export const startError = (code: string, t: TFunction) => t(START_ERRORS.get(code) ?? FAILED);

// Failures that starting the same login again cannot cure: the person needs the administrator, or to
// open the app in the WeCom client first (WECOM_NOT_LINKED). Their way forward is the sign-in page.
// (WECOM_BAD_REQUEST from auth:signIn is a malformed callback, which a new login cures.)
const NEEDS_SOMEONE_ELSE = new Set([
  'WECOM_CONFIG',
  'WECOM_NOT_LINKED',
  'WECOM_NO_MATCH',
  'WECOM_PHONE_AMBIGUOUS',
  'WECOM_ALREADY_LINKED',
  'WECOM_ROOT_USER',
  'WECOM_NOT_MEMBER',
  'WECOM_NOT_VISIBLE',
]);

/** Whether "Try again" (the same login, started again) can help after a failure with this code. */
export const mayRetry = (code: string | undefined) => !code || !NEEDS_SOMEONE_ELSE.has(code);

/** NocoBase's `{ errors: [{ message, code }] }` of a failed request; other errors are not ours to handle. */
export function apiError(error: unknown, t: TFunction): { code?: string; message: string } {
  if ((error as { isAxiosError?: boolean } | null)?.isAxiosError !== true) throw error;
  const first: unknown = (error as { response?: { data?: { errors?: unknown[] } } }).response?.data?.errors?.[0];
  const { code, message } = (first ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return { message: t(FAILED) };
  return { code: typeof code === 'string' ? code : undefined, message };
}

/** NocoBase's `authenticators:publicList` entries, as far as this check needs them. */
interface PublicAuthenticator {
  name?: unknown;
  authType?: unknown;
}

/**
 * Whether `name` is an enabled WeCom authenticator. NocoBase's `auth:signIn` falls back to the first
 * enabled authenticator for any other name, whose error (e.g. the password form's) would make no sense here.
 */
export function isEnabledWeCom(list: unknown, name: string, authType: string): boolean {
  return Array.isArray(list) && list.some((a: PublicAuthenticator | null) => a?.name === name && a?.authType === authType);
}
