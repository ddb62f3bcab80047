// Two NocoBase instances on one PostgreSQL and one Redis (NocoBase's cluster settings only): a pending login
// lives in the browser's sealed cookie, which both instances open (same APP_KEY); the record of a used
// state and the WeCom access token are shared through NocoBase's cache on Redis; PostgreSQL decides
// concurrent first logins; a Redis outage gives a clear error and heals by itself.
//
// What the design proves about gettoken: NocoBase 2.2's open-source lock manager has only the in-process
// `local` adapter (node_modules/@nocobase/lock-manager; no Redis lock adapter ships), so the plugin's
// single flight holds per instance. A cold or invalidated token costs at most one gettoken per instance
// (2 here); WeCom hands out the same token while it is valid, so the instances agree on it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addZhangSan, callsDuring } from '../helpers/wecom-app';
import { WECOM_UA } from '../helpers/wecom-user';
import { addAuthenticator, Cluster, ClusterUser, LOG_DIR, mapLimit, readJson, startCluster } from './cluster';

const INSTANCES = 2;

describe('WeCom sign-in on a two-instance cluster (PostgreSQL + Redis)', () => {
  let c: Cluster;
  /** The user (no root role) zhangsan is linked to. */
  let zhang = 0;
  const url = (i: number) => (i % 2 === 0 ? c.a.url : c.b.url);
  const counts = () => ({
    users: Number(c.sql('SELECT count(*) FROM users')),
    links: Number(c.sql('SELECT count(*) FROM "usersAuthenticators"')),
  });
  const tokenKeys = () => c.redisKeys('*auth-wecom:token*');

  /** A QR login of zhangsan (linked) started on instance `from`, up to the callback. */
  const qrCallback = async (from: string, authenticator = 'wecom', userid = 'zhangsan') => {
    const user = new ClusterUser(from);
    const { code, state } = await user.qrLogin(authenticator, userid);
    return { user, body: { code, state } };
  };

  const expectSignedIn = async (res: Response) => {
    const { status, text, body } = await readJson(res);
    expect(status, text.slice(0, 300)).toBe(200);
    expect(body.data?.token).toMatch(/^ey/);
    return body.data!;
  };

  /** The session token works on `instanceUrl`: auth:check answers its user. */
  const checkOn = async (instanceUrl: string, token: string, authenticator: string) => {
    const res = await fetch(`${instanceUrl}/api/auth:check`, { headers: { authorization: `Bearer ${token}`, 'x-authenticator': authenticator } });
    const { body } = await readJson(res);
    return (body.data as { id?: number } | undefined)?.id;
  };

  beforeAll(async () => {
    c = await startCluster(async (admin, origin) => {
      zhang = await addZhangSan(admin);
      await addAuthenticator(admin, origin, 'wecom');
      await addAuthenticator(admin, origin, 'signup', { autoSignup: true });
    });
    // zhangsan's first login (in the WeCom client) links him to his user (same phone, no root role).
    const first = new ClusterUser(c.a.url, WECOM_UA);
    const { code, state } = await first.inClientLogin('wecom', 'zhangsan');
    await expectSignedIn(await first.signInAt(c.a.url, 'wecom', { code, state }));
  });
  afterAll(async () => {
    await c?.destroy();
  });
  beforeEach(() => {
    c.sandbox.reset();
  });

  it('finishes on B a login started on A (and the other way round): the pending login lives in the browser, Redis only learns it was used', async () => {
    for (const [from, to] of [
      [c.a.url, c.b.url],
      [c.b.url, c.a.url],
    ]) {
      const before = c.redisKeys('*auth-wecom:state*').length;
      const { user, body } = await qrCallback(from);
      // Started, not finished: nothing in Redis; B opens the cookie A sealed (same APP_KEY).
      expect(c.redisKeys('*auth-wecom:state*')).toHaveLength(before);
      const data = await expectSignedIn(await user.signInAt(to, 'wecom', body));
      expect(data.user?.id).toBe(zhang);
      expect(await checkOn(c.a.url, data.token!, 'wecom')).toBe(zhang);
      expect(await checkOn(c.b.url, data.token!, 'wecom')).toBe(zhang);
      // One record per used state, kept no longer than the state would have lived.
      const keys = c.redisKeys('*auth-wecom:state*');
      expect(keys).toHaveLength(before + 1);
      for (const key of keys) expect(c.redisTtl(key)).toBeLessThanOrEqual(11 * 60);
    }
  });

  it('keeps nothing in Redis for 600 anonymous starts over both instances, and a login started before them finishes', async () => {
    const { user, body } = await qrCallback(c.a.url);
    const before = c.redisKeys('*auth-wecom:state*').length;
    const statuses = await mapLimit(Array.from({ length: 600 }, (_, i) => i), 20, async (i) => {
      // Each from an address of its own (the instances trust X-Forwarded-For from this host, as from a proxy).
      const res = await fetch(`${url(i)}/api/wecom:authorize?authenticator=wecom`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': `198.51.${i >> 8}.${i & 255}` },
      });
      await res.arrayBuffer();
      return res.status;
    });
    expect(statuses.filter((status) => status !== 302)).toEqual([]);
    expect(c.redisKeys('*auth-wecom:state*')).toHaveLength(before);
    await expectSignedIn(await user.signInAt(c.b.url, 'wecom', body));
  });

  it('refuses on B a state already consumed on A, without calling WeCom', async () => {
    const { user, body } = await qrCallback(c.a.url);
    await expectSignedIn(await user.signInAt(c.a.url, 'wecom', body));
    const { result, calls } = await callsDuring(c.sandbox, () => user.signInAt(c.b.url, 'wecom', body));
    const { status, body: json } = await readJson(result);
    expect({ status, code: json.errors?.[0]?.code }).toEqual({ status: 400, code: 'WECOM_STATE_INVALID' });
    expect(json.data?.token).toBeUndefined();
    expect(calls).toEqual({});
  });

  it('signs in at most once when one callback is posted to A and B at the same time', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { user, body } = await qrCallback(url(i));
      const results = await Promise.all([c.a.url, c.b.url].map(async (to) => readJson(await user.signInAt(to, 'wecom', body))));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      const refused = results.filter((r) => r.status !== 200).map((r) => r.body.errors?.[0]?.code ?? `HTTP ${r.status}`);
      // SET NX on Redis: exactly one instance gets the state, the other never calls WeCom.
      expect(refused[0]).toBe('WECOM_STATE_INVALID');
      outcomes.push(refused[0]);
    }
    expect(outcomes).toHaveLength(10);
  });

  it(`fetches the access token at most once per instance (${INSTANCES}) for 200 concurrent sign-ins over both instances from an empty cache`, async () => {
    const callbacks = await mapLimit(Array.from({ length: 200 }, (_, i) => i), 20, (i) => qrCallback(url(i)));
    c.redisDel('*auth-wecom:token*');
    expect(tokenKeys()).toEqual([]);
    // A slow gettoken makes every sign-in wait for the token at the same time, on both instances.
    c.sandbox.inject({ endpoint: 'gettoken', delayMs: 500, times: 10 });
    const { result, calls } = await callsDuring(c.sandbox, () =>
      Promise.all(callbacks.map(({ user, body }, i) => user.signInAt(url(i >> 1), 'wecom', body).then(readJson))),
    );
    const statuses = result.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200), result.find((r) => r.status !== 200)?.text.slice(0, 300)).toEqual([]);
    expect(new Set(result.map((r) => r.body.data?.user?.id))).toEqual(new Set([zhang]));
    expect(calls['auth/getuserinfo']).toBe(200);
    expect(calls.gettoken).toBeGreaterThanOrEqual(1);
    expect(calls.gettoken).toBeLessThanOrEqual(INSTANCES);
    expect(tokenKeys()).toHaveLength(1);
  });

  it(`refreshes a token WeCom expired early (42001) at most once per instance (${INSTANCES}), with every sign-in succeeding`, async () => {
    const warm = await qrCallback(c.a.url);
    await expectSignedIn(await warm.user.signInAt(c.b.url, 'wecom', warm.body));
    expect(tokenKeys()).toHaveLength(1);
    const callbacks = await mapLimit(Array.from({ length: 40 }, (_, i) => i), 20, (i) => qrCallback(url(i)));
    c.sandbox.expireToken(42001);
    c.sandbox.inject({ endpoint: 'gettoken', delayMs: 300, times: 10 });
    const { result, calls } = await callsDuring(c.sandbox, () =>
      Promise.all(callbacks.map(({ user, body }, i) => user.signInAt(url(i >> 1), 'wecom', body).then(readJson))),
    );
    expect(result.filter((r) => r.status !== 200).map((r) => r.text.slice(0, 200))).toEqual([]);
    expect(calls.gettoken).toBeGreaterThanOrEqual(1);
    expect(calls.gettoken).toBeLessThanOrEqual(INSTANCES);
    // each sign-in called getuserinfo once, plus exactly one retry for those that met the expired token
    expect(calls['auth/getuserinfo']).toBeGreaterThanOrEqual(41);
    expect(calls['auth/getuserinfo']).toBeLessThanOrEqual(80);
    // the refreshed token serves both instances
    for (const to of [c.a.url, c.b.url]) {
      const next = await qrCallback(to);
      const again = await callsDuring(c.sandbox, () => next.user.signInAt(to, 'wecom', next.body).then(expectSignedIn));
      expect(again.calls).toEqual({ 'auth/getuserinfo': 1 });
    }
  });

  it('creates one user and one link for 10 concurrent first logins of one member over both instances', async () => {
    const before = counts();
    const callbacks = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const user = new ClusterUser(url(i), WECOM_UA);
        const { code, state } = await user.inClientLogin('signup', 'lisi');
        return { user, body: { code, state } };
      }),
    );
    const results = await Promise.all(callbacks.map(({ user, body }, i) => user.signInAt(url(i >> 1), 'signup', body).then(readJson)));
    expect(results.map((r) => r.status), results.find((r) => r.status !== 200)?.text.slice(0, 300)).toEqual(Array(10).fill(200));
    const ids = new Set(results.map((r) => r.body.data?.user?.id));
    expect(ids.size).toBe(1);
    expect(counts()).toEqual({ users: before.users + 1, links: before.links + 1 });
    expect(c.sql(`SELECT count(*) FROM "usersAuthenticators" WHERE authenticator = 'signup' AND uuid = 'lisi'`)).toBe('1');
    expect(c.sql(`SELECT id FROM users WHERE phone = '13900000002'`)).toBe(String([...ids][0]));
  });

  // Last: when it fails, it leaves the cluster broken.
  it('fails sign-ins with a clear error while Redis is down (starts still work) and recovers by itself when it is back', async () => {
    // A login started before the outage, to be finished while Redis is down.
    const pending = await qrCallback(c.a.url);
    await c.redis.stop();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const instance of [c.a, c.b]) {
        expect(instance.process.exitCode, `${instance.url} exited when Redis went away; see ${LOG_DIR}`).toBeNull();
        // Starting a login needs no Redis: the pending login lives in the browser's cookie.
        const start = await fetch(`${instance.url}/api/wecom:authorize?authenticator=wecom`, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
        expect(start.status).toBe(302);
        expect(start.headers.get('location')).toMatch(new RegExp(`^${c.sandbox.url}/`));
        // Finishing one: 503 with a message, no 500, no hang.
        const finished = Date.now();
        const { status, body } = await readJson(await pending.user.signInAt(instance.url, 'wecom', pending.body));
        expect(Date.now() - finished).toBeLessThan(5_000);
        expect({ status, code: body.errors?.[0]?.code }).toEqual({ status: 503, code: 'WECOM_UNAVAILABLE' });
        expect(body.errors?.[0]?.message).toEqual(expect.any(String));
      }
    } finally {
      await c.redis.start();
    }
    // No restart of the instances: their Redis clients reconnect (with a back-off, so the first seconds
    // may still be refused). Logins started meanwhile finish; the token is fetched again.
    for (const instance of [c.a, c.b]) await untilSignInsWork(instance.url, 15_000);
    // The login started before the outage was never used (no record, no WeCom call): it finishes now.
    await expectSignedIn(await pending.user.signInAt(c.b.url, 'wecom', pending.body));
    for (const [from, to] of [
      [c.a.url, c.b.url],
      [c.b.url, c.a.url],
    ]) {
      const { user, body } = await qrCallback(from);
      await expectSignedIn(await user.signInAt(to, 'wecom', body));
    }
  });
});

/** Waits until `url` finishes WeCom logins again (a whole QR login signs in instead of answering 503). */
async function untilSignInsWork(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const user = new ClusterUser(url);
    const { code, state } = await user.qrLogin('wecom', 'zhangsan');
    const res = await user.signInAt(url, 'wecom', { code, state });
    await res.arrayBuffer();
    if (res.status === 200) return;
    if (res.status !== 503 || Date.now() > deadline) throw new Error(`${url} still refuses WeCom sign-ins (HTTP ${res.status}) after Redis came back`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
