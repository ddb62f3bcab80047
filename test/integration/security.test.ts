// The threats of shared/security.md, one bad input per test: each is refused with a clear WECOM_* error,
// creates no user and no link, issues no token and, where the state or the code is bad on its face,
// costs no call to WeCom.
import { createServer, request, Server } from 'node:http';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addZhangSan, callsDuring, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';
import { Callback, WECOM_UA, WecomUser } from '../helpers/wecom-user';

const SECRET = 'demo-secret-0123456789abcdef';
const OTHER_APP_SECRET = 'other-app-secret-0123456789ab';
const OTHER_CORP_SECRET = 'other-corp-secret-0123456789a';
const LOGIN_COOKIE = 'nocobase_wecom_login';

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/**
 * A WeCom API stand-in in front of the sandbox that remembers every secret value it carries: access
 * tokens and user tickets in WeCom's answers, codes and tokens in the app's requests.
 */
async function recordingProxy() {
  const seen = { accessTokens: new Set<string>(), userTickets: new Set<string>(), codes: new Set<string>() };
  let target = '';
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', target);
    const code = url.searchParams.get('code');
    if (code) seen.codes.add(code);
    let upstream: Response;
    let text: string;
    try {
      upstream = await fetch(url, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      });
      text = await upstream.text();
    } catch (error) {
      res.writeHead(502).end(String(error));
      return;
    }
    try {
      const reply = JSON.parse(text) as Record<string, unknown>;
      if (typeof reply.access_token === 'string') seen.accessTokens.add(reply.access_token);
      if (typeof reply.user_ticket === 'string') seen.userTickets.add(reply.user_ticket);
    } catch {
      // not JSON: nothing to remember
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    forwardTo(url: string) {
      target = url;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What these tests reach inside the plugin: its login states (with their injectable clock). */
interface StateStoreInternals {
  create(...args: unknown[]): Promise<string>;
  now: () => number;
}

/** A 32-character state that looks like ours. */
function randomState(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 32 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

describe('WeCom sign-in security', () => {
  let w: WecomApp;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  /** Every WeCom code and NocoBase session token this file saw: none may reach a log line. */
  const codes = new Set<string>();
  const sessionTokens = new Set<string>();

  const db = () => w.t.app.db;
  const counts = async () => ({
    users: await db().getRepository('users').count(),
    links: await db().getRepository('usersAuthenticators').count(),
  });
  const states = () => (w.t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { signIn: { states: StateStoreInternals } }).signIn.states;

  const browser = (ua?: string) => new WecomUser(w.t.url, ua);
  const track = (cb: Callback): { code: string; state: string } => {
    expect(cb.code).toBeTruthy();
    expect(cb.state).toBeTruthy();
    codes.add(cb.code!);
    return { code: cb.code!, state: cb.state! };
  };
  const qr = async (user: WecomUser, authenticator: string, userid: string, query: Record<string, string> = {}) =>
    track(await user.qrLogin(authenticator, userid, query));
  const inClient = async (user: WecomUser, authenticator: string, userid: string) => track(await user.inClientLogin(authenticator, userid));

  /** The sandbox's QR page for a login this browser started: scanning it twice gives two codes for one state. */
  const startQr = async (user: WecomUser, authenticator: string): Promise<URL> => {
    const res = await user.start({ authenticator });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };
  const scan = async (login: URL, userid: string) => {
    const form = new URLSearchParams(login.searchParams);
    form.set('sandbox_member', userid);
    const res = await fetch(`${login.origin}/wwlogin/sso/login/confirm`, {
      method: 'POST',
      redirect: 'manual',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('location')!);
    return track({ url, code: url.searchParams.get('code'), state: url.searchParams.get('state') });
  };

  /** auth:signIn with a raw body, as an attacker would post it. */
  const postSignIn = (user: WecomUser, authenticator: string, body: string | undefined, contentType = 'application/json') =>
    fetch(`${w.t.url}/api/auth:signIn`, {
      method: 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': contentType }),
        'x-authenticator': authenticator,
        'x-locale': 'en-US',
        cookie: user.app.header(),
      },
      body,
    });

  /** The answer is a clear refusal: 4xx, a WECOM_* code, a message; no token in the body, no auth cookie. */
  const expectRefused = async (res: Response, code: string, status?: number): Promise<Refusal> => {
    const text = await res.text();
    let body: { data?: { token?: string }; errors?: { code?: string; message?: string }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
    }
    if (body.data?.token) sessionTokens.add(body.data.token);
    expect({ status: res.status, code: body.errors?.[0]?.code }).toEqual({ status: status ?? expect.any(Number), code });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body.errors![0].message).toEqual(expect.any(String));
    expect(body.errors![0].message!.trim()).not.toBe('');
    expect(body.data?.token).toBeUndefined();
    expect(text).not.toMatch(/"token"/);
    expect(text).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
    const authCookies = res.headers.getSetCookie().filter((line) => /^nb_auth_token[^=]*=[^;]+/.test(line));
    expect(authCookies).toEqual([]);
    return { status: res.status, code, message: body.errors![0].message! };
  };

  /** A successful sign-in: the token is remembered for the log check. */
  const expectSignedIn = async (res: Response) => {
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    const { data } = JSON.parse(text) as { data: { token: string; redirect: string; user: { id: number; phone?: string } } };
    expect(data.token).toMatch(/^ey/);
    sessionTokens.add(data.token);
    return data;
  };

  beforeAll(async () => {
    proxy = await recordingProxy();
    const config = testConfig();
    const corp = config.corps[0];
    // A second app of the same corp, and a second corp: their codes are worthless to the first app.
    corp.apps.push({ agentId: '1000003', secret: OTHER_APP_SECRET, name: 'Other app', trustedDomains: [] });
    config.corps.push({
      corpId: 'wwother000000002',
      name: 'Other Corp',
      apps: [{ agentId: '1000009', secret: OTHER_CORP_SECRET, name: 'Other corp app', trustedDomains: [] }],
      members: [{ userid: 'zhangsan', name: 'Zhang San (other corp)', mobile: '13800000001' }],
    });
    // twin2: two users will have this phone, one of them with the country code in front (+8613800000077).
    corp.members.push({ userid: 'twin2', name: 'Twin Two', mobile: '13800000077' });
    corp.apps[0].visibleTo = [...(corp.apps[0].visibleTo as string[]), 'twin2'];

    w = await createWecomApp(config, { WECOM_API_BASE_URL: proxy.url });
    proxy.forwardTo(w.sandbox.url);

    const zhang = await addZhangSan(w.admin);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('wecom-b');
    await w.addAuthenticator('signup', { public: { autoSignup: true } });
    await w.addAuthenticator('wecom-off', {}, { enabled: false });
    await w.addAuthenticator('broken', { corpSecret: '' });
    await w.addAuthenticator('other-app', { agentId: '1000003', corpSecret: OTHER_APP_SECRET });
    await w.addAuthenticator('other-corp', { corpId: 'wwother000000002', agentId: '1000009', corpSecret: OTHER_CORP_SECRET });

    // zhangsan is linked to his user (same phone, no root role) by a first in-client login.
    const first = browser(WECOM_UA);
    const linked = await expectSignedIn(await first.signIn('wecom', await inClient(first, 'wecom', 'zhangsan')));
    expect(linked.user.id).toBe(zhang);
  });

  afterAll(async () => {
    await w?.destroy();
    await proxy?.close();
  });

  describe('callback state (no WeCom call)', () => {
    it('refuses a callback without parameters (no body, empty body) with WECOM_BAD_REQUEST and calls nothing', async () => {
      const user = browser();
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, async () => [
        await expectRefused(await postSignIn(user, 'wecom', undefined), 'WECOM_BAD_REQUEST', 400),
        await expectRefused(await postSignIn(user, 'wecom', '{}'), 'WECOM_BAD_REQUEST', 400),
      ]);
      expect(result).toHaveLength(2);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a code without a state with WECOM_STATE_INVALID and calls nothing', async () => {
      const user = browser();
      const { code } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a state posted without the cookie of the browser that started it (replayed elsewhere)', async () => {
      const victim = browser();
      const { code, state } = await qr(victim, 'wecom', 'zhangsan');
      const attacker = browser(); // no cookie at all
      expect(attacker.app.get(LOGIN_COOKIE)).toBeUndefined();
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => attacker.signIn('wecom', { code, state }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a state started by another browser (login CSRF: the attacker has a login cookie of its own)', async () => {
      const attacker = browser();
      const { code, state } = await qr(attacker, 'wecom', 'zhangsan');
      const victim = browser();
      await startQr(victim, 'wecom'); // the victim has its own login cookie
      expect(victim.app.get(LOGIN_COOKIE)).toBeTruthy();
      expect(victim.app.get(LOGIN_COOKIE)).not.toBe(attacker.app.get(LOGIN_COOKIE));
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => victim.signIn('wecom', { code, state }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a state presented more than 10 minutes after the login started (expired)', async () => {
      // We cannot wait 10 minutes: the login states' own clock (injectable, Date.now by default) is moved on.
      const user = browser();
      const started = Date.now();
      const res = await user.start({ authenticator: 'wecom' });
      // The browser forgets the pending login after 10 minutes; the server checks the time sealed in it too.
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${LOGIN_COOKIE}=`))!;
      const expires = Date.parse(/expires=([^;]+)/i.exec(cookie)![1]);
      expect(expires).toBeGreaterThanOrEqual(started + 10 * 60_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
      const { code, state } = await scan(new URL(res.headers.get('location')!), 'zhangsan');

      const before = await counts();
      const realNow = states().now;
      states().now = () => Date.now() + 10 * 60_000 + 1000;
      try {
        const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state }));
        await expectRefused(result, 'WECOM_STATE_INVALID', 400);
        expect(calls).toEqual({});
      } finally {
        states().now = realNow;
      }
      expect(await counts()).toEqual(before);
    });

    it('refuses a state presented a second time after a successful sign-in, even with a fresh code', async () => {
      const user = browser();
      const login = await startQr(user, 'wecom');
      const first = await scan(login, 'zhangsan');
      await expectSignedIn(await user.signIn('wecom', first));
      const second = await scan(login, 'zhangsan'); // WeCom hands out another code for the same state
      expect(second.state).toBe(first.state);
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', second));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a state presented a second time after a sign-in that WeCom refused (bad code)', async () => {
      const user = browser();
      const login = await startQr(user, 'wecom');
      const first = await scan(login, 'zhangsan');
      await expectRefused(await user.signIn('wecom', { code: 'NotACodeWeComIssued0123456789', state: first.state }), 'WECOM_CODE_INVALID', 401);
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', first));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a state presented a second time after a sign-in refused for a malformed code (a state is single use whatever the outcome)', async () => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      await expectRefused(await user.signIn('wecom', { code: '', state }), 'WECOM_BAD_REQUEST', 400);
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    const badStates: [string, (state: string) => string][] = [
      ['129 characters', () => 'a'.repeat(129)],
      ['4 KB', () => 'A'.repeat(4096)],
      ['one character longer than a real state', (s) => `${s}a`],
      ['non-ASCII letters', () => 'é'.repeat(32)],
      ['full-width letters', () => 'Ａ'.repeat(32)],
      ['a real state followed by %00', (s) => `${s}%00`],
      ['a real state followed by NUL', (s) => `${s}\u0000`],
      ['a real state followed by CRLF', (s) => `${s}\r\n`],
      ['a real state followed by LF', (s) => `${s}\n`],
      ['CRLF header injection', (s) => `${s.slice(0, 16)}\r\nSet-Cookie: x=1`],
      ['a real state with a space in it', (s) => `${s.slice(0, 16)} ${s.slice(17)}`],
      ['empty', () => ''],
    ];
    it.each(badStates)('refuses a state that is %s with WECOM_STATE_INVALID and calls nothing', async (_, make) => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state: make(state) }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a burst of 50 callbacks with random valid-looking states, calls nothing, and the real login still works', async () => {
      const user = browser();
      const real = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () =>
        Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            user.signIn('wecom', { code: `RandomCode${i}x${randomState()}`, state: randomState() }).then((res) => expectRefused(res, 'WECOM_STATE_INVALID', 400)),
          ),
        ),
      );
      expect(result).toHaveLength(50);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
      await expectSignedIn(await user.signIn('wecom', real));
    });
  });

  describe('parameters of the wrong type or shape (no WeCom call)', () => {
    const badCodeTypes: [string, unknown][] = [
      ['an array', ['a', 'b']],
      ['an object', { x: 1 }],
      ['null', null],
      ['a number', 12345],
      ['a boolean', true],
    ];
    it.each(badCodeTypes)('refuses a code that is %s with WECOM_BAD_REQUEST', async (_, bad) => {
      const user = browser();
      const { state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code: bad, state }));
      await expectRefused(result, 'WECOM_BAD_REQUEST', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('refuses a real code wrapped in an array with WECOM_BAD_REQUEST', async () => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code: [code, code], state }));
      await expectRefused(result, 'WECOM_BAD_REQUEST', 400);
      expect(calls).toEqual({});
    });

    it.each([
      ['code=a&code=b', (state: string) => `code=a&code=b&state=${state}`],
      ['code[x]=1', (state: string) => `code[x]=1&state=${state}`],
      ['code (no value)', (state: string) => `code&state=${state}`],
    ])('refuses a form-encoded %s with WECOM_BAD_REQUEST', async (_, body) => {
      const user = browser();
      const { state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => postSignIn(user, 'wecom', body(state), 'application/x-www-form-urlencoded'));
      await expectRefused(result, 'WECOM_BAD_REQUEST', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    const badStateTypes: [string, (state: string) => unknown][] = [
      ['an array holding the real state', (s) => [s]],
      ['an object', () => ({ x: 1 })],
      ['null', () => null],
      ['a number', () => 12345678901234567890],
    ];
    it.each(badStateTypes)('refuses a state that is %s with WECOM_STATE_INVALID', async (_, make) => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state: make(state) }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    const badCodes: [string, (code: string) => string][] = [
      ['empty', () => ''],
      ['whitespace', () => '   '],
      ['a tab', () => '\t'],
      ['513 bytes', () => 'a'.repeat(513)],
      ['8 KB', () => 'a'.repeat(8192)],
      ['non-ASCII (300 characters, 600 bytes)', () => 'é'.repeat(300)],
      ['a real code with a control character', (c) => `${c.slice(0, 8)}\u0001${c.slice(8)}`],
      ['a real code with NUL', (c) => `${c}\u0000`],
      ['a real code with DEL', (c) => `${c}\u007f`],
      ['a real code followed by CRLF', (c) => `${c}\r\n`],
      ['a real code preceded by a space', (c) => ` ${c}`],
    ];
    it.each(badCodes)('refuses a code that is %s with WECOM_BAD_REQUEST', async (_, make) => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code: make(code), state }));
      await expectRefused(result, 'WECOM_BAD_REQUEST', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });
  });

  describe('authenticator mix-up', () => {
    it('refuses a state started at authenticator wecom and presented to wecom-b', async () => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom-b', { code, state }));
      await expectRefused(result, 'WECOM_STATE_INVALID', 400);
      expect(calls).toEqual({});
      expect(await counts()).toEqual(before);
    });

    it('does not sign in at wecom-b a member linked at wecom: a QR login there is WECOM_NOT_LINKED', async () => {
      const user = browser();
      const before = await counts();
      const res = await user.signInWithQr('wecom-b', 'zhangsan');
      await expectRefused(res, 'WECOM_NOT_LINKED', 401);
      expect(await counts()).toEqual(before);
    });

    const badNames: [string, string | undefined, string][] = [
      ['an unknown name', 'nope', 'authenticator=nope&error=WECOM_BAD_REQUEST'],
      ['a disabled WeCom authenticator', 'wecom-off', 'authenticator=wecom-off&error=WECOM_BAD_REQUEST'],
      ['a non-WeCom authenticator (basic)', 'basic', 'authenticator=basic&error=WECOM_BAD_REQUEST'],
      ['an empty name', '', 'authenticator=&error=WECOM_BAD_REQUEST'],
      ['no name at all', undefined, 'authenticator=&error=WECOM_BAD_REQUEST'],
      ['a URL as the name', 'https://evil.example', 'authenticator=https%3A%2F%2Fevil.example&error=WECOM_BAD_REQUEST'],
      ['a path as the name', '../wecom', 'authenticator=..%2Fwecom&error=WECOM_BAD_REQUEST'],
      ['an incomplete configuration (no Secret)', 'broken', 'authenticator=broken&error=WECOM_CONFIG'],
    ];
    it.each(badNames)('at the start URL, %s answers 302 to the app own callback page with the error, and starts no login', async (_, name, query) => {
      const user = browser();
      const create = vi.spyOn(states(), 'create');
      const { result: res, calls } = await callsDuring(w.sandbox, () => user.start(name === undefined ? {} : { authenticator: name }));
      const created = create.mock.calls.length;
      create.mockRestore();
      expect(created).toBe(0); // no login state was made
      expect(res.status).toBe(302);
      const location = res.headers.get('location')!;
      expect(location).toBe(`/wecom/callback?${query}`);
      expect(new URL(location, w.t.url).origin).toBe(w.t.url);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.getSetCookie().filter((c) => c.startsWith(`${LOGIN_COOKIE}=`))).toEqual([]);
      expect(calls).toEqual({});
    });
  });

  describe('codes', () => {
    it('refuses a code used twice with WECOM_CODE_INVALID after one WeCom call, no token', async () => {
      const first = browser();
      const { code, state } = await qr(first, 'wecom', 'zhangsan');
      await expectSignedIn(await first.signIn('wecom', { code, state }));
      const second = browser();
      const fresh = await qr(second, 'wecom', 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => second.signIn('wecom', { code, state: fresh.state }));
      await expectRefused(result, 'WECOM_CODE_INVALID', 401);
      expect(calls).toEqual({ 'auth/getuserinfo': 1 });
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['another app of the same corp', 'other-app'],
      ['another corp', 'other-corp'],
    ])('refuses a code issued for %s (40029) with WECOM_CODE_INVALID', async (_, authenticator) => {
      const user = browser();
      const mine = await qr(user, 'wecom', 'zhangsan');
      const theirs = await qr(browser(), authenticator, 'zhangsan');
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code: theirs.code, state: mine.state }));
      await expectRefused(result, 'WECOM_CODE_INVALID', 401);
      expect(calls).toEqual({ 'auth/getuserinfo': 1 });
      expect(await counts()).toEqual(before);
    });

    it('refuses an expired code (older than 5 minutes at WeCom) with WECOM_CODE_INVALID', async () => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan');
      const before = await counts();
      w.sandbox.advanceClock(5 * 60_000 + 1000);
      try {
        const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state }));
        await expectRefused(result, 'WECOM_CODE_INVALID', 401);
        expect(calls).toEqual({ 'auth/getuserinfo': 1 });
      } finally {
        w.sandbox.advanceClock(-(5 * 60_000 + 1000));
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('members', () => {
    it.each([
      ['a non-member (openid only), even with auto sign-up', 'openid:o-outsider-1', 'WECOM_NOT_MEMBER'],
      ['a member outside the app visible range (zhaoliu, 50002)', 'zhaoliu', 'WECOM_NOT_VISIBLE'],
    ])('refuses %s with %s', async (_, who, code) => {
      const user = browser(WECOM_UA);
      const callback = await inClient(user, 'signup', who);
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('signup', { code: callback.code, state: callback.state }));
      await expectRefused(result, code, 403);
      expect(calls).toEqual({ 'auth/getuserinfo': 1 });
      expect(await counts()).toEqual(before);
    });

    it('refuses the QR login of an unlinked member with WECOM_NOT_LINKED, even with auto sign-up', async () => {
      const before = await counts();
      for (const authenticator of ['wecom', 'signup']) {
        const user = browser();
        const { code, state } = await qr(user, authenticator, 'lisi');
        await expectRefused(await user.signIn(authenticator, { code, state }), 'WECOM_NOT_LINKED', 401);
      }
      expect(await counts()).toEqual(before);
    });

    it('refuses the in-client login of a member without a mobile number (wangwu) with WECOM_NO_MOBILE when auto sign-up is off', async () => {
      const user = browser(WECOM_UA);
      const { code, state } = await inClient(user, 'wecom', 'wangwu');
      const before = await counts();
      await expectRefused(await user.signIn('wecom', { code, state }), 'WECOM_NO_MOBILE', 401);
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['full-width digits (＋８６ １３８００００００２１)', 'fullwidth', '13800000021'],
      ['dashes (138-0000-0022)', 'dashed', '13800000022'],
      ['+86 and spaces (+86 138 0000 0023)', 'spaced', '13800000023'],
    ])('links a member whose WeCom mobile has %s to the user with the plain 11 digits', async (_, userid, phone) => {
      const created = await w.admin.post<{ id: number }>('users:create', { nickname: `phone ${phone}`, phone });
      const before = await counts();
      const user = browser(WECOM_UA);
      const data = await expectSignedIn(await user.signIn('wecom', await inClient(user, 'wecom', userid)));
      expect(data.user.id).toBe(created.id);
      expect(await counts()).toEqual({ users: before.users, links: before.links + 1 });
      const link = await db().getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid: userid } });
      expect(link?.get('userId')).toBe(created.id);
    });

    it('refuses to link a member whose phone two users share, written differently (13800000055 and +86 138 0000 0055), with WECOM_PHONE_AMBIGUOUS', async () => {
      await w.admin.post('users:create', { nickname: 'twin plain', phone: '13800000055' });
      await w.admin.post('users:create', { nickname: 'twin formatted', phone: '+86 138 0000 0055' });
      const user = browser(WECOM_UA);
      const { code, state } = await inClient(user, 'wecom', 'twin');
      const before = await counts();
      await expectRefused(await user.signIn('wecom', { code, state }), 'WECOM_PHONE_AMBIGUOUS', 409);
      expect(await counts()).toEqual(before);
    });

    it('refuses to link a member whose phone two users share (13800000077 and +8613800000077) with WECOM_PHONE_AMBIGUOUS', async () => {
      await w.admin.post('users:create', { nickname: 'twin2 plain', phone: '13800000077' });
      await w.admin.post('users:create', { nickname: 'twin2 prefixed', phone: '+8613800000077' });
      const user = browser(WECOM_UA);
      const { code, state } = await inClient(user, 'wecom', 'twin2');
      const before = await counts();
      await expectRefused(await user.signIn('wecom', { code, state }), 'WECOM_PHONE_AMBIGUOUS', 409);
      expect(await counts()).toEqual(before);
    });
  });

  describe('return paths and redirect_uri', () => {
    const offSite: [string, string][] = [
      ['protocol-relative //evil.example', '//evil.example'],
      ['/\\evil.example', '/\\evil.example'],
      ['\\\\evil.example', '\\\\evil.example'],
      ['https://evil.example', 'https://evil.example'],
      ['javascript:alert(1)', 'javascript:alert(1)'],
      ['%2F%2Fevil.example', '%2F%2Fevil.example'],
      ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
      ['/%5Cevil.example', '/%5Cevil.example'],
      ['/<TAB>/evil.example', '/\t/evil.example'],
      ['/\\t/evil.example (backslash t)', '/\\t/evil.example'],
      ['/<LF>/evil.example', '/\n/evil.example'],
      ['/admin/../..//evil.example', '/admin/../..//evil.example'],
      ['https://app@evil.example', 'https://app@evil.example'],
      ['an 8 KB path', `/admin/${'a'.repeat(8192)}`],
      ['an empty path', ''],
    ];
    it.each(offSite)('replaces the return path %s with the default /admin after a QR login', async (_, redirect) => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan', { redirect });
      const data = await expectSignedIn(await user.signIn('wecom', { code, state }));
      expect(data.redirect).toBe('/admin');
    });

    it('keeps a same-origin return path with query and fragment (/admin/settings?x=1#y)', async () => {
      const user = browser();
      const { code, state } = await qr(user, 'wecom', 'zhangsan', { redirect: '/admin/settings?x=1#y' });
      const data = await expectSignedIn(await user.signIn('wecom', { code, state }));
      expect(data.redirect).toBe('/admin/settings?x=1#y');
      expect(data.redirect).not.toContain(data.token);
    });

    /** The start URL sent with a forged Host and X-Forwarded-Host (fetch cannot set Host). */
    const startWithHeaders = (headers: Record<string, string>) =>
      new Promise<{ status: number; location: string }>((resolve, reject) => {
        const { hostname, port } = new URL(w.t.url);
        const req = request({ host: hostname, port, path: '/api/wecom:authorize?authenticator=wecom', method: 'GET', headers }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? '') });
        });
        req.on('error', reject);
        req.end();
      });

    it.each([
      ['a desktop browser', 'Mozilla/5.0'],
      ['the WeCom client', WECOM_UA],
    ])('builds redirect_uri from the configured origin, not from a spoofed Host / X-Forwarded-Host (%s)', async (_, ua) => {
      const spoofs: Record<string, string>[] = [
        { host: 'evil.example' },
        { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        { 'x-forwarded-host': 'evil.example:443' },
      ];
      for (const spoof of spoofs) {
        const { status, location } = await startWithHeaders({ 'user-agent': ua, ...spoof });
        expect(status).toBe(302);
        const wecom = new URL(location);
        expect(wecom.origin).toBe(w.sandbox.url);
        expect(wecom.searchParams.get('redirect_uri')).toBe(`${w.t.url}/wecom/callback?authenticator=wecom`);
        expect(location).not.toContain('evil.example');
      }
    });
  });

  describe('start URL headers and cookie', () => {
    it.each([
      ['a desktop browser (QR page)', undefined, '/wwlogin/sso/login'],
      ['the WeCom client (OAuth page)', WECOM_UA, '/connect/oauth2/authorize'],
    ])('for %s answers no-store, no-referrer, an HttpOnly SameSite=Lax cookie and a 32-character [A-Za-z0-9] state', async (_, ua, path) => {
      const user = browser(ua);
      const create = vi.spyOn(states(), 'create');
      const res = await user.start({ authenticator: 'wecom' });
      const created = create.mock.calls.length;
      create.mockRestore();
      expect(created).toBe(1);
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const cookies = res.headers.getSetCookie().filter((c) => c.startsWith(`${LOGIN_COOKIE}=`));
      expect(cookies).toHaveLength(1);
      const attributes = cookies[0].split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).toContain('httponly');
      expect(attributes).toContain('samesite=lax');
      expect(attributes).toContain('path=/');
      const location = new URL(res.headers.get('location')!);
      expect(location.pathname).toBe(path);
      expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{32}$/);
      // the browser binding is not the state itself
      expect(user.app.get(LOGIN_COOKIE)).not.toBe(location.searchParams.get('state'));
      expect(res.headers.get('location')).not.toContain(SECRET);
    });

    it('gives a new random state to every login, also in one browser', async () => {
      const user = browser();
      const states = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await user.start({ authenticator: 'wecom' });
        states.add(new URL(res.headers.get('location')!).searchParams.get('state')!);
      }
      expect(states.size).toBe(20);
      for (const state of states) expect(state).toMatch(/^[A-Za-z0-9]{32}$/);
    });
  });

  describe('secrets', () => {
    it('shows anonymous visitors of authenticators:publicList no Secret, Company ID or AgentId, only { autoSignup, autoLogin, tooltip }', async () => {
      const res = await fetch(`${w.t.url}/api/authenticators:publicList`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(OTHER_APP_SECRET);
      expect(text).not.toContain(OTHER_CORP_SECRET);
      expect(text).not.toContain('wwdemo0000000001');
      expect(text).not.toContain('1000002');
      const { data } = JSON.parse(text) as { data: { name: string; authType: string; options: unknown }[] };
      const wecom = data.filter((a) => a.authType === 'WeCom');
      expect(wecom.map((a) => a.name).sort()).toEqual(['broken', 'other-app', 'other-corp', 'signup', 'wecom', 'wecom-b']);
      for (const a of wecom) {
        expect(a.options).toEqual({ autoSignup: a.name === 'signup', autoLogin: false, tooltip: '' });
      }
    });

    /** For each value found in the logs: its first characters and the `message` of every line holding it. */
    const leaksIn = (logs: string, values: Iterable<string>) =>
      [...values]
        .filter((value) => value.length >= 8)
        .flatMap((value) => {
          const lines = logs.split('\n').filter((l) => l.includes(value));
          if (!lines.length) return [];
          const messages = new Set(
            lines.map((line) => {
              try {
                return String((JSON.parse(line) as { message?: unknown }).message).split('?')[0];
              } catch {
                return line.slice(0, 80);
              }
            }),
          );
          return [`${value.slice(0, 6)}… in ${[...messages].map((m) => `"${m}"`).join(', ')}`];
        });

    /** The logs once the file transport has flushed (the size no longer grows). */
    const settledLogs = async () => {
      let logs = w.t.logs();
      for (let i = 0; i < 25; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const again = w.t.logs();
        if (again.length === logs.length && i > 1) break;
        logs = again;
      }
      return logs;
    };

    it('wrote the Secret to no log line, admin saves and configuration checks included', async () => {
      // an admin checks a configuration with the Secret typed into the form (its outcome does not matter here)
      const check = await w.admin.post<{ ok: boolean }>('wecom:checkConfig', {
        options: { corpId: 'wwdemo0000000001', agentId: '1000002', corpSecret: SECRET, origin: w.t.url },
      });
      expect(check.ok).toEqual(expect.any(Boolean));
      const logs = await settledLogs();
      expect(logs).toContain('response /api/auth:signIn'); // the logs are there to search
      expect(leaksIn(logs, [SECRET, OTHER_APP_SECRET, OTHER_CORP_SECRET])).toEqual([]);
      expect(logs).not.toMatch(/corpsecret=/);
    });

    it('wrote no WeCom access token and no user ticket to any log line during this file', async () => {
      const logs = await settledLogs();
      expect(proxy.seen.accessTokens.size).toBeGreaterThan(0);
      expect(proxy.seen.userTickets.size).toBeGreaterThan(5);
      expect({ accessTokens: leaksIn(logs, proxy.seen.accessTokens) }).toEqual({ accessTokens: [] });
      expect({ userTickets: leaksIn(logs, proxy.seen.userTickets) }).toEqual({ userTickets: [] });
      expect(logs).not.toMatch(/access_token=/);
      expect(logs).not.toMatch(/user_ticket"?\s*[:=]\s*"?[A-Za-z0-9_-]{8}/);
    });

    it('wrote no NocoBase session token to any log line during this file', async () => {
      const logs = await settledLogs();
      expect(sessionTokens.size).toBeGreaterThan(10);
      expect({ sessionTokens: leaksIn(logs, sessionTokens) }).toEqual({ sessionTokens: [] });
    });

    it('wrote no WeCom code to any log line during this file', async () => {
      const logs = await settledLogs();
      const all = new Set([...codes, ...proxy.seen.codes]);
      expect(all.size).toBeGreaterThan(50);
      const leaked = leaksIn(logs, all);
      expect({ leakedCodes: leaked.length, examples: leaked.slice(0, 3) }).toEqual({ leakedCodes: 0, examples: [] });
    });
  });
});
