// GET /api/wecom:authorize?authenticator=NAME[&redirect=PATH][&prompt=none]: starts a login and sends
// the browser to WeCom. Whatever fails is shown by the app's own callback page, never off-site.
import { Context, Next } from '@nocobase/actions';
import { getAuthCookieOptions } from '@nocobase/utils';
import { CALLBACK_ROUTE } from '../../constants';
import { safeRedirectPath } from '../../shared/redirect';
import { LoginError, reasons } from '../errors';
import { PluginAuthWeComServer, wecomBaseUrls } from '../plugin';
import { randomToken, STATE_PATTERN, STATE_TTL_MS } from '../state';
import { inClientAuthorizeUrl, isWecomClient, webLoginUrl } from '../wecom/urls';
import { WeComAuth } from '../wecom-auth';

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export async function authorize(ctx: Context, next: Next) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.withoutDataWrapping = true;
  const { authenticator: name, redirect, prompt } = ctx.action.params as Record<string, unknown>;
  try {
    const auth = await findWeComAuth(ctx, name);
    const options = auth.config;
    const plugin = ctx.app.pm.get(PluginAuthWeComServer);

    // One id per browser, reused by its concurrent logins (two tabs); the state stores only its hash.
    let browserId = ctx.cookies.get(plugin.browserCookie);
    if (!browserId || !STATE_PATTERN.test(browserId)) browserId = randomToken();
    ctx.cookies.set(plugin.browserCookie, browserId, getAuthCookieOptions(ctx, true, STATE_TTL_MS));

    const inClient = isWecomClient(ctx.get('user-agent'));
    const silent = inClient && prompt === 'none';
    const state = await plugin.states.create(
      { authenticator: auth.name, redirect: safeRedirectPath(redirect) ?? options.redirectPath, inClient, silent },
      browserId,
    );
    // From the configured Origin, never from Host or X-Forwarded-Host.
    const redirectUri = `${options.origin}${publicPath()}${CALLBACK_ROUTE}?authenticator=${encodeURIComponent(auth.name)}`;
    const params = { corpId: options.corpId, agentId: options.agentId, redirectUri, state };
    const urls = wecomBaseUrls();
    ctx.redirect(
      inClient
        ? inClientAuthorizeUrl(urls.oauth, params, silent ? 'snsapi_base' : 'snsapi_privateinfo')
        : webLoginUrl(urls.login, params, webLoginLang(ctx.get('x-locale') || ctx.get('accept-language'))),
    );
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.logger?.info?.('wecom sign-in not started', { code: error.reason.code, field: error.reason.field });
    const query = new URLSearchParams({ authenticator: typeof name === 'string' ? name.slice(0, 100) : '', error: error.reason.code });
    ctx.redirect(`${publicPath()}${CALLBACK_ROUTE}?${query}`);
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

/** APP_PUBLIC_PATH with one trailing slash: `/`, `/nocobase/`. */
export function publicPath(): string {
  return `${(process.env.APP_PUBLIC_PATH || '/').replace(/\/+$/, '')}/`;
}

function webLoginLang(header: string | undefined): 'zh' | 'en' | undefined {
  if (!header) return undefined;
  return /^zh/i.test(header) ? 'zh' : 'en';
}
