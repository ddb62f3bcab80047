// The WeCom card part of `npm run bench` (#20): how long from a member's tap on Approve to the job resumed and the
// execution finished, against plugin-workflow-manual's own submit of the same decision in the same app and run
// (target: at most 1.5x, p50 and p95); and a card to 1,000 assignees: one message/send, at most one gettoken.
//   npm run bench -- card    this part alone, in an app of its own
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../sandbox';
import { Api, runCli, startApp } from '../scripts/nocobase';
import { nocobaseEnv, root } from '../scripts/paths.mjs';
import { freePort } from '../scripts/ports';
import { sandboxEnv } from '../sandbox';
import { WECOM_UA, WecomUser } from '../test/helpers/wecom-user';

// The sandbox, like WeCom, drops messages beyond 30 a minute from one app to one member: the approver gets one card per sample.
const SAMPLES = Number(process.env.BENCH_CARD_SAMPLES || 25);
const MANY = 1000;
const TOKEN = 'benchCardToken1';
const AES_KEY = 'BenchCardEncodingAESKey0123456789abcdefghij';
const APPROVER = { userid: 'approver', name: 'Approver', mobile: '13955550000', username: 'approver', password: 'Approver123' };
const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };

type Json = Record<string, any>;

export interface CardResults {
  samples: number;
  /** tap (the sandbox POSTs the click to the app) → the execution resolved */
  card: { p50: number; p95: number };
  /** workflowManualTasks:submit → the execution resolved */
  manual: { p50: number; p95: number };
  ratio: { p50: number; p95: number };
  many: { assignees: number; calls: Record<string, number> };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => { while (next < items.length) await fn(items[next++]); }));
}

/**
 * On an app with a `wecom` authenticator (sandbox corp 0, app 0), plugin-workflow and plugin-workflow-manual:
 * adds the callback settings, an approver linked by phone, and two workflows deciding the same thing.
 */
