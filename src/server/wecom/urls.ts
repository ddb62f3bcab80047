// The two WeCom pages a login starts on [91022, 98151].
export interface AuthorizeParams {
  corpId: string;
  agentId: string;
  redirectUri: string;
  state: string;
}

/**
 * In-client OAuth page. `snsapi_privateinfo` shows a consent screen and yields a user_ticket (the only
 * way to read a mobile number for apps made after 2022-06-20); without `agentid` WeCom silently falls
 * back to `snsapi_base`. The `#wechat_redirect` fragment is required.
 */
export function inClientAuthorizeUrl(base: string, params: AuthorizeParams, scope: 'snsapi_base' | 'snsapi_privateinfo'): string {
  const query = new URLSearchParams({
    appid: params.corpId,
    redirect_uri: params.redirectUri,
    response_type: 'code',
    scope,
    state: params.state,
    agentid: params.agentId,
  });
  return `${trimSlash(base)}/connect/oauth2/authorize?${query}#wechat_redirect`;
}

/** Web / QR login page (also signs in through a WeCom desktop client that is signed in). Never a user_ticket. */
export function webLoginUrl(base: string, params: AuthorizeParams, lang?: 'zh' | 'en'): string {
  const query = new URLSearchParams({
    login_type: 'CorpApp',
    appid: params.corpId,
    agentid: params.agentId,
    redirect_uri: params.redirectUri,
    state: params.state,
    ...(lang ? { lang } : {}),
  });
  return `${trimSlash(base)}/wwlogin/sso/login?${query}`;
}

/** The WeCom in-app browser: its User-Agent says `wxwork/<version>` (and also MicroMessenger). */
export function isWecomClient(userAgent: string | undefined): boolean {
  return /\bwxwork\//i.test(userAgent ?? '');
}

function trimSlash(base: string): string {
  return base.replace(/\/+$/, '');
}
