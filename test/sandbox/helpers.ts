import type { Sandbox, SandboxConfig } from '../../sandbox/index';

export const CORP = 'wwdemo0000000001';
export const SECRET = 'demo-secret-0123456789abcdef';
export const AGENT = '1000002';
export const CALLBACK = 'http://127.0.0.1:13000/api/wecom/callback?authenticator=wecom';

export type Json = Record<string, unknown>;

export async function json(response: Response | Promise<Response>): Promise<Json> {
  return (await (await response).json()) as Json;
}

export async function getToken(sb: Sandbox, corpid = CORP, secret = SECRET): Promise<string> {
  const body = await json(fetch(`${sb.url}/cgi-bin/gettoken?corpid=${corpid}&corpsecret=${secret}`));
  if (typeof body.access_token !== 'string') throw new Error(`gettoken failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

export function getuserinfo(sb: Sandbox, token: string, code: string): Promise<Json> {
  return json(fetch(`${sb.url}/cgi-bin/auth/getuserinfo?access_token=${token}&code=${encodeURIComponent(code)}`));
}

export function post(sb: Sandbox, path: string, body: unknown): Promise<Json> {
  return json(fetch(`${sb.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }));
}

export interface LoginParams {
  appid?: string;
  agentid?: string | null;
  scope?: string;
  state?: string;
  redirect_uri?: string;
}

export function loginQuery(p: LoginParams, kind: 'oauth' | 'sso'): URLSearchParams {
  const q = new URLSearchParams({ appid: p.appid ?? CORP, redirect_uri: p.redirect_uri ?? CALLBACK });
  if (kind === 'oauth') {
    q.set('response_type', 'code');
    q.set('scope', p.scope ?? 'snsapi_privateinfo');
  } else {
    q.set('login_type', 'CorpApp');
  }
  q.set('state', p.state ?? 'st4te');
  if (p.agentid !== null) q.set('agentid', p.agentid ?? AGENT);
  return q;
}

export function page(sb: Sandbox, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sb.url}${path}`, { redirect: 'manual', ...init });
}

export function postForm(sb: Sandbox, path: string, form: URLSearchParams, cookie = ''): Promise<Response> {
  return page(sb, path, {
    method: 'POST',
    body: form,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie ? { Cookie: cookie } : {}) },
  });
}

export function cookieOf(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0];
}

/** picks the member in the in-client page and follows it to the callback; returns the callback URL */
export async function inClientLogin(sb: Sandbox, userid: string, p: LoginParams = {}, action = 'allow'): Promise<URL> {
  const query = loginQuery(p, 'oauth');
  const selected = await postForm(sb, '/connect/oauth2/authorize/select', withField(query, 'sandbox_member', userid));
  const cookie = cookieOf(selected);
  let response = await page(sb, selected.headers.get('location') ?? '', { headers: { Cookie: cookie } });
  if (response.status === 200) {
    response = await postForm(sb, '/connect/oauth2/authorize/confirm', withField(query, 'sandbox_action', action), cookie);
  }
  if (response.status !== 302) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '');
}

export async function qrLogin(sb: Sandbox, userid: string, p: LoginParams = {}): Promise<URL> {
  const response = await postForm(sb, '/wwlogin/sso/login/confirm', withField(loginQuery(p, 'sso'), 'sandbox_member', userid));
  if (response.status !== 302) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '');
}

export async function codeFor(sb: Sandbox, userid: string, p: LoginParams = {}): Promise<string> {
  return (await inClientLogin(sb, userid, p)).searchParams.get('code') ?? '';
}

export function withField(query: URLSearchParams, name: string, value: string): URLSearchParams {
  const copy = new URLSearchParams(query);
  copy.set(name, value);
  return copy;
}

/** a demo-like corp with two apps and a member whose name is markup */
export function twoAppConfig(): SandboxConfig {
  return {
    corps: [
      {
        corpId: 'wwtest0000000002',
        name: 'Test <b>Corp</b>',
        apps: [
          { agentId: '1000010', secret: 'new-app-secret', name: 'New App', trustedDomains: ['127.0.0.1:13000'], createdAfter20220620: true, visibleTo: 'all' },
          { agentId: '1000011', secret: 'old-app-secret', name: 'Old App', trustedDomains: ['127.0.0.1:13000'], createdAfter20220620: false, visibleTo: ['alice', 'evil'] },
        ],
        members: [
          { userid: 'alice', name: 'Alice', mobile: '13700000001', email: 'alice@test.example', biz_mail: 'alice@corp.test.example', avatar: '', department: [7], gender: '2' },
          { userid: 'evil', name: '<script>alert(1)</script>', mobile: '', avatar: 'javascript:alert(2)', department: [1] },
          { userid: 'bob', name: 'Bob', mobile: '13700000002', department: [7] },
        ],
        outsiders: [{ openid: 'oGuest01', name: 'Guest', external_userid: 'wmExternal01' }],
      },
    ],
    rateLimit: { perMinute: 10000 },
  };
}
