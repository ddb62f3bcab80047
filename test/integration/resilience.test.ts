// Upstream faults and concurrency (shared/security.md §7, §8, bad inputs 8 and 13): WeCom busy, broken,
// slow or gone gives a clear WECOM_UNAVAILABLE within a bounded time and never a retry of a single-use
// code; the access token is fetched once and refreshed once; concurrent first logins make one user.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError } from 'sequelize';
import type { Fault } from '../../sandbox';
import { Api } from '../../scripts/nocobase';
import { freePort } from '../../scripts/ports';
import { addZhangSan, callsDuring, createWecomApp, WecomApp } from '../helpers/wecom-app';
import { WECOM_UA, WecomUser } from '../helpers/wecom-user';

/** The plugin's access-token cache (NocoBase cache `auth-wecom-token`). */
interface TokenCache {
  keys(): Promise<string[]>;
  reset(): Promise<void>;
}

async function read(res: Response) {
  const text = await res.text();
  let body: { data?: { token?: string; user?: { id: number } }; errors?: { code?: string; message?: string }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, text, body, setCookies: res.headers.getSetCookie() };
}

/** A clear refusal: the expected WECOM_* code and status, a message, no token, no auth cookie, no stack. */
async function expectRefused(res: Response, code: string, statuses: number[]) {
  const { status, text, body, setCookies } = await read(res);
  expect({ status, code: body.errors?.[0]?.code }).toEqual({ status: expect.any(Number), code });
  expect(statuses).toContain(status);
  expect(body.errors![0].message).toEqual(expect.any(String));
  expect(body.errors![0].message!.trim()).not.toBe('');
  expect(body.data?.token).toBeUndefined();
  expect(text).not.toMatch(/"token"/);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/); // no stack frame
  expect(text).not.toMatch(/node_modules|"stack"|Error: /);
  expect(setCookies.filter((line) => /^nb_auth_token[^=]*=[^;]+/.test(line))).toEqual([]);
  return body.errors![0].message!;
}

async function expectSignedIn(res: Response) {
  const { status, text, body } = await read(res);
  expect(status, text.slice(0, 300)).toBe(200);
  expect(body.data?.token).toMatch(/^ey/);
  return body.data!;
}

type Sequelize = { transaction(...args: unknown[]): Promise<unknown> };
type Transaction = { commit(): Promise<void>; rollback(): Promise<void> };

/**
 * Runs `fn` with the database's transactions taking turns when it is in-memory SQLite. Sequelize gives
 * every transaction of such a database the same connection, so two that overlap break each other (see
 * "NocoBase's own password sign-in cannot overlap another transaction" below); waiting for the previous
 * one to end is what a file database does with its write lock. Nested transactions (savepoints) go through.
 */
async function inTurn<T>(db: { isSqliteMemory(): boolean; sequelize: unknown }, fn: () => Promise<T>): Promise<T> {
  if (!db.isSqliteMemory()) return fn();
  const sequelize = db.sequelize as Sequelize;
  const original = sequelize.transaction;
  let tail = Promise.resolve();
  const turn = async () => {
    let release!: () => void;
    const previous = tail;
    tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  };
  sequelize.transaction = async function (this: Sequelize, ...args: unknown[]) {
    const [options, callback] = typeof args[0] === 'function' ? [undefined, args[0]] : [args[0] as { transaction?: unknown } | undefined, args[1]];
    if (options?.transaction) return original.apply(this, args);
    const release = await turn();
    if (callback) {
      try {
        return await original.call(this, options, callback);
      } finally {
        release();
      }
    }
    let transaction: Transaction;
    try {
      transaction = (await original.call(this, options)) as Transaction;
    } catch (error) {
      release();
      throw error;
    }
    for (const end of ['commit', 'rollback'] as const) {
      const done = transaction[end].bind(transaction);
      transaction[end] = async () => {
        try {
          await done();
        } finally {
          release();
        }
      };
    }
    return transaction;
  };
  try {
    return await fn();
  } finally {
    sequelize.transaction = original;
  }
}

