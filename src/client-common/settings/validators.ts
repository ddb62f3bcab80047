import type { TFunction } from 'react-i18next';
import { safeRedirectPath } from '../../shared/redirect';
import { hasSavedSecret, isEnvReference, REMOVE_SECRETS } from '../../shared/secrets';
import {
  CALLBACK_AES_KEY,
  CALLBACK_AES_KEY_ERROR,
  CALLBACK_PAIR_ERROR,
  CALLBACK_TOKEN,
  CALLBACK_TOKEN_ERROR,
  isCallbackAESKey,
  isCallbackToken,
} from '../../shared/wecom-card';

/** `http(s)://host[:port]` with nothing after it, normalized; undefined for anything else. */
export function parseOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    if (error instanceof TypeError) return undefined; // not a URL at all
    throw error;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  return bare && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : undefined;
}

// Formily validators: a message when the value is wrong, nothing when it is empty (`required` says that).
export const originValidator = (t: TFunction) => (value: unknown) =>
  !value || parseOrigin(value) ? '' : t('Origin must be an address like https://nocobase.example.com, without a path.');

export const redirectPathValidator = (t: TFunction) => (value: unknown) =>
  !value || safeRedirectPath(value) ? '' : t('The workbench redirect link must be a path on this site, like /admin.');


// The app callback's Token and EncodingAESKey (src/shared/wecom-card.ts, the server's checks on save). A
// `{{$env.X}}` reference is checked where it is used.
export const callbackTokenValidator = (t: TFunction) => (value: unknown) =>
  !value || isEnvReference(value) || isCallbackToken(value) ? '' : t(CALLBACK_TOKEN_ERROR);

export const callbackAesKeyValidator = (t: TFunction) => (value: unknown) =>
  !value || isEnvReference(value) || isCallbackAESKey(value) ? '' : t(CALLBACK_AES_KEY_ERROR);

/**
 * Both or neither, counting a saved value (an empty write-only field keeps it) unless it is being removed: the message for the field
 * `path` when the other one is entered or saved and this one is neither.
 */
export function callbackPairError(t: TFunction, options: unknown, path: typeof CALLBACK_TOKEN | typeof CALLBACK_AES_KEY): string {
  const values = (options ?? {}) as Record<string, unknown>;
  // A saved value counts unless the form asks to remove it.
  const removing = (p: string) => Array.isArray(values[REMOVE_SECRETS]) && (values[REMOVE_SECRETS] as unknown[]).includes(p);
  const has = (p: string) => (typeof values[p] === 'string' && (values[p] as string).trim() !== '') || (hasSavedSecret(options, p) && !removing(p));
  const other = path === CALLBACK_TOKEN ? CALLBACK_AES_KEY : CALLBACK_TOKEN;
  return has(other) && !has(path) ? t(CALLBACK_PAIR_ERROR) : '';
}
