// The classic client's start URL: where its sign-in button and callback page send the browser.
import type { Application } from '@nocobase/client';
import { type Pending, writePending } from '../client-common/session';
import { authorizeAction, type StartOptions } from '../client-common/start';
import { appApiBase } from '../shared/app-path';

/**
 * The start URL of a login from this page in the page's language, e.g.
 * `http://host/api/wecom:authorize?authenticator=wecom&locale=en-US`. A navigation carries no X-App
 * header: in a sub-app the path names the app (`/api/__app/<name>/wecom:authorize`).
 */
export const startUrl = (app: Application, name: string, options?: StartOptions) =>
  app.getApiUrl(appApiBase('', app.name) + authorizeAction(name, { locale: app.i18n?.language, ...options }));

/** Leaves for WeCom without a click; the page it leaves is not kept in the history. */
export function beginLogin(app: Application, pending: Pending, silent?: boolean): void {
  writePending(pending);
  window.location.replace(startUrl(app, pending.authenticator, { redirect: pending.redirect, silent }));
}
