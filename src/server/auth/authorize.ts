// GET /api/wecom:authorize?authenticator=NAME[&redirect=PATH][&prompt=none][&locale=LANG][&client=v2]
// [&fallback=page]: starts a login and sends the browser to WeCom. Whatever fails is shown by the app's own
// callback page, never off-site; too many starts from one client get a small page of their own (429).
// `fallback=page` is a link of a message (src/server/common/signed-in-links.ts): outside the WeCom client it
// opens the page itself, which signs in as usual, instead of WeCom's web login.
import { Context, Next } from '@nocobase/actions';
import { getModernClientPrefix, resolveSubAppSegment } from '@nocobase/plugin-auth';
import { CALLBACK_ROUTE, DEFAULT_REDIRECT_PATH, NAMESPACE } from '../../constants';
import { appSegment, callbackPagePath, hrefInApp } from '../../shared/app-path';
import { safeRedirectPath } from '../../shared/redirect';
import { localize, LoginError, reasons } from '../common/errors';
import { publicPath } from '../common/public-path';
import { wecomBaseUrls } from '../common/services';
import { signInServicesOf } from './services';
import { clientAddress } from './rate-limit';
import { inClientAuthorizeUrl, isWecomClient, webLoginUrl } from '../wecom/urls';
import { WeComAuth } from './wecom-auth';

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
/** A language tag as NocoBase's UI sends it: en-US, zh-CN, ja-JP, zh-Hant-TW. */
const LOCALE_PATTERN = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}$/;

export async function authorize(ctx: Context, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.withoutDataWrapping = true;
  const { authenticator: name, redirect, prompt, locale, client, fallback } = ctx.action.params as Record<string, unknown>;
  const plugin = signInServicesOf(ctx.app);
  const language = requestLocale(ctx, locale);

  const waitMs = plugin.startLimiter.take(
    // Never NocoBase's ctx.state.clientIp: it is the first X-Forwarded-For entry, which any client writes.
    clientAddress(ctx.req.socket?.remoteAddress, ctx.get('x-forwarded-for'), plugin.proxyHops),
  );
  if (waitMs > 0) {
    await tooManyStarts(ctx, Math.ceil(waitMs / 1000), language);
    return next();
  }

  const pageApp = await pathAppOf(ctx);
  const page = callbackPath(client, pageApp);
  if (fallback === 'page' && !isWecomClient(ctx.get('user-agent'))) {
    ctx.redirect(await linkedPage(ctx, name, redirect, client, pageApp));
    return next();
  }
  try {
    const auth = await findWeComAuth(ctx, name);
    const options = auth.config;
    const inClient = isWecomClient(ctx.get('user-agent'));
    const silent = inClient && prompt === 'none';
    const state = await plugin.states.create(ctx, {
      authenticator: auth.name,
      redirect: safeRedirectPath(redirect) ?? options.redirectPath,
      inClient,
      silent,
    });
    // From the configured Origin, never from Host or X-Forwarded-Host.
    const redirectUri = `${options.origin}${page}?authenticator=${encodeURIComponent(auth.name)}`;
    const params = { corpId: options.corpId, agentId: options.agentId, redirectUri, state };
    const urls = wecomBaseUrls();
    ctx.redirect(
      inClient
        ? inClientAuthorizeUrl(urls.oauth, params, silent ? 'snsapi_base' : 'snsapi_privateinfo')
        : webLoginUrl(urls.login, params, webLoginLang(language)),
    );
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.logger?.info?.('wecom sign-in not started', { code: error.reason.code, field: error.reason.field });
    const query = new URLSearchParams({ authenticator: typeof name === 'string' ? name.slice(0, 100) : '', error: error.reason.code });
    ctx.redirect(`${page}?${query}`);
  }
  await next();
}

/**
 * The named authenticator, if it exists, is enabled and is a WeCom one. NocoBase falls back to the
 * first enabled authenticator for an unknown name, so the name that comes back is checked too.
 */
export async function findWeComAuth(ctx: Context, name: unknown): Promise<WeComAuth> {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw new LoginError(reasons.unknownAuthenticator());
  let auth: unknown;
  try {
    auth = await ctx.app.authManager.get(name, ctx);
  } catch (error) {
    throw new LoginError(reasons.unknownAuthenticator(), { cause: error });
  }
  if (!(auth instanceof WeComAuth) || auth.name !== name) throw new LoginError(reasons.unknownAuthenticator());
  return auth;
}

