// Links in a WeCom message that open the page signed in. A member taps a link in a message of the company's
// app (or group robot, or approval card) inside the WeCom client, where the page has no session yet: the
// link goes through the start URL with `prompt=none` (WeCom's silent OAuth, no screen for a linked member)
// and the callback page lands on the page. Outside the WeCom client the same link just opens the page
// (`fallback=page`), which signs in as usual. One rule for every sender: the app channel, the robot channel,
// the approval card.
//
// Which links: those into this app only (linkIntoApp of src/shared/message-links.ts: a path, or an address on
// the authenticator's Origin); anything else refuses the message, as before. Of those, pages of the app are
// rewritten: not the API (`/api/...`) nor stored files (`/storage/...`), which are no pages and stay absolute
// addresses as they are.
import type { IncomingMessage } from 'node:http';
import { getModernClientPrefix, resolveSubAppSegment } from '@nocobase/plugin-auth';
import type { Application } from '@nocobase/server';
import { RESOURCE } from '../../constants';
import { AppPages, appApiBase, pageInApp, pathApp } from '../../shared/app-path';
import { AppLink, linkIntoApp, linksInMessage } from '../../shared/message-links';
import { LoginError } from './errors';
import { publicPath } from './public-path';

/** Where the links of one message lead: the sending authenticator and where its app's pages are. */
export interface LinkTarget {
  /** The authenticator's Origin, `https://host[:port]`: links are accepted on it only, and made absolute with it. */
  origin: string;
  /** The WeCom authenticator whose silent OAuth signs the member in (the channel's, the robot's chosen one, the card node's). */
  authenticator: string;
  /** The app's pages at that Origin: public path, the modern client's prefix, the sub-app segment if any. */
  pages: AppPages;
  /** The API base path of the site (API_BASE_PATH, `/api/`). */
  apiBase: string;
}

/** WeCom's limit for a url field (message/send and the robot's webhook alike), in UTF-8 bytes. */
export const URL_MAX_BYTES = 2048;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const invalid = (message: string, params: Record<string, string | number>): LoginError =>
  new LoginError({ code: 'WECOM_MESSAGE_INVALID', status: 400, message, params });

/**
 * The LinkTarget of a message sent as `authenticator` (its name and Origin) by `app`. A message is sent outside
 * any request: the sub-app segment is decided as NocoBase would decide it for a request to the Origin's host
 * (a sub-app reached by a domain of its own has none).
 */
export async function linkTargetOf(app: Application, authenticator: { name: string; origin: string }): Promise<LinkTarget> {
  const request = { headers: { 'x-hostname': new URL(authenticator.origin).hostname } } as unknown as IncomingMessage;
  const segment = (await resolveSubAppSegment(request, app.name)) ? app.name : undefined;
  return {
    origin: authenticator.origin,
    authenticator: authenticator.name,
    pages: { publicPath: publicPath(), modern: getModernClientPrefix(), app: segment },
    apiBase: apiBasePath(),
  };
}

/**
 * One link field (a card's url, a jump link, a text card's url, a news article's url): `value` is a path of
 * this app (`/admin/...`, `/v/admin/...`, `/m/...`) or an address on the Origin. Answers the absolute address to
 * send: the signed-in link of a page, the address as it is for anything else of the app. Throws a LoginError
 * (WECOM_MESSAGE_INVALID, localized by the caller) for a link elsewhere (another site, `javascript:`, ...) or
 * one longer than `maxBytes` once rewritten. `field` is the form's label of the field (an English locale key).
 */
export function signedInLink(value: string, target: LinkTarget, field: string, maxBytes = URL_MAX_BYTES): string {
  const link = linkIntoApp(value, target.origin);
  if (!link) {
    throw invalid('{{field}} must be a path of this app (like /admin) or an address on {{origin}}.', { field, origin: target.origin });
  }
  return withinLimit(addressOf(link, target), field, maxBytes);
}

/**
 * The content of a `text` or `markdown` message with every link checked and every link to a page rewritten
 * (an `<a href>`, a markdown link or autolink, a bare address the WeCom client links by itself). A link that
 * does not lead into this app refuses the message (WECOM_MESSAGE_INVALID, naming the link). `field` is the
 * form's label of the content field. The caller checks the content's byte limit on the result.
 */
