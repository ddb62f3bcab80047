// The start URL's query and the page's return path, the same in both clients (each builds its own address).
import { RESOURCE } from '../constants';
import { safeRedirectPath } from '../shared/redirect';

export interface StartOptions {
  redirect?: string;
  /** `prompt=none`: no consent screen in the WeCom client (silent `snsapi_base`). */
  silent?: boolean;
  /** The NocoBase UI language (`zh-CN`): WeCom's web login page is shown in it. */
  locale?: string;
}

/** `wecom:authorize?...`, relative to the API base. The slashes of the redirect stay readable. */
export function authorizeAction(name: string, { redirect, silent, locale }: StartOptions = {}): string {
  let query = `authenticator=${encodeURIComponent(name)}`;
  if (redirect) query += `&redirect=${encodeURIComponent(redirect).replace(/%2F/g, '/')}`;
  if (silent) query += '&prompt=none';
  if (locale) query += `&locale=${encodeURIComponent(locale)}`;
  return `${RESOURCE}:authorize?${query}`;
}

/** The `redirect` of the current page (where the sign-in page goes afterwards), if it is safe. */
export const pageRedirect = () => safeRedirectPath(new URLSearchParams(window.location.search).get('redirect'));