/**
 * Where a message's link leads outside the WeCom client: the page, as the callback page would land on it after
 * a sign-in (the v1 page takes a path of the app's pages or a site path, the `/v/` page a path after the public
 * path). Nobody is signed in or out here: a browser with a session opens the page as that user, one without
 * meets the app's sign-in page, which returns to the page. A redirect that could leave the site is replaced by
 * the authenticator's Redirect path (or `/admin` when the name is no usable authenticator: the same answer).
 */
async function linkedPage(ctx: Context, name: unknown, redirect: unknown, client: unknown, app: string | undefined): Promise<string> {
  let path = safeRedirectPath(redirect);
  if (!path) {
    try {
      path = (await findWeComAuth(ctx, name)).config.redirectPath;
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
    }
  }
  path = safeRedirectPath(path) ?? DEFAULT_REDIRECT_PATH;
  if (client === 'v2') return publicPath() + path.slice(1);
  return hrefInApp(publicPath() + appSegment(app), path);
}

/**
 * The client route WeCom returns to: `/wecom/callback`, or `/v/wecom/callback` for a login started in the
 * modern client (`client=v2`; the segment is APP_MODERN_CLIENT_PREFIX). In a sub-app of the multi-app
 * manager, the app's page segment follows: `/apps/<name>/wecom/callback`, `/v/apps/<name>/wecom/callback`
 * (WeCom's redirect carries no X-App header: the page's path tells the client which app it is in).
 */
export function callbackPath(client: unknown, app?: string): string {
  return callbackPagePath(publicPath(), CALLBACK_ROUTE, { app, modern: client === 'v2' ? getModernClientPrefix() : undefined });
}

/**
 * The sub-app whose pages carry `/apps/<name>/` for this request: none for the main app, nor for a sub-app
 * reached by a domain of its own (NocoBase's resolveSubAppSegment decides, as for its own sign-in redirects).
 */
export async function pathAppOf(ctx: Context): Promise<string | undefined> {
  const name: string = ctx.app.name;
  return (await resolveSubAppSegment(ctx.req, name)) ? name : undefined;
}

/**
 * The person's language: the NocoBase UI language the client adds as `locale` (a browser navigating here
 * sends no X-Locale), else X-Locale, else the browser's first Accept-Language; undefined when none is known.
 */
function requestLocale(ctx: Context, param: unknown): string | undefined {
  const candidates = [param, ctx.get('x-locale'), ctx.acceptsLanguages().find((tag) => tag !== '*')];
  return candidates.find((tag): tag is string => typeof tag === 'string' && LOCALE_PATTERN.test(tag));
}

/** WeCom's web login page speaks `zh` or `en`; without a known language it chooses itself. */
function webLoginLang(locale: string | undefined): 'zh' | 'en' | undefined {
  if (!locale) return undefined;
  return /^zh/i.test(locale) ? 'zh' : 'en';
}

/** One of the plugin's languages for `locale`. */
function pageLanguage(locale: string | undefined): 'en-US' | 'zh-CN' | 'ja-JP' {
  if (locale && /^zh/i.test(locale)) return 'zh-CN';
  if (locale && /^ja/i.test(locale)) return 'ja-JP';
  return 'en-US';
}

/** 429 with Retry-After, as a page: a person's browser navigated here. */
async function tooManyStarts(ctx: Context, seconds: number, locale: string | undefined) {
  const lng = pageLanguage(locale);
  await ctx.app.localeManager?.loadResourcesByLang(lng);
  const t = (key: string, params: Record<string, unknown> = {}) => ctx.t(key, { ...params, lng });
  const title = t('Too many sign-in attempts', { ns: NAMESPACE });
  const message = localize(t, reasons.tooManyStarts(seconds));
  const retry = t('Try again', { ns: NAMESPACE });
  ctx.status = 429;
  ctx.set('Retry-After', String(seconds));
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html>
<html lang="${lng}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.25rem">${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="${escapeHtml(startedAt(ctx))}">${escapeHtml(retry)}</a></p>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL this start came in on, before the gateway rewrote `/api/__app/<name>/` away (it keeps the original). */
function startedAt(ctx: Context): string {
  const url = (ctx.req as { originalUrl?: string }).originalUrl ?? ctx.originalUrl;
  return url.startsWith('/') ? url : `${publicPath()}signin`;
}