function helpers(get: () => WecomApp) {
  const counts = async () => ({
    users: await get().t.app.db.getRepository('users').count(),
    links: await get().t.app.db.getRepository('usersAuthenticators').count(),
  });
  const tokens = () => (get().t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { services: { tokenCache: TokenCache } }).services.tokenCache;
  return { counts, tokens };
}

describe('WeCom sign-in resilience', () => {
  let w: WecomApp;
  /** The user (no root role) that zhangsan is linked to. */
  let zhang: number;
  const { counts, tokens } = helpers(() => w);

  /** A QR login of zhangsan (linked) up to the callback: the code and state, not posted yet. */
  const qrCallback = async (user = new WecomUser(w.t.url)) => {
    const { code, state } = await user.qrLogin('wecom', 'zhangsan');
    return { user, body: { code, state } };
  };

  beforeAll(async () => {
    // The per-call timeout is set explicitly: these apps share one process and its environment. Long, as
    // the sandbox answers from this busy process too; the timeout itself is tested in the next describe.
    w = await createWecomApp(undefined, { WECOM_TIMEOUT_MS: '30000' });
    zhang = await addZhangSan(w.admin);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('signup', { public: { autoSignup: true } });
    const first = new WecomUser(w.t.url, WECOM_UA);
    await expectSignedIn(await first.signInInClient('wecom', 'zhangsan'));
  });
  afterAll(async () => {
    await w?.destroy();
  });
  beforeEach(async () => {
    // A clean WeCom (no faults, no tokens) and an empty token cache in the app.
    w.sandbox.reset();
    await tokens().reset();
  });

  it('fetches the access token once for 50 parallel QR sign-ins that need it at the same time, and keeps it for the next sign-in', async () => {
    expect(await tokens().keys()).toEqual([]);
    const callbacks = await Promise.all(Array.from({ length: 50 }, () => qrCallback()));
    // A slow gettoken makes the 50 sign-ins wait for the same token. WeCom then refuses each code (40029),
    // so that no sign-in reaches the database: what is proven is the single gettoken, not how many
    // concurrent sign-in transactions the database takes (on SQLite, NocoBase's own sign-in cannot
    // overlap another transaction: see the next test).
    w.sandbox.inject({ endpoint: 'gettoken', delayMs: 1000 });
    w.sandbox.inject({ endpoint: 'auth/getuserinfo', errcode: 40029, times: 50 });
    const { result, calls } = await callsDuring(w.sandbox, () => Promise.all(callbacks.map(({ user, body }) => user.signIn('wecom', body))));
    for (const res of result) await expectRefused(res, 'WECOM_CODE_INVALID', [401]);
    // Had any of them used another or no token, WeCom would have answered 40014/41001 and it would have fetched one.
    expect(calls).toEqual({ gettoken: 1, 'auth/getuserinfo': 50 });
    expect(await tokens().keys()).toHaveLength(1);
    const next = await qrCallback();
    const again = await callsDuring(w.sandbox, () => next.user.signIn('wecom', next.body));
    expect((await expectSignedIn(again.result)).user!.id).toBe(zhang);
    expect(again.calls).toEqual({ 'auth/getuserinfo': 1 });
  });

  it("NocoBase's own password sign-in cannot overlap another transaction on in-memory SQLite (on PostgreSQL it can)", async () => {
    // Why the tests of concurrent sign-ins keep their sign-ins off the database or tolerate this error on
    // SQLite: Sequelize gives every transaction of an in-memory SQLite database the same connection, and
    // every NocoBase sign-in writes its token (issuedTokens) in a transaction. A file database (the demo's)
    // answers SQLITE_BUSY instead. Nothing of this plugin is involved: this is the password sign-in.
    const db = w.t.app.db;
    const held = await db.sequelize.transaction();
    const res = await fetch(`${w.t.url}/api/auth:signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authenticator': 'basic' },
      body: JSON.stringify({ account: 'admin@nocobase.com', password: 'admin123' }),
    });
    const { status, text } = await read(res);
    const commit = await held.commit().then(
      () => 'committed',
      (error: Error) => error.message,
    );
    if (db.isSqliteMemory()) {
      expect({ status, message: JSON.parse(text).errors?.[0]?.message }).toEqual({
        status: 500,
        message: 'SQLITE_ERROR: cannot start a transaction within a transaction',
      });
      expect(commit).toBe('SQLITE_ERROR: cannot commit - no transaction is active');
    } else {
      expect(status).toBe(200);
      expect(commit).toBe('committed');
    }
    // Once the transactions are apart again, the same sign-in works.
    expect((await Api.signIn(w.t.url, 'admin@nocobase.com', 'admin123')).token).toMatch(/^ey/);
  });

  it.each([42001, 40014] as const)(
    'after WeCom invalidates the access token (%d), refreshes it once and retries getuserinfo once, and signs in',
    async (errcode) => {
      const warm = await qrCallback();
      expect((await callsDuring(w.sandbox, () => warm.user.signIn('wecom', warm.body).then(expectSignedIn))).calls).toEqual({
        gettoken: 1,
        'auth/getuserinfo': 1,
      });
      const next = await qrCallback();
      w.sandbox.expireToken(errcode);
      const { result, calls } = await callsDuring(w.sandbox, () => next.user.signIn('wecom', next.body));
      await expectSignedIn(result);
      expect(calls).toEqual({ gettoken: 1, 'auth/getuserinfo': 2 });
      // and the new token serves the next sign-in
      const after = await qrCallback();
      expect((await callsDuring(w.sandbox, () => after.user.signIn('wecom', after.body).then(expectSignedIn))).calls).toEqual({
        'auth/getuserinfo': 1,
      });
    },
  );

  it('fails fast on 45009 (rate limited) at getuserinfo: one call, WECOM_UNAVAILABLE 503, nothing created, the token kept', async () => {
    const { user, body } = await qrCallback();
    const before = await counts();
    w.sandbox.inject({ endpoint: 'auth/getuserinfo', errcode: 45009 });
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', body));
    await expectRefused(result, 'WECOM_UNAVAILABLE', [503]);
    expect(calls).toEqual({ gettoken: 1, 'auth/getuserinfo': 1 });
    expect(await counts()).toEqual(before);
    // the failure was not cached: the next login works, with the token fetched above
    const next = await qrCallback();
    const again = await callsDuring(w.sandbox, () => next.user.signIn('wecom', next.body));
    await expectSignedIn(again.result);
    expect(again.calls).toEqual({ 'auth/getuserinfo': 1 });
  });

  it('fails fast on 45009 (rate limited) at gettoken: one call, WECOM_UNAVAILABLE 503, no token cached, getuserinfo never called', async () => {
    const { user, body } = await qrCallback();
    const before = await counts();
    w.sandbox.inject({ endpoint: 'gettoken', errcode: 45009 });
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', body));
    await expectRefused(result, 'WECOM_UNAVAILABLE', [503]);
    expect(calls).toEqual({ gettoken: 1 });
    expect(await tokens().keys()).toEqual([]);
    expect(await counts()).toEqual(before);
  });

  const faults: [string, Omit<Fault, 'endpoint'>, number[]][] = [
    ['errcode -1 (system busy)', { errcode: -1 }, [503]],
    ['HTTP 500', { status: 500 }, [502]],
    ['HTTP 502 with an HTML page', { status: 502, body: 'html' }, [502]],
    ['an HTML page with HTTP 200', { body: 'html' }, [502]],
    ['truncated JSON', { body: 'malformed' }, [502]],
    ['an empty body', { body: 'empty' }, [502]],
    ['a 10 MB body', { body: 'huge' }, [502]],
    ['a dropped connection', { hangUp: true }, [502]],
  ];
  it.each(faults)('answers WECOM_UNAVAILABLE for %s at getuserinfo, without retrying the code', async (_, fault, statuses) => {
    const { user, body } = await qrCallback();
    const before = await counts();
    w.sandbox.inject({ endpoint: 'auth/getuserinfo', ...fault });
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', body));
    await expectRefused(result, 'WECOM_UNAVAILABLE', statuses);
    expect(calls).toEqual({ gettoken: 1, 'auth/getuserinfo': 1 });
    expect(await counts()).toEqual(before);
  });

  it('words the WECOM_UNAVAILABLE message in the language of the request (zh-CN)', async () => {
    const { user, body } = await qrCallback();
    w.sandbox.inject({ endpoint: 'auth/getuserinfo', errcode: -1 });
    const res = await fetch(`${w.t.url}/api/auth:signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authenticator': 'wecom', 'x-locale': 'zh-CN', cookie: user.app.header() },
      body: JSON.stringify(body),
    });
    const message = await expectRefused(res, 'WECOM_UNAVAILABLE', [503]);
    expect(message).toBe('企业微信繁忙，请稍后再试。');
  });

  it('answers WECOM_UNAVAILABLE when gettoken answers HTML, and caches no token', async () => {
    const { user, body } = await qrCallback();
    w.sandbox.inject({ endpoint: 'gettoken', body: 'html' });
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', body));
    await expectRefused(result, 'WECOM_UNAVAILABLE', [502]);
    expect(calls).toEqual({ gettoken: 1 });
    expect(await tokens().keys()).toEqual([]);
  });

  it('creates no user and no link when WeCom fails during a first sign-up (user/get broken), and the next attempt signs up once', async () => {
    const before = await counts();
    const first = new WecomUser(w.t.url, WECOM_UA);
    const cb = await first.inClientLogin('signup', 'spaced');
    w.sandbox.inject({ endpoint: 'user/get', status: 500 });
    await expectRefused(await first.signIn('signup', { code: cb.code, state: cb.state }), 'WECOM_UNAVAILABLE', [502]);
    expect(await counts()).toEqual(before);

    const second = new WecomUser(w.t.url, WECOM_UA);
    const data = await expectSignedIn(await second.signInInClient('signup', 'spaced'));
    expect(await counts()).toEqual({ users: before.users + 1, links: before.links + 1 });
    const user = await w.t.app.db.getRepository('users').findOne({ filterByTk: data.user!.id });
    expect(user?.get('phone')).toBe('13800000023');
  });

  it('answers a database busy with another writer (SQLite during a contacts sync) with a clear WECOM_UNAVAILABLE, writes nothing, and the next attempt signs up once', async () => {
    const before = await counts();
    // What Sequelize throws for SQLITE_BUSY, from the users collection's own hook: the write is refused.
    const busy = async () => {
      throw new TimeoutError(Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY', sql: 'INSERT INTO `users` …' }));
    };
    w.t.app.db.on('users.beforeCreate', busy);
    try {
      const first = new WecomUser(w.t.url, WECOM_UA);
      const cb = await first.inClientLogin('signup', 'dashed');
      const message = await expectRefused(await first.signIn('signup', { code: cb.code, state: cb.state }), 'WECOM_UNAVAILABLE', [503]);
      expect(message).toBe('NocoBase was busy writing other changes (a contacts sync, for example), so nothing was saved. Please start the WeCom sign-in again in a moment.');
      expect(await counts()).toEqual(before);
      expect(w.t.logs()).toContain('the database was busy, nothing written');
    } finally {
      w.t.app.db.off('users.beforeCreate', busy);
    }
    const second = new WecomUser(w.t.url, WECOM_UA);
    await expectSignedIn(await second.signInInClient('signup', 'dashed'));
    expect(await counts()).toEqual({ users: before.users + 1, links: before.links + 1 });
  });

  it('creates exactly one user and one link for ten concurrent first in-client logins of one member with auto sign-up, all signed in', async () => {
    const before = await counts();
    const callbacks = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const user = new WecomUser(w.t.url, WECOM_UA);
        const { code, state } = await user.inClientLogin('signup', 'lisi');
        return { user, body: { code, state } };
      }),
    );
    // NocoBase's token write of each sign-in is a transaction; on in-memory SQLite they take turns here.
    const responses = await inTurn(w.t.app.db, () => Promise.all(callbacks.map(({ user, body }) => user.signIn('signup', body))));
    const results = await Promise.all(responses.map(read));
    // No 500 and, as the link is re-checked under a lock, no loser either: all ten are signed in.
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const ids = new Set(results.map((r) => r.body.data!.user!.id));
    expect(ids.size).toBe(1);
    expect(await counts()).toEqual({ users: before.users + 1, links: before.links + 1 });
    const links = await w.t.app.db.getRepository('usersAuthenticators').find({ filter: { authenticator: 'signup', uuid: 'lisi' } });
    expect(links).toHaveLength(1);
    const users = await w.t.app.db.getRepository('users').find({ filter: { phone: '13900000002' } });
    expect(users.map((u: { get(key: string): unknown }) => u.get('id'))).toEqual([...ids]);
  });

  it('answers WECOM_CODE_INVALID (40029) for a code already used, without a retry', async () => {
    const first = await qrCallback();
    await expectSignedIn(await first.user.signIn('wecom', first.body));
    const second = await qrCallback();
    const before = await counts();
    const { result, calls } = await callsDuring(w.sandbox, () => second.user.signIn('wecom', { code: first.body.code, state: second.body.state }));
    await expectRefused(result, 'WECOM_CODE_INVALID', [401]);
    expect(calls).toEqual({ 'auth/getuserinfo': 1 });
    expect(await counts()).toEqual(before);
  });

  it('answers WECOM_CODE_INVALID when WeCom says 40029, without a retry', async () => {
    const { user, body } = await qrCallback();
    w.sandbox.inject({ endpoint: 'auth/getuserinfo', errcode: 40029 });
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', body));
    await expectRefused(result, 'WECOM_CODE_INVALID', [401]);
    expect(calls).toEqual({ gettoken: 1, 'auth/getuserinfo': 1 });
  });
});

