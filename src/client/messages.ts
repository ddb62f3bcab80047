import type { TFunction } from 'react-i18next';

export const FAILED = 'WeCom sign-in failed. Please try again.';

// The start URL reports these as `?error=` (docs/architecture.md); every other failure comes with a
// message the server already translated. The texts are the server's locale keys.
const START_ERRORS: Record<string, string> = {
  WECOM_BAD_REQUEST: 'This WeCom sign-in method does not exist or is disabled.',
  WECOM_CONFIG: 'WeCom sign-in is not configured correctly. Ask your administrator to check the WeCom authenticator settings.',
  WECOM_UNAVAILABLE: 'Sign-in is temporarily unavailable because the session store cannot be reached. Please try again in a moment.',
};

export const startError = (code: string, t: TFunction) => t(START_ERRORS[code] ?? FAILED);

/** NocoBase's `{ errors: [{ message, code }] }` of a failed request; other errors are not ours to handle. */
export function apiError(error: unknown, t: TFunction): { code?: string; message: string } {
  if ((error as { isAxiosError?: boolean } | null)?.isAxiosError !== true) throw error;
  const first: unknown = (error as { response?: { data?: { errors?: unknown[] } } }).response?.data?.errors?.[0];
  const { code, message } = (first ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return { message: t(FAILED) };
  return { code: typeof code === 'string' ? code : undefined, message };
}
