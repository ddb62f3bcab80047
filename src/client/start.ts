import type { Application } from '@nocobase/client';
import { RESOURCE } from '../constants';
import { appApiBase } from '../shared/app-path';
import { safeRedirectPath } from '../shared/redirect';
import { Pending, writePending } from './session';

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

/**
 * The start URL of a login from this page in the page's language, e.g.
 * `http://host/api/wecom:authorize?authenticator=wecom&locale=en-US`. A navigation carries no X-App
 * header: in a sub-app the path names the app (`/api/__app/<name>/wecom:authorize`).
 */
export const startUrl = (app: Application, name: string, options?: StartOptions) =>
  app.getApiUrl(appApiBase('', app.name) + authorizeAction(name, { locale: app.i18n?.language, ...options }));

/** The `redirect` of the current page (where the sign-in page goes afterwards), if it is safe. */
export const pageRedirect = () => safeRedirectPath(new URLSearchParams(window.location.search).get('redirect'));

/** Leaves for WeCom without a click; the page it leaves is not kept in the history. */
export function beginLogin(app: Application, pending: Pending, silent?: boolean): void {
  writePending(pending);
  window.location.replace(startUrl(app, pending.authenticator, { redirect: pending.redirect, silent }));
}