export async function cardBench({ url, admin, sandbox }: { url: string; admin: Api; sandbox: Sandbox }): Promise<CardResults> {
  const corp = sandbox.config.corps[0];
  const wecomApp = corp.apps[0];
  wecomApp.visibleTo = 'all';
  corp.members.push({ userid: APPROVER.userid, name: APPROVER.name, mobile: APPROVER.mobile });
  // Sign-up by a first WeCom login needs the member's mobile.
  for (let i = 0; i < MANY; i++) corp.members.push({ userid: `cardmember${i}`, name: `Card member ${i}`, mobile: `1397${String(i).padStart(7, '0')}` });

  const [authenticator] = await admin.get<Json[]>('authenticators:list', { filter: JSON.stringify({ name: 'wecom' }) });
  await admin.post(`authenticators:update?filterByTk=${authenticator.id}`, {
    enabled: true,
    options: { ...authenticator.options, public: { ...authenticator.options.public, autoSignup: true }, callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY },
  });
  const saved = await fetch(`${sandbox.url}/__sandbox/app/callback`, { method: 'POST', body: JSON.stringify({ url: `${url}/api/wecom:appCallback?authenticator=wecom`, token: TOKEN, encodingAESKey: AES_KEY }) });
  if (!saved.ok) throw new Error(`bench: the sandbox could not verify the callback URL: ${await saved.text()}`);

  const approver = await admin.post<Json>('users:create', { nickname: APPROVER.name, username: APPROVER.username, phone: APPROVER.mobile, password: APPROVER.password });
  const signedIn = await new WecomUser(url, WECOM_UA).signInInClient('wecom', APPROVER.userid);
  if (!signedIn.ok) throw new Error(`bench: the approver's first WeCom login failed: HTTP ${signedIn.status}`);
  const approverApi = await Api.signIn(url, APPROVER.username, APPROVER.password);

  await admin.post('collections:create', { name: 'benchCardOrders', title: 'Bench orders', fields: [{ name: 'kind', type: 'string', interface: 'input' }] });
  const workflowOn = async (kind: string) =>
    admin.post<Json>('workflows:create', {
      title: `bench ${kind}`,
      type: 'collection',
      enabled: true,
      sync: false,
      config: { mode: 1, collection: 'benchCardOrders', condition: { $and: [{ kind: { $eq: kind } }] } },
    });
  const cardWorkflow = await workflowOn('card');
  await admin.post(`workflows/${cardWorkflow.id}/nodes:create`, {
    type: 'wecom-card',
    title: 'Card',
    config: { authenticator: 'wecom', assignees: [approver.id], mode: 0, title: 'Approve', buttons: [{ key: 'ok', text: 'Approve', action: 'approve' }] },
  });
  const manualWorkflow = await workflowOn('manual');
  await admin.post(`workflows/${manualWorkflow.id}/nodes:create`, {
    type: 'manual',
    title: 'Manual',
    config: { assignees: [approver.id], mode: 0, forms: { f: { type: 'custom', actions: [{ status: 1, key: 'ok' }] } } },
  });

  const latest = async (workflowId: number) => (await admin.get<Json[]>('executions:list', { filter: JSON.stringify({ workflowId }), sort: '-id', pageSize: '1' }))[0];
  const resolved = (id: number) => until(() => admin.get<Json>('executions:get', { filterByTk: String(id) }), (e) => e.status !== 0, 'the execution');

  const card: number[] = [];
  const manual: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    // Card: the card is in the member's inbox and the job waits; then the tap.
    const before = (await latest(Number(cardWorkflow.id)))?.id ?? 0;
    await admin.post('benchCardOrders:create', { kind: 'card' });
    const execution = await until(() => latest(Number(cardWorkflow.id)), (e) => Boolean(e && e.id !== before), 'the card execution');
    await until(() => admin.get<Json[]>('jobs:list', { filter: JSON.stringify({ executionId: execution.id }) }), (jobs) => jobs.length > 0, 'the card job');
    const t0 = performance.now();
    const tap = await fetch(`${sandbox.url}/__sandbox/cards/tap`, { method: 'POST', body: JSON.stringify({ userid: APPROVER.userid, key: 'ok' }) });
    if (!tap.ok) throw new Error(`bench: the tap failed: ${await tap.text()}`);
    const done = await resolved(execution.id);
    card.push(performance.now() - t0);
    if (done.status !== 1) throw new Error(`bench: the card execution ended ${done.status}`);

    // Manual: the task waits for the approver; then their submit.
    const beforeManual = (await latest(Number(manualWorkflow.id)))?.id ?? 0;
    await admin.post('benchCardOrders:create', { kind: 'manual' });
    const manualExecution = await until(() => latest(Number(manualWorkflow.id)), (e) => Boolean(e && e.id !== beforeManual), 'the manual execution');
    const [task] = await until(
      () => admin.get<Json[]>('workflowManualTasks:list', { filter: JSON.stringify({ executionId: manualExecution.id }) }),
      (tasks) => tasks.length > 0,
      'the manual task',
    );
    const t1 = performance.now();
    await approverApi.post(`workflowManualTasks:submit?filterByTk=${task.id}`, { result: { f: {}, _: 'ok' } });
    const manualDone = await resolved(manualExecution.id);
    manual.push(performance.now() - t1);
    if (manualDone.status !== 1) throw new Error(`bench: the manual execution ended ${manualDone.status}`);
  }

  // 1,000 assignees: members sign up by their first WeCom login (linked), then one card for all of them.
  // One at a time: concurrent sign-ups hit SQLITE_BUSY on NocoBase 2.2 (its own, not the plugin's).
  await mapLimit(Array.from({ length: MANY }, (_, i) => i), 1, async (i) => {
    const res = await new WecomUser(url, WECOM_UA).signInInClient('wecom', `cardmember${i}`);
    if (!res.ok) throw new Error(`bench: cardmember${i}'s first login failed: HTTP ${res.status}`);
  });
  const linked = await admin.get<Json[]>('authenticators/wecom/users:list', { paginate: 'false', fields: 'id,nickname' });
  const many = linked.filter((u) => String(u.nickname).startsWith('Card member ')).map((u) => u.id);
  const manyWorkflow = await workflowOn('many');
  await admin.post(`workflows/${manyWorkflow.id}/nodes:create`, {
    type: 'wecom-card',
    title: 'Card',
    config: { authenticator: 'wecom', assignees: many, mode: 0, title: 'Everyone', buttons: [{ key: 'ok', text: 'Approve', action: 'approve' }] },
  });
  const callsBefore = { ...sandbox.stats().calls };
  await admin.post('benchCardOrders:create', { kind: 'many' });
  await until(async () => (await fetch(`${sandbox.url}/__sandbox/cards/cardmember${MANY - 1}`).then((r) => r.json())) as Json, (r) => r.cards.length > 0, 'the 1,000-assignee card');
  const calls = Object.fromEntries(
    Object.entries(sandbox.stats().calls)
      .map(([k, v]) => [k, v - (callsBefore[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

  const p = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
  const c = p(card);
  const m = p(manual);
  return { samples: SAMPLES, card: c, manual: m, ratio: { p50: c.p50 / m.p50, p95: c.p95 / m.p95 }, many: { assignees: many.length, calls } };
}

/** `npm run bench -- card`: this part in an app of its own. */
export async function cardAlone(sandbox: Sandbox): Promise<CardResults> {
  const dir = join(root, 'bench/raw/card-app');
  rmSync(dir, { recursive: true, force: true });
  const port = await freePort();
  const env = nocobaseEnv({ storage: join(dir, 'storage'), port, extra: { LOGGER_LEVEL: 'warn', ...sandboxEnv(sandbox.url), WECOM_START_RATE_LIMIT: '0' } });
  const logFile = join(root, 'bench/raw/nocobase-card.log');
  await runCli(['install', '-f'], env, logFile);
  for (const plugin of ['auth-wecom', 'workflow', 'workflow-manual']) await runCli(['pm', 'enable', plugin], env, logFile);
  const app = await startApp(env, logFile);
  try {
    for (const app0 of sandbox.config.corps[0].apps) app0.trustedDomains.push(new URL(app.url).host);
    const admin = await Api.signIn(app.url, ADMIN.email, ADMIN.password);
    const corp = sandbox.config.corps[0];
    await admin.post('authenticators:create', {
      name: 'wecom',
      authType: 'WeCom',
      title: 'WeCom',
      enabled: true,
      options: { corpId: corp.corpId, agentId: corp.apps[0].agentId, corpSecret: corp.apps[0].secret, origin: app.url, redirectPath: '/admin', public: { autoSignup: true, autoLogin: false } },
    });
    return await cardBench({ url: app.url, admin, sandbox });
  } finally {
    await app.stop();
  }
}

/** The README table's card section. */
export function cardReport(r: CardResults): string[] {
  const f = (n: number, d = 1) => n.toFixed(d);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const calls = Object.entries(r.many.calls).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `9. WeCom card: tap → execution resumed and finished, against plugin-workflow-manual's submit of the same decision (${r.samples} samples each, same app)`,
    '',
    '| | WeCom card | manual node | card / manual | target <= 1.5x |',
    '|---|---|---|---|---|',
    `| p50 ms | ${f(r.card.p50)} | ${f(r.manual.p50)} | ${f(r.ratio.p50, 2)}x | ${mark(r.ratio.p50 <= 1.5)} |`,
    `| p95 ms | ${f(r.card.p95)} | ${f(r.manual.p95)} | ${f(r.ratio.p95, 2)}x | ${mark(r.ratio.p95 <= 1.5)} |`,
    '',
    `   A card to ${r.many.assignees} assignees: ${calls} (target: 1 message/send, <= 1 gettoken: ${mark(r.many.calls['message/send'] === 1 && (r.many.calls.gettoken ?? 0) <= 1)})`,
  ];
}
