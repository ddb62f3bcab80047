// The login state lives in the browser that started the login (a sealed cookie), and the server writes a
// record only when a state is used: no number of other starts can push a pending login out, and the
// server's memory does not grow with them. The public start URL is rate-limited per client address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addZhangSan, callsDuring, createWecomApp, WecomApp } from '../helpers/wecom-app';
import { WecomUser } from '../helpers/wecom-user';

const LOGIN_COOKIE = 'nocobase_wecom_login';
/** Starts per minute per client in this file's app (WECOM_START_RATE_LIMIT). */
const LIMIT = 30;
/** The zh-CN refusal of a sign-in at an authenticator that does not exist or is disabled. */
const ZH_UNKNOWN = '该企业微信登录方式不存在或已停用。';

interface PluginInternals {
  startLimiter: { now: () => number; size: number };
  stateCache: { keys(): Promise<string[]> };
}

describe('login state and the start URL', () => {
  let w: WecomApp;
  /** The user (no root role) that zhangsan is linked to. */
  let zhang: number;
  const plugin = () => (w.t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { signIn: PluginInternals }).signIn;
  /** What the server keeps about logins: the keys of the plugin's state cache. */
  const stateRecords = () => plugin().stateCache.keys();
  let clientNumber = 0;
  /** A client address of its own (the test talks to the app as a reverse proxy on this host would). */
  const newClient = () => {
    clientNumber++;
    return `198.51.${Math.floor(clientNumber / 250)}.${clientNumber % 250}`;
  };

  /** GET the start URL as a browser at `client` would; the answer's cookies go into `user`'s jar. */
  const start = async (user: WecomUser, query: Record<string, string>, headers: Record<string, string> = {}, client = newClient()) => {
    const res = await fetch(`${w.t.url}/api/wecom:authorize?${new URLSearchParams(query)}`, {
      redirect: 'manual',
      headers: { 'user-agent': user.userAgent, cookie: user.app.header(), 'x-forwarded-for': client, ...headers },
    });
    user.app.store(res);
    return res;
  };

  /** Scans the sandbox's QR page the start answered with, as `userid`: WeCom sends back code and state. */
  const scan = async (started: Response, userid = 'zhangsan') => {
    expect(started.status).toBe(302);
    return scanAt(new URL(started.headers.get('location')!), userid);
  };
  const scanAt = async (login: URL, userid = 'zhangsan') => {
    const form = new URLSearchParams(login.searchParams);
    form.set('sandbox_member', userid);
    const res = await fetch(`${login.origin}/wwlogin/sso/login/confirm`, {
      method: 'POST',
      redirect: 'manual',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const back = new URL(res.headers.get('location')!);
    return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')! };
  };

  const signedIn = async (res: Response) => {
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    return (JSON.parse(text) as { data: { user: { id: number } } }).data.user.id;
  };
  const refused = async (res: Response) => {
    const text = await res.text();
    return { status: res.status, code: (JSON.parse(text) as { errors?: { code?: string }[] }).errors?.[0]?.code };
  };

  beforeAll(async () => {
    // Two trusted proxy hops: the test talks to the app from this host (the inner proxy, such as the nginx of
    // NocoBase's Docker image) and writes the outer proxy's X-Forwarded-For entries itself.
    w = await createWecomApp(undefined, { WECOM_START_RATE_LIMIT: String(LIMIT), WECOM_TRUSTED_PROXY_HOPS: '2' });
    zhang = await addZhangSan(w.admin);
    // Created first: once `basic` is disabled (last test), NocoBase's fallback for an unknown name is this one.
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('wecom-b');
    await w.addAuthenticator('wecom-off', {}, { enabled: false });
    // zhangsan is linked to his user by a first in-client login.
    const first = new WecomUser(w.t.url, 'Mozilla/5.0 wxwork/4.1.22 MicroMessenger/7.0.1');
    expect(await signedIn(await first.signInInClient('wecom', 'zhangsan'))).toBe(zhang);
  });

  afterAll(async () => {
    await w?.destroy();
  });

  it('finishes a pending login after 3,000 anonymous starts, and keeps no record of any of them', async () => {
    const person = new WecomUser(w.t.url);
    const pending = await scan(await start(person, { authenticator: 'wecom' }));
    const recordsBefore = (await stateRecords()).length;

    // 3,000 starts without a cookie, 30 at a time, each from an address of its own (a distributed flood
    // that the per-client limit does not stop).
    const floodStart = async (): Promise<number> => {
      const client = newClient();
      // On a loaded machine a kept-alive connection can close under a request: that is not what is tested here.
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, client);
          await res.arrayBuffer();
          return res.status;
        } catch (error) {
          if (attempt === 3 || !(error instanceof TypeError)) throw error;
        }
      }
    };
    const statuses: number[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const answers = await Promise.all(Array.from({ length: 30 }, () => floodStart()));
      statuses.push(...answers);
    }
    expect(statuses.filter((status) => status !== 302)).toEqual([]);
    // Nothing per start on the server: the state cache did not grow.
    expect((await stateRecords()).length).toBe(recordsBefore);
    // The limiter remembers each of these clients, up to its bound.
    expect(plugin().startLimiter.size).toBeGreaterThanOrEqual(3000);
    expect(plugin().startLimiter.size).toBeLessThanOrEqual(10_000);

    expect(await signedIn(await person.signIn('wecom', pending))).toBe(zhang);
    // The one record is written when the state is used.
    expect((await stateRecords()).length).toBe(recordsBefore + 1);
  }, 300_000);

  it('finishes the logins of two tabs of one browser, in either order', async () => {
    const person = new WecomUser(w.t.url);
    const first = await scan(await start(person, { authenticator: 'wecom' }));
    const second = await scan(await start(person, { authenticator: 'wecom' }));
    const third = await scan(await start(person, { authenticator: 'wecom' }));
    expect(await signedIn(await person.signIn('wecom', second))).toBe(zhang);
    expect(await signedIn(await person.signIn('wecom', first))).toBe(zhang);
    expect(await signedIn(await person.signIn('wecom', third))).toBe(zhang);
    // Every pending login is finished: the browser's login cookie is cleared.
    expect(person.app.get(LOGIN_COOKIE)).toBe('');
  });

  it('keeps the 5 newest pending logins of one browser: the 6th start drops the oldest', async () => {
    const person = new WecomUser(w.t.url);
    const logins: { code: string; state: string }[] = [];
    for (let i = 0; i < 6; i++) logins.push(await scan(await start(person, { authenticator: 'wecom' })));
    const { result, calls } = await callsDuring(w.sandbox, () => person.signIn('wecom', logins[0]));
    expect(await refused(result)).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
    expect(calls).toEqual({});
    for (const login of logins.slice(1)) expect(await signedIn(await person.signIn('wecom', login))).toBe(zhang);
  });

  it('refuses a state replayed with the cookie the browser had before using it (the server remembers it was used)', async () => {
    const person = new WecomUser(w.t.url);
    const started = await start(person, { authenticator: 'wecom' });
    const cookieBefore = person.app.get(LOGIN_COOKIE)!;
    const login = new URL(started.headers.get('location')!);
    const first = await scan(started);
    expect(await signedIn(await person.signIn('wecom', first))).toBe(zhang);
    // WeCom gives another code for the same state; the old cookie, kept aside, still holds the state.
    const replay = await scanAt(login);
    expect(replay.state).toBe(first.state);
    const attacker = new WecomUser(w.t.url);
    attacker.app.set(LOGIN_COOKIE, cookieBefore);
    const { result, calls } = await callsDuring(w.sandbox, () => attacker.signIn('wecom', replay));
    expect(await refused(result)).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
    expect(calls).toEqual({});
  });

  it('refuses a state whose login cookie was changed by one character', async () => {
    const person = new WecomUser(w.t.url);
    const login = await scan(await start(person, { authenticator: 'wecom' }));
    const cookie = person.app.get(LOGIN_COOKIE)!;
    const at = Math.floor(cookie.length / 2);
    person.app.set(LOGIN_COOKIE, `${cookie.slice(0, at)}${cookie[at] === 'A' ? 'B' : 'A'}${cookie.slice(at + 1)}`);
    const { result, calls } = await callsDuring(w.sandbox, () => person.signIn('wecom', login));
    expect(await refused(result)).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
    expect(calls).toEqual({});
  });

  it('refuses at wecom-b a state started at wecom, and the state cannot then be used at wecom either', async () => {
    const person = new WecomUser(w.t.url);
    const login = await scan(await start(person, { authenticator: 'wecom' }));
    const cookie = person.app.get(LOGIN_COOKIE)!;
    expect(await refused(await person.signIn('wecom-b', login))).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
    person.app.set(LOGIN_COOKIE, cookie);
    expect(await refused(await person.signIn('wecom', login))).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
  });

  describe('rate limit on the start URL (30 per minute per client)', () => {
    let realNow: () => number;
    let now = 0;
    beforeAll(() => {
      realNow = plugin().startLimiter.now;
      now = Date.now();
      plugin().startLimiter.now = () => now; // the test does not depend on how fast the machine is
    });
    afterAll(() => {
      plugin().startLimiter.now = realNow;
    });

    it('answers the 31st start of one client within a minute with 429, Retry-After and a page in zh-CN, and starts no login', async () => {
      const client = newClient();
      for (let i = 0; i < LIMIT; i++) expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, client)).status).toBe(302);
      const person = new WecomUser(w.t.url);
      const res = await start(person, { authenticator: 'wecom', locale: 'zh-CN' }, { 'accept-language': 'en-US' }, client);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${LOGIN_COOKIE}=`))).toEqual([]);
      const page = await res.text();
      expect(page).toContain('<html lang="zh-CN">');
      expect(page).toContain('<title>登录尝试过多</title>');
      expect(page).toContain('从您的网络发起的企业微信登录过多。请等待 2 秒后再试。');
      expect(page).toContain('<a href="/api/wecom:authorize?authenticator=wecom&#38;locale=zh-CN">重试</a>');
      // Another client is not affected; this one may start again once the wait is over.
      expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' })).status).toBe(302);
      now += 2000;
      expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, client)).status).toBe(302);
    });

    it('counts a client behind two proxies (WECOM_TRUSTED_PROXY_HOPS=2) by its own address: what it writes in X-Forwarded-For changes nothing, another client is not blocked, an outer proxy on 100.64.0.0/10 is a proxy', async () => {
      const alice = '203.0.113.71';
      const bob = '203.0.113.72';
      // Alice rotates the entries she sends; the outer proxy (172.18.0.5) appends her address.
      for (let i = 0; i < LIMIT; i++) {
        const res = await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, `198.18.${i}.9, 192.0.2.${i}, ${alice}, 172.18.0.5`);
        expect(res.status).toBe(302);
      }
      // Through a load balancer on a shared (CGNAT) address she is still Alice.
      expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, `198.18.99.9, ${alice}, 100.100.7.8`)).status).toBe(429);
      expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, `${alice}, 172.18.0.5`)).status).toBe(429);
      // Bob comes through the same two proxies: his own bucket.
      expect((await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, `${bob}, 172.18.0.5`)).status).toBe(302);
    });

    it.each([
      ['the browser language (Accept-Language ja-JP)', {}, { 'accept-language': 'ja-JP,ja;q=0.9' }, 'ja-JP', 'サインインの試行が多すぎます'],
      ['English for a language the plugin does not speak (de-DE)', {}, { 'accept-language': 'de-DE' }, 'en-US', 'Too many sign-in attempts'],
    ])('words the 429 page in %s', async (_, query, headers, lang, title) => {
      const client = newClient();
      for (let i = 0; i < LIMIT; i++) await start(new WecomUser(w.t.url), { authenticator: 'wecom' }, {}, client);
      const res = await start(new WecomUser(w.t.url), { authenticator: 'wecom', ...query }, headers, client);
      expect(res.status).toBe(429);
      const page = await res.text();
      expect(page).toContain(`<html lang="${lang}">`);
      expect(page).toContain(`<title>${title}</title>`);
    });
  });

  describe('language of the WeCom web login page', () => {
    const langOf = async (query: Record<string, string>, headers: Record<string, string>) => {
      const res = await start(new WecomUser(w.t.url), { authenticator: 'wecom', ...query }, headers);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      const page = await (await fetch(location)).text();
      return { lang: location.searchParams.get('lang'), html: /<html lang="([^"]+)">/.exec(page)?.[1] };
    };

    it.each([
      ['the NocoBase UI language (locale=en-US) over a Chinese browser', { locale: 'en-US' }, { 'accept-language': 'zh-CN,zh;q=0.9' }, 'en', 'en'],
      ['the NocoBase UI language (locale=zh-CN) over an English browser and X-Locale', { locale: 'zh-CN' }, { 'x-locale': 'en-US', 'accept-language': 'en-US' }, 'zh', 'zh-CN'],
      ['X-Locale when no locale is given', {}, { 'x-locale': 'en-US', 'accept-language': 'zh-CN' }, 'en', 'en'],
      ['the browser language when neither is given', {}, { 'accept-language': 'zh-TW,zh;q=0.9,en;q=0.5' }, 'zh', 'zh-CN'],
      ['the browser language when locale is not a language tag', { locale: '"><script>' }, { 'accept-language': 'zh-CN' }, 'zh', 'zh-CN'],
      ['English for any other language (locale=ja-JP)', { locale: 'ja-JP' }, { 'accept-language': 'zh-CN' }, 'en', 'en'],
    ])('follows %s', async (_, query, headers, lang, html) => {
      expect(await langOf(query, headers)).toEqual({ lang, html });
    });
  });

  // Last: it disables `basic`.
  describe('authenticator name at the start URL when NocoBase falls back to a WeCom authenticator', () => {
    beforeAll(async () => {
      await w.t.app.db.getRepository('authenticators').update({ filter: { name: 'basic' }, values: { enabled: false } });
    });

    it.each([
      ['an unknown name', 'nope'],
      ['a disabled WeCom authenticator', 'wecom-off'],
    ])('refuses %s even though NocoBase answers it with the WeCom authenticator wecom', async (_, name) => {
      // The precondition that makes this test meaningful: NocoBase's fallback is a WeCom authenticator.
      const fallback = (await w.t.app.authManager.get(name, { app: w.t.app, db: w.t.app.db } as never)) as unknown as { authenticator: { name: string; authType: string } };
      expect({ name: fallback.authenticator.name, authType: fallback.authenticator.authType }).toEqual({ name: 'wecom', authType: 'WeCom' });
      const person = new WecomUser(w.t.url);
      const { result: res, calls } = await callsDuring(w.sandbox, () => start(person, { authenticator: name }));
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/wecom/callback?authenticator=${name}&error=WECOM_BAD_REQUEST`);
      expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${LOGIN_COOKIE}=`))).toEqual([]);
      expect(calls).toEqual({});
    });

    it.each([
      ['an unknown name', 'nope'],
      ['a disabled WeCom authenticator', 'wecom-off'],
    ])('refuses auth:signIn naming %s, before the state is used: the login then finishes at wecom', async (_, name) => {
      const person = new WecomUser(w.t.url);
      const login = await scan(await start(person, { authenticator: 'wecom' }));
      const { result, calls } = await callsDuring(w.sandbox, () => person.signIn(name, login));
      const text = await result.text();
      expect({ status: result.status, body: JSON.parse(text) }).toEqual({
        status: 400,
        body: { errors: [{ message: 'This WeCom sign-in method does not exist or is disabled.', code: 'WECOM_BAD_REQUEST' }] },
      });
      expect(calls).toEqual({});
      expect(await signedIn(await person.signIn('wecom', login))).toBe(zhang);
    });

    it('words the refusal of an unknown authenticator at auth:signIn in the request language (zh-CN)', async () => {
      const person = new WecomUser(w.t.url);
      const login = await scan(await start(person, { authenticator: 'wecom' }));
      const res = await fetch(`${w.t.url}/api/auth:signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-authenticator': 'nope', 'x-locale': 'zh-CN', cookie: person.app.header() },
        body: JSON.stringify(login),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0].message).toBe(ZH_UNKNOWN);
    });
  });
});