export function signedInContent(content: string, msgtype: 'text' | 'markdown', target: LinkTarget, field: string): string {
  let result = '';
  let from = 0;
  for (const found of linksInMessage(content, msgtype)) {
    const link = found.value === undefined ? undefined : linkIntoApp(found.value, target.origin);
    if (!link) {
      throw invalid('The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on {{origin}}.', {
        link: shown(found.raw),
        field,
        origin: target.origin,
      });
    }
    const sitePath = sitePathOf(link, target);
    // A bare address that is no page (a file, the API) is shown as written: nothing to sign in for.
    if (found.place === 'bare' && !isPage(sitePath, target)) continue;
    const address = withinLimit(addressOf(link, target), field, URL_MAX_BYTES);
    // In an HTML attribute `&` starts a character reference; quotes would end the value.
    const written = found.place === 'html' ? address.replace(/&/g, '&amp;').replace(/"/g, '%22').replace(/'/g, '%27') : address;
    result += content.slice(from, found.start) + written;
    from = found.end;
  }
  return result + content.slice(from);
}

/**
 * The signed-in link of a page, `<Origin><API base>[__app/<name>/]wecom:authorize?authenticator=NAME&prompt=none
 * [&client=v2]&fallback=page&redirect=<path>`, from the page's site path (`/admin/x`, `/v/apps/a/admin/x`,
 * `/nocobase/m/x`; the public path and sub-app segment already in it, as pageInApp gives it). A `/v/` page
 * asks for the modern client's callback page (`client=v2`), whose return paths start after the public path;
 * the v1 callback page takes the site path as it is.
 */
export function authorizeAddress(sitePath: string, target: LinkTarget): string {
  const root = target.pages.publicPath.replace(/\/+$/, '');
  const inSite = sitePath.slice(root.length); // sitePath starts with the public path (pageInApp)
  const modern = `/${target.pages.modern}`;
  const v2 = inSite === modern || inSite.startsWith(`${modern}/`) || inSite.startsWith(`${modern}?`) || inSite.startsWith(`${modern}#`);
  const redirect = v2 ? inSite : sitePath;
  const query =
    `authenticator=${encodeURIComponent(target.authenticator)}&prompt=none${v2 ? '&client=v2' : ''}&fallback=page` +
    `&redirect=${encodeURIComponent(redirect).replace(/%2F/g, '/')}`;
  return `${target.origin}${appApiBase(target.apiBase, pathApp(target.pages.app))}${RESOURCE}:authorize?${query}`;
}

/** The address to send for a link into the app: a page through the start URL, anything else as an address. */
function addressOf(link: AppLink, target: LinkTarget): string {
  const sitePath = sitePathOf(link, target);
  return isPage(sitePath, target) ? authorizeAddress(sitePath, target) : target.origin + sitePath;
}

/** The path on the Origin: a path is a page of the sending app (pageInApp), an address's path is one already. */
const sitePathOf = (link: AppLink, target: LinkTarget): string => (link.kind === 'path' ? pageInApp(link.path, target.pages) : link.path);

/** Not the API and not stored files; a path outside the public path is not the app's either (kept as written). */
function isPage(sitePath: string, target: LinkTarget): boolean {
  const root = target.pages.publicPath;
  const path = sitePath.replace(/[?#].*$/, '');
  if (!`${path}/`.startsWith(root)) return false;
  const under = (base: string) => `${path}/`.startsWith(base);
  return !under(target.apiBase) && !under(`${root}storage/`);
}

function withinLimit(address: string, field: string, maxBytes: number): string {
  if (bytes(address) > maxBytes) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field, max: maxBytes });
  return address;
}

/** A link shown in a refusal: enough to find it in the message. */
const shown = (raw: string): string => ([...raw].length > 100 ? `${[...raw].slice(0, 100).join('')}…` : raw);

/** API_BASE_PATH with one trailing slash (NocoBase's gateway routes it), `<public path>api/` when unset. */
export function apiBasePath(): string {
  const configured = process.env.API_BASE_PATH;
  return configured ? `/${configured.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/') : `${publicPath()}api/`;
}
