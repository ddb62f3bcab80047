// The modern client's side of the start URL and of return paths. The login itself is the v1 client's
// (../client/start.ts, ../client/session.ts): only the URLs differ.
import type { Application } from '@nocobase/client-v2';
import { appApiBase, appSegment } from '../shared/app-path';
import { safeRedirectPath } from '../shared/redirect';
import { type Pending, writePending } from '../client-common/session';
import { authorizeAction, type StartOptions } from '../client-common/start';

/** Asks the server to send WeCom back to this client's callback route (`/v/wecom/callback`). */
export const V2_CLIENT = '&client=v2';

/** The start URL of a login from a `/v/` page (`/api/__app/<name>/...` in a sub-app: a navigation has no X-App). */
export const startUrl = (app: Application, name: string, options?: StartOptions) =>
  app.getApiUrl(appApiBase('', app.name) + authorizeAction(name, { locale: app.i18n?.language, ...options }) + V2_CLIENT);

/** Leaves for WeCom without a click; the page it leaves is not kept in the history. */
export function beginLogin(app: Application, pending: Pending, silent?: boolean): void {
  writePending(pending);
  window.location.replace(startUrl(app, pending.authenticator, { redirect: pending.redirect, silent }));
}

/** The app's public path (`/`, `/nocobase/`): the modern client's (`/v/`) without its last segment. */
export const rootPath = (app: Application) => app.getPublicPath().replace(/[^/]+\/$/, '');

/** This client's segment with slashes, `/v/`. */
export const clientSegment = (app: Application) => `/${app.getPublicPath().slice(rootPath(app).length)}`;

/** The modern client's home, as a return path (relative to the app's public path): `/v/admin`, `/v/apps/<name>/admin`. */
export const defaultRedirect = (app: Application) => `${clientSegment(app)}${appSegment(app.name)}admin`;

/**
 * The page's `?redirect=` as a return path. The modern client writes it from the site root
 * (`/nocobase/v/admin/x`); return paths, like the v1 client's, start after the app's public path.
 */
export function pageRedirect(app: Application): string {
  const path = safeRedirectPath(new URLSearchParams(window.location.search).get('redirect'));
  const root = rootPath(app);
  if (!path) return defaultRedirect(app);
  return root !== '/' && path.startsWith(root) ? path.slice(root.length - 1) : path;
}

/** The address of a return path: `/v/admin` → `/nocobase/v/admin`. */
export const hrefOf = (app: Application, path: string) => rootPath(app) + path.slice(1);
