import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { cookieOf, loginQuery, page, postForm, twoAppConfig, withField } from './helpers';

const OAUTH = '/connect/oauth2/authorize';
const SSO = '/wwlogin/sso/login';

describe('in-client OAuth page', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  const select = async (userid: string, query: URLSearchParams) => {
    const response = await postForm(sb, `${OAUTH}/select`, withField(query, 'sandbox_member', userid));
    return { response, cookie: cookieOf(response) };
  };

  it('shows a member picker with data-userid buttons and no-store, no-referrer headers', async () => {
    const response = await page(sb, `${OAUTH}?${loginQuery({}, 'oauth')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const text = await response.text();
    expect(text).toContain('WeCom sandbox');
    for (const userid of ['zhangsan', 'lisi', 'wangwu', 'zhaoliu']) expect(text).toContain(`data-userid="${userid}"`);
    expect(text).toContain('data-openid="oDemoGuest0000000001"');
  });

  it('remembers the picked member in the wecom_sandbox_member cookie and reloads the page', async () => {
    const query = loginQuery({}, 'oauth');
    const { response, cookie } = await select('lisi', query);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${OAUTH}?${query}`);
    expect(response.headers.get('set-cookie')).toMatch(/^wecom_sandbox_member=lisi; Path=\//);
    const text = await (await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } })).text();
    expect(text).toMatch(/data-userid="lisi"\s+class="member selected" aria-pressed="true"/);
    expect(text).toMatch(/data-userid="zhangsan"\s+class="member" aria-pressed="false"/);
  });

  it('snsapi_base: redirects silently with code and state once a member is remembered', async () => {
    const query = loginQuery({ scope: 'snsapi_base', state: 'abcXYZ123' }, 'oauth');
    expect((await page(sb, `${OAUTH}?${query}`)).status).toBe(200);
    const { cookie } = await select('zhangsan', query);
    const response = await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:13000\/api\/wecom\/callback\?authenticator=wecom&code=[A-Za-z0-9_-]{20,512}&state=abcXYZ123$/,
    );
  });

  it('appends with "?" when redirect_uri has no query', async () => {
    const query = loginQuery({ scope: 'snsapi_base', redirect_uri: 'http://localhost:13000/cb' }, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const response = await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } });
    expect(response.headers.get('location')).toMatch(/^http:\/\/localhost:13000\/cb\?code=[^&]+&state=st4te$/);
  });

  it('snsapi_privateinfo: consent page with the member, the app and data-action allow/deny', async () => {
    const query = loginQuery({}, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const response = await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('data-action="allow"');
    expect(text).toContain('data-action="deny"');
    expect(text).toContain('Zhang San');
    expect(text).toContain('NocoBase');
    expect(text).toContain('action="/connect/oauth2/authorize/confirm"');
  });

  it('snsapi_privateinfo without agentid: no consent page, a silent redirect as with snsapi_base', async () => {
    const query = loginQuery({ agentid: null }, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const response = await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(/&code=[^&]+&state=st4te$/);
  });

  it('Allow returns with code and state; Deny with state only', async () => {
    const query = loginQuery({ state: 'keepMe42' }, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const allowed = await postForm(sb, `${OAUTH}/confirm`, withField(query, 'sandbox_action', 'allow'), cookie);
    expect(allowed.status).toBe(302);
    expect(allowed.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:13000\/api\/wecom\/callback\?authenticator=wecom&code=[^&]+&state=keepMe42$/);
    const denied = await postForm(sb, `${OAUTH}/confirm`, withField(query, 'sandbox_action', 'deny'), cookie);
    expect(denied.status).toBe(302);
    expect(denied.headers.get('location')).toBe('http://127.0.0.1:13000/api/wecom/callback?authenticator=wecom&state=keepMe42');
  });

  it('passes a 128-character state through untouched', async () => {
    const state = 'Aa0'.repeat(42) + 'Zz';
    const query = loginQuery({ scope: 'snsapi_base', state }, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const location = (await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } })).headers.get('location') ?? '';
    expect(location.endsWith(`&state=${state}`)).toBe(true);
  });

  it.each([
    ['129 characters', 'a'.repeat(129)],
    ['a dash', 'abc-def'],
    ['a NUL', 'abc\u0000'],
    ['CRLF', 'abc\r\nSet-Cookie: x=1'],
    ['non-ASCII', 'abcé'],
  ])('refuses a state with %s', async (_, state) => {
    const query = loginQuery({ scope: 'snsapi_base', state }, 'oauth');
    const { cookie } = await select('zhangsan', query);
    const response = await page(sb, `${OAUTH}?${query}`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('state');
  });

  it.each([
    ['another host', 'http://evil.example/cb'],
    ['another port', 'http://127.0.0.1:13001/cb'],
    ['a trusted host as userinfo', 'http://127.0.0.1:13000@evil.example/cb'],
  ])('refuses a redirect_uri on %s (50001)', async (_, redirect_uri) => {
    const response = await page(sb, `${OAUTH}?${loginQuery({ redirect_uri }, 'oauth')}`);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('redirect_uri 需使用应用可信域名 / redirect_uri must use the app&#39;s trusted domain');
    expect(text).toContain('(50001)');
  });

  it('refuses a response_type other than code, an unknown scope and an unknown agentid', async () => {
    const cases: [URLSearchParams, string][] = [
      [withField(loginQuery({}, 'oauth'), 'response_type', 'token'), 'response_type must be code'],
      [loginQuery({ scope: 'snsapi_userinfo' }, 'oauth'), 'scope must be snsapi_base or snsapi_privateinfo'],
      [loginQuery({ agentid: '999' }, 'oauth'), 'invalid agentid (40056)'],
    ];
    for (const [query, message] of cases) {
      const response = await page(sb, `${OAUTH}?${query}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
  });

  it('refuses a non-http redirect_uri and an unknown appid', async () => {
    const js = await page(sb, `${OAUTH}?${loginQuery({ redirect_uri: 'javascript:alert(1)' }, 'oauth')}`);
    expect(js.status).toBe(400);
    expect(await js.text()).toContain('redirect_uri must be an http(s) URL');
    const appid = await page(sb, `${OAUTH}?${loginQuery({ appid: 'wwnobody' }, 'oauth')}`);
    expect(appid.status).toBe(400);
    expect(await appid.text()).toContain('invalid appid');
  });
});

describe('web/QR login page', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  it('lists the members as data-userid buttons with a QR square and a data-action="deny" Cancel', async () => {
    const response = await page(sb, `${SSO}?${loginQuery({}, 'sso')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const text = await response.text();
    for (const userid of ['zhangsan', 'lisi', 'wangwu']) expect(text).toContain(`data-userid="${userid}"`);
    expect(text).toContain('<svg class="qr"');
    expect(text).toContain('data-action="deny"');
    expect(text).toContain('<html lang="zh-CN">');
  });

  it('honours lang=en', async () => {
    const text = await (await page(sb, `${SSO}?${loginQuery({}, 'sso')}&lang=en`)).text();
    expect(text).toContain('<html lang="en">');
  });

  it('scanning returns with code and state; Cancel with state only', async () => {
    const query = loginQuery({ state: 'qrState1' }, 'sso');
    const scanned = await postForm(sb, `${SSO}/confirm`, withField(query, 'sandbox_member', 'wangwu'));
    expect(scanned.status).toBe(302);
    expect(scanned.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:13000\/api\/wecom\/callback\?authenticator=wecom&code=[^&]+&state=qrState1$/);
    const cancelled = await postForm(sb, `${SSO}/confirm`, withField(query, 'sandbox_action', 'deny'));
    expect(cancelled.headers.get('location')).toBe('http://127.0.0.1:13000/api/wecom/callback?authenticator=wecom&state=qrState1');
  });

  it('refuses an untrusted redirect_uri, a bad state, a missing agentid and another login_type', async () => {
    const cases: [string, string][] = [
      [`${SSO}?${loginQuery({ redirect_uri: 'https://evil.example/cb' }, 'sso')}`, '(50001)'],
      [`${SSO}?${loginQuery({ state: 'a'.repeat(129) }, 'sso')}`, 'state must be a-zA-Z0-9'],
      [`${SSO}?${loginQuery({ agentid: null }, 'sso')}`, 'missing agentid'],
      [`${SSO}?${loginQuery({}, 'sso').toString().replace('CorpApp', 'ServiceApp')}`, 'login_type must be CorpApp'],
    ];
    for (const [path, message] of cases) {
      const response = await page(sb, path);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
  });

  it('refuses a confirm whose redirect_uri was tampered with', async () => {
    const query = loginQuery({ redirect_uri: 'http://evil.example/cb' }, 'sso');
    const response = await postForm(sb, `${SSO}/confirm`, withField(query, 'sandbox_member', 'zhangsan'));
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});

describe('HTML escaping', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox(twoAppConfig());
  });
  afterAll(() => sb.close());

  const base = { appid: 'wwtest0000000002', agentid: '1000011' };

  it('escapes member names, corp names and reflected parameters', async () => {
    const redirect_uri = 'http://127.0.0.1:13000/cb?x="><script>alert(3)</script>';
    for (const path of [`${OAUTH}?${loginQuery({ ...base, redirect_uri }, 'oauth')}`, `${SSO}?${loginQuery({ ...base, redirect_uri }, 'sso')}`]) {
      const text = await (await page(sb, path)).text();
      expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(text).toContain('Test &lt;b&gt;Corp&lt;/b&gt;');
      expect(text).toContain('value="http://127.0.0.1:13000/cb?x=&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
      expect(text).not.toContain('<script');
      expect(text).not.toContain('<b>');
      expect(text).not.toContain('javascript:');
    }
  });
});
