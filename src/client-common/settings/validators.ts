import type { TFunction } from 'react-i18next';
import { safeRedirectPath } from '../../shared/redirect';

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

