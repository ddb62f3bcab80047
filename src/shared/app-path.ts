// Sub-apps of NocoBase's multi-app manager: pages live under `/apps/<name>/` (v1) and `/v/apps/<name>/`
// (v2), API calls carry the app in an `X-App` header. A browser that navigates (to the start URL, or back
// from WeCom) sends no header, so those addresses name the app themselves. Shared by the server and both
// clients: pure string work, no NocoBase.

/** A sub-app name as NocoBase's client reads it from the path; anything else is not put in a URL. */
const APP_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The app whose pages are under `/apps/<name>/`: `name` for a sub-app reached under the main app's
 * domain, undefined for the main app and for a sub-app on a domain of its own (no segment in its paths).
 */
export function pathApp(name: string | null | undefined): string | undefined {
  return name && name !== 'main' && APP_NAME.test(name) ? name : undefined;
}

/** The page segment of the app, relative to a client's public path: `apps/<name>/`, or '' (see pathApp). */
export function appSegment(name: string | null | undefined): string {
  const app = pathApp(name);
  return app ? `apps/${app}/` : '';
}

/**
 * An API base a navigation can use: `/api/` for the main app, `/api/__app/<name>/` for a sub-app (NocoBase's
 * gateway selects the app from that path and rewrites it to `/api/...`). `apiBase` ends with a slash.
 */
export function appApiBase(apiBase: string, name: string | null | undefined): string {
  const app = pathApp(name);
  return app ? `${apiBase}__app/${app}/` : apiBase;
}

/**
 * The WeCom callback page of an app: `<public path>[<modern prefix>/][apps/<name>/]wecom/callback`.
 * `publicPath` ends with a slash (`/`, `/nocobase/`); `modern` is the modern client's prefix (`v`) for a
 * login started there.
 */
export function callbackPagePath(publicPath: string, route: string, options: { app?: string | null; modern?: string } = {}): string {
  return `${publicPath}${options.modern ? `${options.modern}/` : ''}${appSegment(options.app)}${route}`;
}

/** The path of a callback page of any app (main or sub-app, v1 or v2), for the gateway's headers. */
export function isCallbackPagePath(path: string, publicPath: string, route: string, modern: string): boolean {
  if (!path.startsWith(publicPath)) return false;
  let rest = path.slice(publicPath.length);
  if (rest.startsWith(`${modern}/`)) rest = rest.slice(modern.length + 1);
  const sub = /^apps\/([^/]+)\//.exec(rest);
  if (sub && !APP_NAME.test(sub[1])) return false;
  return (sub ? rest.slice(sub[0].length) : rest) === route;
}

/**
 * A return path of the modern client in the app: `/v/admin` → `/v/apps/<name>/admin` in a sub-app (the
 * modern client's return paths start at the site's public path, the v1 client's at the app's pages).
 * Other paths, and paths already in a sub-app, are returned as they are.
 */
export function modernPathInApp(path: string, modern: string, name: string | null | undefined): string {
  const segment = appSegment(name);
  if (!segment || !path.startsWith(modern) || path.startsWith(`${modern}apps/`)) return path;
  return `${modern}${segment}${path.slice(modern.length)}`;
}

/**
 * The address of a v1 return path: `/admin` → `<app base>admin`. NocoBase's v1 sign-in page writes its
 * `?redirect=` with the router's basename (`/apps/<name>/admin/x` in a sub-app): such a path is already an
 * address. `base` is the app's pages' root, `app.getHref('/')`: `/`, `/apps/<name>/`, `/nocobase/`.
 */
export function hrefInApp(base: string, path: string): string {
  const prefix = base.replace(/\/+$/, '');
  if (prefix && (path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`))) return path;
  return `${prefix}${path}`;
}

/** Where an app's pages are: the site's public path (`/`, `/nocobase/`), the modern client's prefix (`v`), the app. */
export interface AppPages {
  publicPath: string;
  modern: string;
  app?: string | null;
}

/**
 * The site path of a path of the app's pages, for a link made away from any page (a notification):
 * `/admin/x` → `<public path>apps/<name>/admin/x`, `/v/admin/x` → `<public path>v/apps/<name>/admin/x`.
 * The public path may already be there; a path already under the app's own `/apps/<name>` or
 * `/v/apps/<name>` is not prefixed again. Any other path is the app's, `/apps/<other>/...` included.
 */
export function pageInApp(path: string, pages: AppPages): string {
  const under = (p: string, base: string) => p.startsWith(base) && (p.length === base.length || '/?#'.includes(p[base.length]));
  const root = pages.publicPath.replace(/\/+$/, '');
  let rest = path;
  if (root && under(path, root)) rest = path.slice(root.length).startsWith('/') ? path.slice(root.length) : `/${path.slice(root.length)}`;
  const segment = appSegment(pages.app).replace(/\/$/, '');
  if (!segment) return root + rest;
  const modern = `/${pages.modern}`;
  const own = `/${segment}`;
  if (under(rest, own) || under(rest, `${modern}${own}`)) return root + rest;
  if (under(rest, modern)) return `${root}${modern}${own}${rest.slice(modern.length)}`;
  return `${root}${own}${rest}`;
}
