// The WeCom card node on a two-instance cluster (PostgreSQL + Redis): a click reaching the instance that did not
// send the card settles the job and resumes the workflow once; the same click reaching both instances (WeCom's
// retry landing elsewhere) still decides once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { addZhangSan, AGENT_ID, CORP_ID, SECRET } from '../helpers/wecom-app';
import { WECOM_UA } from '../helpers/wecom-user';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, ClusterUser, LOG_DIR, readJson, startCluster } from './cluster';

type Json = Record<string, any>;
const TOKEN = 'clusterToken1';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

async function waitFor<T>(read: () => Promise<T> | T, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('WeCom card node on a two-instance cluster (PostgreSQL + Redis)', () => {
  let c: Cluster;
  let workflowId = 0;
  let afterNodeId = 0;
  let orders = 0;
  /** The user (no root role) with zhangsan's phone: the card's assignee. */
  let zhang = 0;

  beforeAll(async () => {
    c = await startCluster(
      async (admin, origin) => {
        zhang = await addZhangSan(admin);
        await admin.post('authenticators:create', {
          name: 'wecom',
          authType: 'WeCom',
          title: 'WeCom',
          enabled: true,
          options: { corpId: CORP_ID, agentId: AGENT_ID, corpSecret: SECRET, origin, redirectPath: '/admin', callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY, public: { autoSignup: false, autoLogin: false } },
        });
        await admin.post('collections:create', { name: 'orders', title: 'Orders', fields: [{ name: 'title', type: 'string', interface: 'input' }] });
        const workflow = await admin.post<Json>('workflows:create', { title: 'Approve', type: 'collection', enabled: true, sync: false, config: { mode: 1, collection: 'orders' } });
        workflowId = Number(workflow.id);
        const card = await admin.post<Json>(`workflows/${workflow.id}/nodes:create`, {
          type: 'wecom-card',
          title: 'Card',
          config: { authenticator: 'wecom', assignees: [zhang], mode: 0, title: 'Approve {{$context.data.title}}', buttons: [{ key: 'yes', text: 'Approve', action: 'approve' }, { key: 'no', text: 'Reject', action: 'reject' }] },
        });
        const after = await admin.post<Json>(`workflows/${workflow.id}/nodes:create`, { type: 'calculation', upstreamId: card.id, config: { engine: 'math.js', expression: '1 + 1' } });
        afterNodeId = Number(after.id);
      },
      ['workflow'],
    );
    // zhangsan's first login links him to his user (same phone).
    const first = new ClusterUser(c.a.url, WECOM_UA);
    const { code, state } = await first.inClientLogin('wecom', 'zhangsan');
    const { status, text } = await readJson(await first.signInAt(c.a.url, 'wecom', { code, state }));
    expect(status, text.slice(0, 300)).toBe(200);
    // The console's callback URL points at instance B; the card is sent from whichever instance runs the workflow.
    const saved = await fetch(`${c.sandbox.url}/__sandbox/app/callback`, {
      method: 'POST',
      body: JSON.stringify({ url: `${c.b.url}/api/wecom:appCallback?authenticator=wecom`, token: TOKEN, encodingAESKey: AES_KEY }),
    });
    expect(await saved.json()).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await c?.destroy();
  });

  /** An order created through instance A; answers the execution once its card job waits. */
  async function start(): Promise<{ executionId: string; jobId: string; taskId: string }> {
    const title = `order-${++orders}`;
    await c.admin.post('orders:create', { title });
    const row = await waitFor(
      () => c.sql(`SELECT e.id, j.id, j.status FROM executions e JOIN jobs j ON j."executionId" = e.id WHERE e."workflowId" = ${workflowId} AND e.context->'data'->>'title' = '${title}'`),
      (out) => out.split('|').length === 3,
      'the card job',
    );
    const [executionId, jobId] = row.split('|');
    const cards = (await (await fetch(`${c.sandbox.url}/__sandbox/cards/zhangsan`)).json()) as { cards: { taskId: string; title: string }[] };
    const card = cards.cards.find((x) => x.title === `Approve ${title}`)!;
    return { executionId, jobId, taskId: card.taskId };
  }

  /** How many times either instance settled (and resumed) the job, by their logs. */
  const settledTimes = (jobId: string) =>
    ['a.log', 'b.log'].map((f) => (readFileSync(join(LOG_DIR, f), 'utf8').match(new RegExp(`"wecom card job settled","extra":\\{[^}]*"job":"${jobId}"`, 'g')) ?? []).length).reduce((x, y) => x + y, 0);
  const executionStatus = (id: string) => c.sql(`SELECT status FROM executions WHERE id = ${id}`);
  const jobsOfAfterNode = (id: string) => Number(c.sql(`SELECT count(*) FROM jobs WHERE "executionId" = ${id} AND "nodeId" = ${afterNodeId}`));

  it('a click on instance B resumes a job created through instance A, once', async () => {
    const { executionId, jobId } = await start();
    const tap = await fetch(`${c.sandbox.url}/__sandbox/cards/tap`, { method: 'POST', body: JSON.stringify({ userid: 'zhangsan', key: 'yes' }) });
    expect(((await tap.json()) as Json).attempts.map((a: Json) => a.status)).toEqual([200]);
    await waitFor(() => executionStatus(executionId), (s) => s === '1', 'the execution to resolve');
    expect(c.sql(`SELECT status, result->>'action' FROM jobs WHERE id = ${jobId}`)).toBe('1|approve');
    expect(jobsOfAfterNode(executionId)).toBe(1);
    expect(settledTimes(jobId)).toBe(1);
  });

  it('the same click reaching both instances at once decides and resumes once', async () => {
    const { executionId, jobId, taskId } = await start();
    const crypto = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP_ID });
    const now = Math.floor(Date.now() / 1000);
    const xml =
      `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>${now}</CreateTime>` +
      `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[yes]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId>` +
      `<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc]]></ResponseCode><AgentID>${AGENT_ID}</AgentID></xml>`;
    const deliver = async (instance: string) => {
      const timestamp = String(now);
      const nonce = String(Math.floor(Math.random() * 1e9));
      const { encrypt, signature } = crypto.encryptAndSign(xml, timestamp, nonce);
      const res = await fetch(`${instance}/api/wecom:appCallback?authenticator=wecom&msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><AgentID><![CDATA[${AGENT_ID}]]></AgentID><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      });
      return res.status;
    };
    expect(await Promise.all([deliver(c.a.url), deliver(c.b.url), deliver(c.a.url), deliver(c.b.url)])).toEqual([200, 200, 200, 200]);
    await waitFor(() => executionStatus(executionId), (s) => s === '1', 'the execution to resolve');
    expect(c.sql(`SELECT json_array_length((result->'decisions')::json) FROM jobs WHERE id = ${jobId}`)).toBe('1');
    expect(jobsOfAfterNode(executionId)).toBe(1);
    expect(settledTimes(jobId)).toBe(1);
  });
});
