// The WeCom card workflow node (#20): a real app with plugin-workflow, the sandbox over HTTP as the members'
// WeCom clients, clicks through the app's receive-message callback.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { AGENT_ID, callsDuring, CORP_ID, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';

type Json = Record<string, any>;

const TOKEN = 'cardToken123';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const PENDING = 0;
const RESOLVED = 1;
const FAILED = -1;
const REJECTED = -5;

interface CardView {
  msgid: string;
  taskId: string;
  title: string;
  description: string;
  url?: string;
  buttons: { key: string; text: string }[];
  replaced?: string;
}

interface TapReport {
  ok: boolean;
  error?: string;
  xml?: string;
  attempts: { status?: number; body?: string; error?: string }[];
}

const BUTTONS = [
  { key: 'yes', text: 'Approve', style: 1, action: 'approve' },
  { key: 'no', text: 'Reject', style: 4, action: 'reject' },
];

/** Polls `read` until `done` holds (each poll a real query), for at most 60 s. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('WeCom card node', () => {
  let w: WecomApp;
  const users: Record<string, number> = {};
  let orders = 0;
  let workflows = 0;
  const tags = new Map<number, string>();
  const callbackUrl = () => `${w.t.url}/api/wecom:appCallback?authenticator=wecom`;

  async function createUser(nickname: string): Promise<number> {
    const user = await w.t.app.db.getRepository('users').create({ values: { nickname, username: `u_${nickname.replace(/\W/g, '_').toLowerCase()}` } });
    return Number(user.get('id'));
  }

  async function link(userId: number, userid: string, corpId = CORP_ID) {
    await w.t.app.db.getRepository('usersAuthenticators').create({
      values: { authenticator: 'wecom', userId, uuid: userid, nickname: userid, avatar: '', meta: { corpId, userid } },
    });
  }

  /** The member's cards, newest first. */
  async function cards(userid: string): Promise<CardView[]> {
    const res = await fetch(`${w.sandbox.url}/__sandbox/cards/${userid}`);
    return ((await res.json()) as { cards: CardView[] }).cards.reverse();
  }

  async function tap(userid: string, key: string, extra: Json = {}): Promise<TapReport> {
    const res = await fetch(`${w.sandbox.url}/__sandbox/cards/tap`, { method: 'POST', body: JSON.stringify({ userid, key, ...extra }) });
    return (await res.json()) as TapReport;
  }

  /** A workflow: an order is created → the card → a record of the decision (the card's result as variables). */
  async function cardWorkflow(config: Json): Promise<{ workflowId: number; cardKey: string }> {
    // Each workflow runs for its own orders only: every test's workflow stays enabled.
    const tag = `wf-${++workflows}`;
    const workflow = await w.admin.post<Json>('workflows:create', {
      title: 'Approve',
      type: 'collection',
      enabled: true,
      sync: false,
      config: { mode: 1, collection: 'orders', condition: { $and: [{ tag: { $eq: tag } }] } },
    });
    tags.set(Number(workflow.id), tag);
    const card = await w.admin.post<Json>(`workflows/${workflow.id}/nodes:create`, {
      type: 'wecom-card',
      title: 'WeCom card',
      config: { authenticator: 'wecom', mode: 0, title: 'Approve order {{$context.data.title}}', buttons: BUTTONS, ...config },
    });
    await w.admin.post(`workflows/${workflow.id}/nodes:create`, {
      type: 'create',
      upstreamId: card.id,
      config: {
        collection: 'decisions',
        params: {
          values: {
            action: `{{$jobsMapByNodeKey.${card.key}.action}}`,
            key: `{{$jobsMapByNodeKey.${card.key}.key}}`,
            userid: `{{$jobsMapByNodeKey.${card.key}.decisions.0.userid}}`,
          },
        },
      },
    });
    return { workflowId: Number(workflow.id), cardKey: String(card.key) };
  }

  /** Creates an order (the trigger) and waits for the card job to be saved. */
  async function start(workflowId: number): Promise<{ executionId: string; title: string }> {
    const title = `order-${++orders}`;
    await w.t.app.db.getRepository('orders').create({ values: { title, tag: tags.get(workflowId) } });
    const execution = await waitFor(
      async () => (await w.t.app.db.getRepository('executions').findOne({ filter: { workflowId }, sort: ['-id'], appends: ['jobs'] })) as any,
      (e) => Boolean(e?.jobs?.length),
      'the card job',
    );
    return { executionId: String(execution.id), title };
  }

  async function execution(executionId: string): Promise<Json> {
    const e = (await w.t.app.db.getRepository('executions').findOne({ filterByTk: executionId, appends: ['jobs'] })) as any;
    const json = e.toJSON();
    json.jobs.sort((a: Json, b: Json) => Number(BigInt(a.id) - BigInt(b.id)));
    return json;
  }

  const settled = (executionId: string) => waitFor(() => execution(executionId), (e) => e.status !== 0, 'the execution to end');
  const cardJob = (e: Json) => e.jobs[0];

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    for (let i = 0; i < 1000; i++) corp.members.push({ userid: `many${i}`, name: `Many ${i}` });
    corp.apps[0].visibleTo = [...(corp.apps[0].visibleTo as string[]), ...Array.from({ length: 1000 }, (_, i) => `many${i}`)];
    // Each instance looks for overdue cards every WECOM_CARD_SWEEP_MS (30 s by default): 300 ms here.
    w = await createWecomApp(config, { WECOM_TIMEOUT_MS: '20000', WECOM_CARD_SWEEP_MS: '300' }, ['workflow']);
    const db = w.t.app.db;
    db.collection({ name: 'orders', fields: [{ type: 'string', name: 'title' }, { type: 'string', name: 'tag' }] });
    db.collection({ name: 'decisions', fields: [{ type: 'string', name: 'action' }, { type: 'string', name: 'key' }, { type: 'string', name: 'userid' }] });
    await db.sync();
    await w.addAuthenticator('wecom', { callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY });
    await w.addAuthenticator('nocallback');
    for (const [userid, name] of [
      ['zhangsan', 'Zhang San'],
      ['lisi', 'Li Si'],
      ['wangwu', 'Wang Wu'],
      // not in the app's visible range: WeCom refuses to deliver to them
      ['zhaoliu', 'Zhao Liu'],
    ]) {
      users[userid] = await createUser(name);
      await link(users[userid], userid);
    }
    users.unlinked = await createUser('Not Linked');
    // The admin saves the callback URL in the console: WeCom checks it with a GET first.
    const saved = await fetch(`${w.sandbox.url}/__sandbox/app/callback`, {
      method: 'POST',
      body: JSON.stringify({ url: callbackUrl(), token: TOKEN, encodingAESKey: AES_KEY }),
    });
    expect(await saved.json()).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await w?.destroy();
  });
  beforeEach(async () => {
    w.sandbox.reset();
    // The sandbox forgot its tokens: so does the app, for exact call counts.
    await (w.t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { services: { tokenCache: { reset(): Promise<void> } } }).services.tokenCache.reset();
  });

  it('sends one card; Approve resumes the workflow, later nodes read the decision, the card says who approved', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan], description: 'Amount: 100', url: '/admin/orders' });
    const { result: started, calls } = await callsDuring(w.sandbox, () => start(workflowId));
    expect(calls['message/send']).toBe(1);
    const [card] = await cards('zhangsan');
    expect(card).toMatchObject({ title: `Approve order ${started.title}`, description: 'Amount: 100', buttons: [{ key: 'yes', text: 'Approve' }, { key: 'no', text: 'Reject' }] });
    expect(card.taskId).toMatch(/^wc[A-Za-z0-9_-]{32}$/);
    expect(card.url).toBe(`${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/orders`);
    expect(cardJob(await execution(started.executionId)).status).toBe(PENDING);

    const report = await tap('zhangsan', 'yes');
    expect(report.attempts.map((a) => [a.status, a.body])).toEqual([[200, '']]);
    const done = await settled(started.executionId);
    expect(done.status).toBe(RESOLVED);
    expect(cardJob(done)).toMatchObject({
      status: RESOLVED,
      result: { key: 'yes', action: 'approve', decisions: [{ userId: users.zhangsan, userid: 'zhangsan', key: 'yes', at: expect.any(String) }] },
    });
    const logged = await w.t.app.db.getRepository('decisions').find({ sort: ['-id'], limit: 1 });
    expect(logged[0].toJSON()).toMatchObject({ action: 'approve', key: 'yes', userid: 'zhangsan' });
    await waitFor(() => cards('zhangsan'), (c) => c[0].replaced !== undefined, 'the card update');
    expect((await cards('zhangsan'))[0].replaced).toBe('Approved by Zhang San');
  });

  it('Reject ends the execution rejected, and no later node runs', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.lisi] });
    const before = await w.t.app.db.getRepository('decisions').count();
    const { executionId } = await start(workflowId);
    await tap('lisi', 'no');
    const done = await settled(executionId);
    expect(done.status).toBe(REJECTED);
    expect(cardJob(done)).toMatchObject({ status: REJECTED, result: { key: 'no', action: 'reject', decisions: [{ userid: 'lisi', key: 'no' }] } });
    expect(await w.t.app.db.getRepository('decisions').count()).toBe(before);
    await waitFor(() => cards('lisi'), (c) => c[0].replaced === 'Rejected by Li Si', 'the card update');
  });

  it('any one decides: the first click decides, a later click of another assignee changes nothing', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan, users.lisi], mode: 0 });
    const { result: started, calls } = await callsDuring(w.sandbox, () => start(workflowId));
    expect(calls['message/send']).toBe(1);
    await tap('lisi', 'yes');
    const done = await settled(started.executionId);
    expect(cardJob(done).result.decisions).toMatchObject([{ userid: 'lisi', key: 'yes' }]);
    // Both cards show the outcome once it is final.
    await waitFor(() => cards('zhangsan'), (c) => c[0].replaced === 'Approved by Li Si', "zhangsan's card update");
    expect((await cards('lisi'))[0].replaced).toBe('Approved by Li Si');
    // A late click (its buttons were grey, but a stale client may still send it).
    await tap('zhangsan', 'no', { force: true });
    expect(cardJob(await execution(started.executionId))).toMatchObject({ status: RESOLVED, result: { key: 'yes', action: 'approve' } });
    expect(w.t.logs()).toMatch(/wecom card click ignored[\s\S]*late/);
  });

  it('everyone must approve: the job waits for all, each card shows its decision, then all are updated', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan, users.lisi], mode: 1 });
    const { executionId } = await start(workflowId);
    await tap('zhangsan', 'yes');
    await waitFor(() => cards('zhangsan'), (c) => c[0].replaced === 'Approved by Zhang San', "zhangsan's card");
    expect(cardJob(await execution(executionId)).status).toBe(PENDING);
    expect((await cards('lisi'))[0].replaced).toBeUndefined();
    await tap('lisi', 'yes');
    const done = await settled(executionId);
    expect(cardJob(done)).toMatchObject({ status: RESOLVED, result: { action: 'approve', decisions: [{ userid: 'zhangsan' }, { userid: 'lisi' }] } });
    await waitFor(() => cards('lisi'), (c) => c[0].replaced === 'Approved', "everyone's card");
    expect((await cards('zhangsan'))[0].replaced).toBe('Approved');
  });

  it('everyone must approve: one reject rejects at once', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan, users.lisi, users.wangwu], mode: 1 });
    const { executionId } = await start(workflowId);
    await tap('zhangsan', 'yes');
    await waitFor(() => cards('zhangsan'), (c) => c[0].replaced !== undefined, "zhangsan's card");
    await tap('wangwu', 'no');
    const done = await settled(executionId);
    expect(cardJob(done)).toMatchObject({ status: REJECTED, result: { key: 'no', action: 'reject', decisions: [{ userid: 'zhangsan' }, { userid: 'wangwu' }] } });
    await waitFor(() => cards('lisi'), (c) => c[0].replaced === 'Rejected by Wang Wu', "lisi's card");
  });

  it('times out: the job fails, the cards say so, a click afterwards changes nothing', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan], timeout: 1 });
    const { executionId } = await start(workflowId);
    const done = await settled(executionId);
    expect(done.status).toBe(FAILED);
    expect(cardJob(done)).toMatchObject({ status: FAILED, result: { key: null, action: null, decisions: [], reason: 'Nobody decided before the timeout.' } });
    await waitFor(() => cards('zhangsan'), (c) => c[0].replaced === 'Expired', 'the card update');
    await tap('zhangsan', 'yes', { force: true });
    expect(cardJob(await execution(executionId)).status).toBe(FAILED);
  });

  it('times out a card whose deadline passed while no timer of this process waited for it (a restart, another instance)', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan], timeout: 3600 });
    const { executionId } = await start(workflowId);
    const job = cardJob(await execution(executionId));
    // As if the hour had passed while the instance that sent the card was down: only the sweep can see it.
    await w.t.app.db.getModel('wecomCardTasks').update({ deadline: new Date(Date.now() - 1000) }, { where: { jobId: String(job.id) } });
    const done = await settled(executionId);
    expect(cardJob(done)).toMatchObject({ status: FAILED, result: { reason: 'Nobody decided before the timeout.' } });
  });

  it('settles a decided card whose job the deciding instance did not write (it stopped between the two writes)', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan] });
    const { executionId } = await start(workflowId);
    const job = cardJob(await execution(executionId));
    // The state such a stop leaves: the task decided, its job still pending; WeCom will not send the click again.
    const decisions = [{ userId: users.zhangsan, userid: 'zhangsan', key: 'yes', at: new Date().toISOString() }];
    await w.t.app.db.getModel('wecomCardTasks').update({ status: RESOLVED, decisions }, { where: { jobId: String(job.id) }, hooks: false });
    const done = await settled(executionId);
    expect(cardJob(done)).toMatchObject({ status: RESOLVED, result: { key: 'yes', action: 'approve', decisions: [{ userid: 'zhangsan', key: 'yes' }] } });
  });

  it('names assignees without a WeCom link (or whom WeCom refused) in the result; none reached fails the job with the reason', async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan, users.unlinked, users.zhaoliu] });
    const { executionId } = await start(workflowId);
    expect(cardJob(await execution(executionId)).result).toMatchObject({
      unreached: [
        { userId: users.unlinked, reason: 'notLinked' },
        { userId: users.zhaoliu, userid: 'zhaoliu', reason: 'invalid' },
      ],
    });
    expect(w.t.logs()).toMatch(new RegExp(`wecom card sent[^\\n]*"userId":${users.unlinked},"reason":"notLinked"`));
    await tap('zhangsan', 'yes');
    await settled(executionId);

    const nobody = await cardWorkflow({ assignees: [users.unlinked] });
    const { result: failed, calls } = await callsDuring(w.sandbox, () => start(nobody.workflowId));
    const done = await settled(failed.executionId);
    expect(done.status).toBe(FAILED);
    expect(cardJob(done).result.reason).toBe(`None of the assignees can receive the card in WeCom (users ${users.unlinked}): link them to WeCom first.`);
    expect(calls['message/send']).toBeUndefined();
  });

  it('sends no card to an assignee with the root role (whose click would never count); only such assignees fail the job saying so', async () => {
    const rolesUsers = w.t.app.db.getModel('rolesUsers');
    // NocoBase's own saves refuse the root role (plugin-acl's rolesUsers.beforeSave): it is given in the database.
    await rolesUsers.create({ userId: users.lisi, roleName: 'root' }, { hooks: false });
    try {
      const before = (await cards('lisi')).length;
      const both = await cardWorkflow({ assignees: [users.zhangsan, users.lisi], mode: 1 });
      const { executionId } = await start(both.workflowId);
      expect(cardJob(await execution(executionId)).result).toMatchObject({ unreached: [{ userId: users.lisi, userid: 'lisi', reason: 'rootUser' }] });
      expect(await cards('lisi')).toHaveLength(before);
      // Everyone who got the card decides it.
      await tap('zhangsan', 'yes');
      expect((await settled(executionId)).status).toBe(RESOLVED);

      const onlyRoot = await cardWorkflow({ assignees: [users.lisi] });
      const { result: failed, calls } = await callsDuring(w.sandbox, () => start(onlyRoot.workflowId));
      const done = await settled(failed.executionId);
      expect(done.status).toBe(FAILED);
      expect(cardJob(done).result.reason).toBe(`Users ${users.lisi} have the root role, which never answers in WeCom: pick other assignees.`);
      expect(calls['message/send']).toBeUndefined();
    } finally {
      await rolesUsers.destroy({ where: { userId: users.lisi, roleName: 'root' }, hooks: false });
    }
  });

  it("WeCom's retries of a slow answer decide once and resume once", async () => {
    const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan] });
    const { executionId } = await start(workflowId);
    // Every attempt gives up before the app answers: WeCom sends the same event 4 times.
    const report = await tap('zhangsan', 'yes', { timeoutMs: 1 });
    expect(report.attempts).toHaveLength(4);
    const done = await settled(executionId);
    expect(cardJob(done).result.decisions).toHaveLength(1);
    const resumed = (w.t.logs().match(new RegExp(`wecom card job settled[^\\n]*"job":"${cardJob(done).id}"`, 'g')) ?? []).length;
    expect(resumed).toBe(1);
  });

  describe('refused clicks: no change, an info line, the same answer', () => {
    const crypto = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP_ID });

    /** POSTs an event to the callback as WeCom would (or as a forger would). */
    async function post(xml: string, options: { crypto?: CallbackCrypto; authenticator?: string; signature?: string; timestamp?: number } = {}) {
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const nonce = '12345';
      const { encrypt, signature } = (options.crypto ?? crypto).encryptAndSign(xml, timestamp, nonce);
      const url = `${w.t.url}/api/wecom:appCallback?authenticator=${options.authenticator ?? 'wecom'}&msg_signature=${options.signature ?? signature}&timestamp=${timestamp}&nonce=${nonce}`;
      const res = await fetch(url, { method: 'POST', body: `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[${AGENT_ID}]]></AgentID></xml>`, headers: { 'content-type': 'text/xml' } });
      return { status: res.status, body: await res.text() };
    }

    const event = (from: string, taskId: string, key = 'yes', more: { corpId?: string; agentId?: string; createTime?: number } = {}) =>
      `<xml><ToUserName><![CDATA[${more.corpId ?? CORP_ID}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${more.createTime ?? Math.floor(Date.now() / 1000)}</CreateTime>` +
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${key}]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId>` +
      `<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[code]]></ResponseCode><AgentID>${more.agentId ?? AGENT_ID}</AgentID></xml>`;

    it('refuses every click that does not count and keeps the job pending', async () => {
      const { workflowId } = await cardWorkflow({ assignees: [users.zhangsan] });
      const { executionId } = await start(workflowId);
      const [card] = await cards('zhangsan');
      const other = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: 'wwanothercorp00001' });
      const answers = [
        // a member who is not an assignee
        await post(event('lisi', card.taskId)),
        // a button the card does not have
        await post(event('zhangsan', card.taskId, 'maybe')),
        // a task_id nobody sent
        await post(event('zhangsan', 'wcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')),
        // another corp's event (encrypted for another receiveid)
        await post(event('zhangsan', card.taskId, 'yes', { corpId: 'wwanothercorp00001' }), { crypto: other }),
        // another agent of this corp
        await post(event('zhangsan', card.taskId, 'yes', { agentId: '1000003' })),
        // a replay of a signed request ten minutes later
        await post(event('zhangsan', card.taskId), { timestamp: Math.floor(Date.now() / 1000) - 600 }),
      ];
      expect(answers).toEqual(Array(6).fill({ status: 200, body: '' }));
      expect(cardJob(await execution(executionId)).status).toBe(PENDING);
      const logs = w.t.logs();
      for (const reason of ['not-an-assignee', 'unknown-button', 'unknown-task', 'other-corp', 'other-agent', 'stale-timestamp']) expect(logs, reason).toContain(reason);

      // The real click still counts; its re-delivery (the same event again) changes nothing.
      const xml = event('zhangsan', card.taskId);
      expect(await post(xml)).toEqual({ status: 200, body: '' });
      await settled(executionId);
      expect(await post(xml)).toEqual({ status: 200, body: '' });
      expect(w.t.logs()).toContain('re-delivered');
      expect(cardJob(await execution(executionId)).result.decisions).toHaveLength(1);
    });

    it("takes no click from a member whose link moved to another user after the card went out", async () => {
      const { workflowId } = await cardWorkflow({ assignees: [users.wangwu] });
      const { executionId } = await start(workflowId);
      const [card] = await cards('wangwu');
      // The admin finds wangwu linked to the wrong user and links him to another one.
      const moved = await createUser('Wang Wu Right');
      const links = w.t.app.db.getRepository('usersAuthenticators');
      await links.destroy({ filter: { authenticator: 'wecom', userId: users.wangwu } });
      await link(moved, 'wangwu');
      try {
        expect(await post(event('wangwu', card.taskId))).toEqual({ status: 200, body: '' });
        expect(w.t.logs()).toContain('not-linked');
        expect(cardJob(await execution(executionId)).status).toBe(PENDING);
      } finally {
        await links.destroy({ filter: { authenticator: 'wecom', userId: moved } });
        await link(users.wangwu, 'wangwu');
      }
      // Linked again, his click counts.
      expect(await post(event('wangwu', card.taskId, 'yes', { createTime: Math.floor(Date.now() / 1000) + 1 }))).toEqual({ status: 200, body: '' });
      expect((await settled(executionId)).status).toBe(RESOLVED);
    });

    it('takes no click from a member linked to a user with the root role: the task stays undecided, and counts once the role is gone', async () => {
      const { workflowId } = await cardWorkflow({ assignees: [users.lisi] });
      const { executionId } = await start(workflowId);
      const [card] = await cards('lisi');
      const rolesUsers = w.t.app.db.getModel('rolesUsers');
      // NocoBase's own saves refuse the root role (plugin-acl's rolesUsers.beforeSave): it is given in the database.
      await rolesUsers.create({ userId: users.lisi, roleName: 'root' }, { hooks: false });
      try {
        expect(await post(event('lisi', card.taskId))).toEqual({ status: 200, body: '' });
        expect(w.t.logs()).toMatch(/wecom card click ignored[^\n]*"from":"lisi"[^\n]*"reason":"root-user"/);
        const job = cardJob(await execution(executionId));
        expect(job.status).toBe(PENDING);
        const task = await w.t.app.db.getModel('wecomCardTasks').findOne({ where: { jobId: String(job.id) } });
        expect(task?.get('decisions')).toEqual([]);
      } finally {
        await rolesUsers.destroy({ where: { userId: users.lisi, roleName: 'root' }, hooks: false });
      }
      expect(await post(event('lisi', card.taskId, 'yes', { createTime: Math.floor(Date.now() / 1000) + 1 }))).toEqual({ status: 200, body: '' });
      expect((await settled(executionId)).status).toBe(RESOLVED);
    });

    it('decides once when clicks arrive at the same time: the same member twice, and the last two approvals together', async () => {
      const now = Math.floor(Date.now() / 1000);
      const first = await cardWorkflow({ assignees: [users.zhangsan] });
      const one = await start(first.workflowId);
      const [card] = await cards('zhangsan');
      // Two taps of one member (distinct events: not re-deliveries of one).
      await Promise.all([post(event('zhangsan', card.taskId, 'yes', { createTime: now })), post(event('zhangsan', card.taskId, 'no', { createTime: now + 1 }))]);
      const done = await settled(one.executionId);
      expect(cardJob(done).result.decisions).toHaveLength(1);
      expect((w.t.logs().match(new RegExp(`wecom card job settled[^\\n]*"job":"${cardJob(done).id}"`, 'g')) ?? []).length).toBe(1);

      const all = await cardWorkflow({ assignees: [users.zhangsan, users.lisi], mode: 1 });
      const both = await start(all.workflowId);
      const [shared] = await cards('lisi');
      await Promise.all([post(event('zhangsan', shared.taskId, 'yes', { createTime: now + 2 })), post(event('lisi', shared.taskId, 'yes', { createTime: now + 2 }))]);
      const approved = await settled(both.executionId);
      expect(cardJob(approved)).toMatchObject({ status: RESOLVED, result: { action: 'approve' } });
      expect(cardJob(approved).result.decisions.map((d: Json) => d.userid).sort()).toEqual(['lisi', 'zhangsan']);
      expect((w.t.logs().match(new RegExp(`wecom card job settled[^\\n]*"job":"${cardJob(approved).id}"`, 'g')) ?? []).length).toBe(1);
    });

    it('answers a forged signature, an unknown authenticator and one without callback settings the same way', async () => {
      const xml = event('zhangsan', 'wcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      const forged = await post(xml, { signature: 'f'.repeat(40) });
      const unknown = await post(xml, { authenticator: 'nope' });
      const noCallback = await post(xml, { authenticator: 'nocallback' });
      expect(forged.status).toBe(403);
      expect(unknown).toEqual(forged);
      expect(noCallback).toEqual(forged);
      expect(JSON.parse(forged.body)).toEqual({ errors: [{ code: 'WECOM_CALLBACK_REFUSED', message: 'The callback is refused. The server log says why.' }] });
    });
  });

  it("answers WeCom's URL check with the bare echostr", async () => {
    const res = await fetch(`${w.sandbox.url}/__sandbox/app/verify-url`, { method: 'POST', body: '{}' });
    expect(await res.json()).toMatchObject({ ok: true, status: 200 });
  });

  it('sends 1,000 assignees one message/send with at most one gettoken', async () => {
    const ids: number[] = [];
    const created = await w.t.app.db.getModel('users').bulkCreate(Array.from({ length: 1000 }, (_, i) => ({ nickname: `Many ${i}`, username: `many_${i}` })));
    for (const user of created) ids.push(Number(user.get('id')));
    await w.t.app.db.getModel('usersAuthenticators').bulkCreate(
      ids.map((userId, i) => ({ authenticator: 'wecom', userId, uuid: `many${i}`, nickname: `many${i}`, avatar: '', meta: { corpId: CORP_ID, userid: `many${i}` } })),
    );
    const { workflowId } = await cardWorkflow({ assignees: ids });
    const { result, calls } = await callsDuring(w.sandbox, () => start(workflowId));
    expect(calls['message/send']).toBe(1);
    expect(calls.gettoken ?? 0).toBeLessThanOrEqual(1);
    expect((await cards('many999')).length).toBe(1);
    expect(cardJob(await execution(result.executionId)).status).toBe(PENDING);
  });

  describe('configuration', () => {
    async function refusal(config: Json): Promise<string> {
      const workflow = await w.admin.post<Json>('workflows:create', { title: 'Refused', type: 'collection', enabled: false, config: { mode: 1, collection: 'orders' } });
      const node = await w.admin.post<Json>(`workflows/${workflow.id}/nodes:create`, { type: 'wecom-card', title: 'Card', config: {} });
      try {
        await w.admin.post(`flow_nodes:update?filterByTk=${node.id}`, { config: { authenticator: 'wecom', assignees: [1], mode: 0, title: 'T', buttons: BUTTONS, ...config } });
      } catch (error) {
        return (error as Error).message;
      }
      return 'saved';
    }

    it('refuses a bad node configuration on save, localized', async () => {
      expect(await refusal({})).toBe('saved');
      expect(await refusal({ buttons: [] })).toMatch(/HTTP 400 A card has 1 to 6 buttons\.$/);
      expect(await refusal({ buttons: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, text: 'OK', action: 'approve' })) })).toMatch(/A card has 1 to 6 buttons\./);
      expect(await refusal({ buttons: [BUTTONS[0], { ...BUTTONS[1], key: 'yes' }] })).toMatch(/Two buttons have the key "yes"/);
      expect(await refusal({ title: 'x'.repeat(37) })).toMatch(/The title is longer than WeCom allows \(36 characters\)/);
      expect(await refusal({ url: 'https://evil.example/x' })).toMatch(/The link must lead to a page of this app/);
      expect(await refusal({ authenticator: 'nope' })).toMatch(/The WeCom authenticator "nope" does not exist or is disabled\./);
      expect(await refusal({ authenticator: 'nocallback' })).toMatch(/has no callback Token and EncodingAESKey/);
    });

    it('refuses malformed callback settings on save and never answers them', async () => {
      await expect(w.addAuthenticator('badtoken', { callbackToken: 'a b', callbackEncodingAESKey: AES_KEY })).rejects.toThrow(/The callback Token must be 3 to 32 letters or digits\./);
      await expect(w.addAuthenticator('badkey', { callbackToken: TOKEN, callbackEncodingAESKey: 'short' })).rejects.toThrow(/The callback EncodingAESKey must be 43 letters or digits\./);
      await expect(w.addAuthenticator('half', { callbackToken: TOKEN })).rejects.toThrow(/Enter both the callback Token and the EncodingAESKey, or neither\./);
      const read = await w.admin.get<Json[]>('authenticators:list', { filter: JSON.stringify({ name: 'wecom' }) });
      expect(read[0].options.callbackToken).toBeUndefined();
      expect(read[0].options.callbackEncodingAESKey).toBeUndefined();
      expect(read[0].options.savedSecrets).toEqual(expect.arrayContaining(['corpSecret', 'callbackToken', 'callbackEncodingAESKey']));
    });
  });
});
