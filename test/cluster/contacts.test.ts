// Contacts sync on a two-instance cluster (PostgreSQL + Redis): a WeCom callback is applied once whichever
// instance gets it, WeCom's retry of a delivery on the other instance changes nothing twice, and two pulls
// started at the same moment on the two instances read WeCom once (the source's lease lives in Redis).
import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CacheManager } from '@nocobase/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisClientOf } from '../../src/server/common/shared-cache';
import { LeaseStoreUnavailable, SourceExclusion } from '../../src/server/sync/exclusive';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { callsDuring, CORP_ID } from '../helpers/wecom-app';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addAuthenticator, Cluster, LOG_DIR, startCluster } from './cluster';

const SOURCE = 'wecom-contacts';
const TOKEN = 'cbToken123';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const RUNNING = /^A pull of this source is already running; started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/;

interface Task {
  id: number;
  status: string;
  message?: string;
}

/**
 * What stands between WeCom and the instances: each POST goes to the instance `route` picks. `afterAnswer`
 * may drop the answer (WeCom then sees a network failure and retries, as it does).
 */
class Balancer {
  server: Server = createServer();
  route: (attempt: number) => string = () => '';
  afterAnswer: (attempt: number) => Promise<'drop' | 'pass'> = async () => 'pass';
  attempts = 0;