describe('WeCom sign-in resilience: a reply slower than the per-call timeout', () => {
  let w: WecomApp;
  const { counts, tokens } = helpers(() => w);
  beforeAll(async () => {
    // 3 s: long enough for the calls that are not held back to answer on a loaded machine.
    w = await createWecomApp(undefined, { WECOM_TIMEOUT_MS: '3000' });
    await w.addAuthenticator('wecom');
  });
  beforeEach(async () => {
    w.sandbox.reset();
    await tokens().reset();
  });
  afterAll(async () => {
    await w?.destroy();
  });

  // The reply comes 20 s late: a sign-in that waited for it would succeed; a 504 refusal before that is
  // the 3 s timeout at work, however busy the machine is.
  it.each(['auth/getuserinfo', 'gettoken'])('answers WECOM_UNAVAILABLE (504) when %s answers 20 s late (timeout 3 s), without waiting for it or retrying', async (endpoint) => {
    const user = new WecomUser(w.t.url);
    const { code, state } = await user.qrLogin('wecom', 'lisi');
    const before = await counts();
    w.sandbox.inject({ endpoint, delayMs: 20_000 });
    const started = Date.now();
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state }));
    await expectRefused(result, 'WECOM_UNAVAILABLE', [504]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(calls[endpoint]).toBe(1);
    expect(calls['auth/getuserinfo'] ?? 0).toBeLessThanOrEqual(1);
    expect(await counts()).toEqual(before);
  });
});

describe('WeCom sign-in resilience: WeCom unreachable (connection refused)', () => {
  let w: WecomApp;
  const { counts } = helpers(() => w);
  beforeAll(async () => {
    // The login pages are the sandbox's; the server API is a port nobody listens on.
    w = await createWecomApp(undefined, { WECOM_TIMEOUT_MS: '5000', WECOM_API_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    await w.addAuthenticator('wecom');
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('answers WECOM_UNAVAILABLE (502, not a timeout) when the WeCom API refuses connections', async () => {
    const user = new WecomUser(w.t.url);
    const { code, state } = await user.qrLogin('wecom', 'lisi');
    const before = await counts();
    const { result, calls } = await callsDuring(w.sandbox, () => user.signIn('wecom', { code, state }));
    await expectRefused(result, 'WECOM_UNAVAILABLE', [502]);
    expect(calls).toEqual({});
    expect(await counts()).toEqual(before);
  });
});