  async start(): Promise<string> {
    this.server.on('request', (req: IncomingMessage, res) => {
      void (async () => {
        const attempt = (this.attempts += 1);
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const upstream = await fetch(`${this.route(attempt)}${req.url}`, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined, headers: { 'content-type': req.headers['content-type'] ?? 'text/xml' } });
        const body = await upstream.text();
        if ((await this.afterAnswer(attempt)) === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
        res.end(body);
      })().catch((error: Error) => {
        res.writeHead(502);
        res.end(error.message);
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(route: (attempt: number) => string) {
    this.attempts = 0;
    this.route = route;
    this.afterAnswer = async () => 'pass';
  }
}

describe('WeCom contacts sync on a two-instance cluster (PostgreSQL + Redis)', () => {
  let c: Cluster;
  let sourceId: number;
  const balancer = new Balancer();
  const crypto = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP_ID });
  const count = (sql: string) => Number(c.sql(sql));
  const usersNamed = (nickname: string) => count(`SELECT count(*) FROM users WHERE nickname = '${nickname}'`);
  const linksOf = (uuid: string) => count(`SELECT count(*) FROM "usersAuthenticators" WHERE authenticator = 'wecom' AND uuid = '${uuid}'`);
  const tasks = () => c.admin.get<Task[]>('userDataSyncTasks:list', { filter: JSON.stringify({ sourceId }), sort: 'id', pageSize: '100' });
  const pullOn = (instanceUrl: string) =>
    fetch(`${instanceUrl}/api/userData:pull?name=${SOURCE}`, { method: 'POST', headers: { authorization: `Bearer ${c.admin.token}`, 'content-type': 'application/json' }, body: '{}' });
  /** The tasks after the first `known`, once `n` of them have finished. */
  const finishedTasks = async (known: number, n: number): Promise<Task[]> => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const latest = (await tasks()).slice(known);
      if (latest.length >= n && latest.every((t) => t.status === 'success' || t.status === 'failed')) return latest;
      if (Date.now() > deadline) throw new Error(`sync tasks did not finish: ${JSON.stringify(latest)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  /** A change in WeCom's address book, delivered (signed, encrypted, with WeCom's retries) through the balancer. */
  const change = (body: Record<string, unknown>) => c.sandbox.changeContact(body as never);

  beforeAll(async () => {
    c = await startCluster(async (admin, origin) => {
      await addAuthenticator(admin, origin, 'wecom');
      const created = await admin.post<{ id: number }>('userDataSyncSources:create', {
        name: SOURCE,
        sourceType: 'wecom',
        enabled: true,
        options: { authenticator: 'wecom', contactsSecret: 'demo-contacts-secret-0123456789abcdef', callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY },
      });
      sourceId = Number(created.id);
      // A lease of 6 s, renewed every second: a lease lost while a pull runs is noticed within its reads.
      // Both instances look for due schedules every second (every minute in production).
    }, ['departments'], { WECOM_CONTACTS_LEASE_MS: '6000', WECOM_SYNC_SCHEDULE_TICK: '* * * * * *' });
    const entry = await balancer.start();
    c.sandbox.config.corps[0].contacts!.callback = { url: `${entry}/api/wecom:contactsCallback?source=${SOURCE}`, token: TOKEN, encodingAESKey: AES_KEY };
    // The first pull (on A) brings the departments the callbacks' members belong to.
    expect((await pullOn(c.a.url)).status).toBe(200);
    const [first] = await finishedTasks(0, 1);
    expect(first).toMatchObject({ status: 'success' });
  });
  afterAll(async () => {
    balancer.server.closeAllConnections();
    balancer.server.close();
    await c?.destroy();
  });

  it('applies a callback once, whichever instance it reaches', async () => {
    for (const [userid, name, instance] of [
      ['via.a', 'Via A', () => c.a.url],
      ['via.b', 'Via B', () => c.b.url],
    ] as const) {
      balancer.reset(instance);
      const { result, calls } = await callsDuring(c.sandbox, () => change({ changeType: 'create_user', user: { userid, name, department: [3], mobile: `1380000${userid === 'via.a' ? '7001' : '7002'}` } }));
      expect(result.attempts).toEqual([{ status: 200, body: '' }]);
      await expect.poll(() => linksOf(userid), { timeout: 60_000 }).toBe(1);
      expect(usersNamed(name)).toBe(1);
      // The member is read from WeCom once.
      expect(calls['user/get']).toBe(1);
    }
  });

  it("changes nothing twice when WeCom retries a delivery on the other instance (A applied it, its answer was lost)", async () => {
    balancer.reset((attempt) => (attempt === 1 ? c.a.url : c.b.url));
    balancer.afterAnswer = async (attempt) => {
      if (attempt !== 1) return 'pass';
      // A applied it; an admin edits the user before WeCom's retry reaches B.
      await expect.poll(() => linksOf('retried'), { timeout: 60_000 }).toBe(1);
      c.sql(`UPDATE users SET nickname = 'Edited here' WHERE id = (SELECT "userId" FROM "usersAuthenticators" WHERE authenticator = 'wecom' AND uuid = 'retried')`);
      return 'drop';
    };
    const { result, calls } = await callsDuring(c.sandbox, () => change({ changeType: 'create_user', user: { userid: 'retried', name: 'Retried Once', department: [3] } }));
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts[0].error).toBeDefined();
    expect(result.attempts[1]).toEqual({ status: 200, body: '' });
    expect(balancer.attempts).toBe(2);
    expect(calls['user/get']).toBe(1);
    expect(usersNamed('Edited here')).toBe(1);
    expect(usersNamed('Retried Once')).toBe(0);
    expect(linksOf('retried')).toBe(1);
  });

  it('applies the same delivery once when it reaches both instances at the same moment', async () => {
    await change({ changeType: 'create_user', user: { userid: 'twice', name: 'Twice Sent', department: [3] }, deliver: false });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const plain = `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[twice]]></UserID></xml>`;
    const encrypt = crypto.encrypt(plain);
    const query = new URLSearchParams({ source: SOURCE, msg_signature: crypto.sign(timestamp, '777', encrypt), timestamp, nonce: '777' });
    const body = `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    const { result, calls } = await callsDuring(c.sandbox, async () => {
      const answers = await Promise.all([c.a.url, c.b.url].map((url) => fetch(`${url}/api/wecom:contactsCallback?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } })));
      await expect.poll(() => linksOf('twice'), { timeout: 60_000 }).toBe(1);
      return answers.map((res) => res.status);
    });
    expect(result).toEqual([200, 200]);
    expect(calls['user/get']).toBe(1);
    expect(usersNamed('Twice Sent')).toBe(1);
  });

  it('reads WeCom once for two pulls started at the same moment on the two instances; the other task says one is running', async () => {
    const known = (await tasks()).length;
    // WeCom answers the first department/list slowly: whichever pull gets it still runs when the other starts.
    c.sandbox.inject({ endpoint: 'department/list', delayMs: 3000 });
    const { result, calls } = await callsDuring(c.sandbox, async () => {
      const answers = await Promise.all([pullOn(c.a.url), pullOn(c.b.url)]);
      expect(answers.map((res) => res.status)).toEqual([200, 200]);
      return finishedTasks(known, 2);
    });
    expect(result.map((t) => t.status).sort()).toEqual(['failed', 'success']);
    expect(result.find((t) => t.status === 'failed')?.message).toMatch(RUNNING);
    expect(calls['department/list']).toBe(1);
    expect(calls['user/list']).toBe(3);
    // The lease is gone once the pull is done: the next pull runs.
    expect((await pullOn(c.b.url)).status).toBe(200);
    const [next] = await finishedTasks(known + 2, 1);
    expect(next.status).toBe('success');
  });

  it('stops a pull whose lease another writer took over while it ran (Redis lost it), and its task says so', async () => {
    const known = (await tasks()).length;
    const manager = new CacheManager({ defaultStore: 'redis', stores: { redis: { url: c.redis.url } } } as never);
    const cache = await manager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    const raw = redisClientOf(cache.store) as unknown as {
      get(k: string): Promise<string | null>;
      set(k: string, v: string, o: { PX: number }): Promise<unknown>;
      del(k: string): Promise<number>;
      keys(pattern: string): Promise<string[]>;
    };
    // The instances' key: NocoBase's cache manager may prefix it with the app's name.
    let writer = '';
    try {
      // Someone new in WeCom: the pull has something to write.
      c.sandbox.config.corps[0].members.push({ userid: 'late.joiner', name: 'Late Joiner', department: [3], mobile: '13800007003' });
      // The pull reads slowly (within WeCom's 5 s timeout): it renews its lease a few times before its first write.
      const before = c.sandbox.stats().calls['department/list'] ?? 0;
      c.sandbox.inject({ endpoint: 'department/list', delayMs: 4000 });
      c.sandbox.inject({ endpoint: 'user/list', delayMs: 4000, times: 3 });
      expect((await pullOn(c.a.url)).status).toBe(200);
      await expect.poll(() => c.sandbox.stats().calls['department/list'] ?? 0, { timeout: 60_000, interval: 50 }).toBe(before + 1);
      await expect
        .poll(async () => ((writer = (await raw.keys(`*contacts-writer:${SOURCE}`))[0] ?? '') ? JSON.parse((await raw.get(writer)) ?? '{}').kind : undefined), {
          timeout: 60_000,
          interval: 100,
        })
        .toBe('pull');
      // While it reads: as after a Redis restart that kept nothing, with a change on instance B taking the source first.
      await raw.set(writer, JSON.stringify({ kind: 'change', since: '2026-12-01T10:00:00.000Z', id: 'instance-b' }), { PX: 120_000 });
      const [task] = await finishedTasks(known, 1);
      expect(task).toMatchObject({
        status: 'failed',
        message:
          'The pull stopped: its lease in the shared cache expired while it ran (was Redis restarted?) and another writer took this source over. What it wrote stands; run it again.',
      });
      // It wrote nothing after it lost the lease, and did not release the other writer's.
      expect(usersNamed('Late Joiner')).toBe(0);
      expect(linksOf('late.joiner')).toBe(0);
      expect(JSON.parse((await raw.get(writer)) ?? '{}').id).toBe('instance-b');
    } finally {
      if (writer) await raw.del(writer);
      await manager.close();
    }
    // Once the other writer is done, the next pull runs.
    expect((await pullOn(c.b.url)).status).toBe(200);
    const [next] = await finishedTasks(known + 1, 1);
    expect(next.status).toBe('success');
    expect(usersNamed('Late Joiner')).toBe(1);
    expect(linksOf('late.joiner')).toBe(1);
  }, 240_000);

  // Last: it stops Redis.
  it('fails a pull or a change at once while Redis is down instead of waiting for it, and works again once it is back', async () => {
    // The lease as the instances take it, on the cluster's Redis, from this process.
    const manager = new CacheManager({ defaultStore: 'redis', stores: { redis: { url: c.redis.url } } } as never);
    const cache = await manager.createCache({ name: 'auth-wecom-token', prefix: 'auth-wecom:token' });
    redisClientOf(cache.store)?.on('error', () => undefined);
    const exclusion = new SourceExclusion({ cache });
    try {
      expect(await exclusion.pull('outage', async () => 'pulled')).toBe('pulled');
      await c.redis.stop();
      try {
        await expect(exclusion.pull('outage', async () => 'pulled')).rejects.toBeInstanceOf(LeaseStoreUnavailable);
        await expect(exclusion.change('outage', async () => 'changed')).rejects.toBeInstanceOf(LeaseStoreUnavailable);
      } finally {
        await c.redis.start();
      }
      await expect.poll(() => exclusion.pull('outage', async () => 'pulled').catch((error: Error) => error.name), { timeout: 60_000, interval: 500 }).toBe('pulled');
    } finally {
      await manager.close();
    }
  });

  // Last: it lets the schedule run.
  it('starts a scheduled pull on one instance only, once in each minute it is due, though both look every second', async () => {
    const known = (await tasks()).length;
    const scheduledMinutes = () =>
      ['a.log', 'b.log'].flatMap((file) =>
        readFileSync(join(LOG_DIR, file), 'utf8')
          .split('\n')
          .filter((line) => line.includes('wecom contacts scheduled pull'))
          .map((line) => /(\d{4}-\d\d-\d\dT\d\d:\d\d):00\.000Z/.exec(line)?.[1]),
      );
    await c.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', schedule: '* * * * *' } });
    try {
      // Two due minutes: through the whole first one, both instances looked 60 times each.
      const [first, second] = await finishedTasks(known, 2);
      expect(first.status).toBe('success');
      expect(second.status).toBe('success');
    } finally {
      await c.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', schedule: null } });
    }
    const minutes = scheduledMinutes();
    expect(minutes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(minutes).size).toBe(minutes.length);
    expect((await tasks()).length).toBe(known + minutes.length);
  });
});
