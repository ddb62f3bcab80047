// The notification part of `npm run bench`: one text card to many linked users through the `wecom` channel,
// sent as a workflow or an API client sends it (`messages:send`, NocoBase's queue), and a send to one user
// against NocoBase's in-app message channel in the same app.
import { performance } from 'node:perf_hooks';
import type { Sandbox, SandboxCorp } from '../sandbox';
import type { Api } from '../scripts/nocobase';
import type { LinkedContacts } from './contacts';

/** 1,000 userids per message/send: WeCom's limit, and the plugin's batch. */
const BATCH = 1000;
const DELAY_MS = 50;
const SINGLE_SENDS = Number(process.env.BENCH_SINGLE_SENDS || 100);
const CORP_ID = 'wwbenchnotify00001';
const AUTHENTICATOR = 'wecom-notify';
const SOURCE = 'wecom-notify-contacts';

export interface NotificationBenchApp {
  url: string;
  admin: Api;
  sandbox: Sandbox;
}

export interface NotificationResults {
  recipients: number;
  /** How the recipients were linked to the authenticator, and how long that took. */
  linked: { how: string; seconds: number };
  bulk: {
    status: string;
    reason?: string | null;
    calls: Record<string, number>;
    /** From messages:send to the send log, as a workflow waits for it. */
    elapsedMs: number;
    delayMs: number;
    /**
     * What the sandbox itself spent answering (this process's busy time during the send: the sandbox runs
     * here, the app in its own process), the injected delay not included.
     */
    sandboxOwnMs: number;
    /** elapsed - delay x calls - the sandbox's own time: NocoBase's queue and send log, and the plugin */
    addedMs: number;
    /** Members whose sandbox inbox holds the message. */
    delivered: number;
  };
  single: {
    samples: number;
    wecom: { p50: number; p95: number };
    inApp: { p50: number; p95: number };
    ratio: { p50: number; p95: number };
  };
}

interface Member {
  userid: string;
  /** NocoBase user id */
  id: number;
}

interface SendLog {
  status: string;
  reason?: string | null;
  createdAt: string;
}

/**
 * The recipients are members linked by the contacts pull that ran before (`contacts`, bench/contacts.ts),
 * or, without it or when it linked fewer, the members of a corp of this part's own, linked the same way
 * (what a customer with 10,000 members does before sending them anything). BENCH_RECIPIENTS: how many
 * (default: every member the contacts pull linked, or 10,000).
 */
export async function notificationBench(
  { url, admin, sandbox }: NotificationBenchApp,
  contacts?: LinkedContacts,
  recipients = Number(process.env.BENCH_RECIPIENTS || contacts?.members.length || 10_000),
): Promise<NotificationResults> {
  const began = Date.now();
  let authenticator: string;
  let members: Member[];
  let linked: NotificationResults['linked'];
  let corp: SandboxCorp;
  if (contacts && contacts.members.length >= recipients) {
    authenticator = contacts.authenticator;
    members = contacts.members.slice(0, recipients);
    corp = sandbox.config.corps.find((c) => c.corpId === contacts.corpId)!;
    linked = { how: "the contacts benchmark's pull", seconds: 0 };
  } else {
    corp = benchCorp(recipients);
    sandbox.config.corps.push(corp);
    const app = corp.apps[0];
    authenticator = AUTHENTICATOR;
    await admin.post('authenticators:create', {
      name: AUTHENTICATOR,
      authType: 'WeCom',
      title: 'WeCom (notifications)',
      enabled: true,
      options: { corpId: corp.corpId, agentId: app.agentId, corpSecret: app.secret, origin: url, redirectPath: '/admin', public: { autoSignup: false, autoLogin: false } },
    });
    members = await linkByContactsPull(admin, corp, recipients);
    linked = { how: 'a contacts pull', seconds: (Date.now() - began) / 1000 };
    console.log(`  ${members.length} members linked by a contacts pull in ${Math.round(linked.seconds)} s`);
  }

  await admin.post('notificationChannels:create', { name: 'bench-wecom', title: 'WeCom', notificationType: 'wecom', options: { authenticator } });
  await admin.post('notificationChannels:create', { name: 'bench-in-app', title: 'In-app', notificationType: 'in-app-message', options: {} });

  // One text card to everyone, WeCom answering each call after 50 ms: exactly the calls expected are
  // delayed (a fault is used up by its calls; the sandbox is not reset, which would forget every token).
  const batches = Math.ceil(recipients / BATCH);
  sandbox.inject({ endpoint: 'message/send', delayMs: DELAY_MS, times: batches });
  sandbox.inject({ endpoint: 'gettoken', delayMs: DELAY_MS, times: 1 });
  const before = { ...sandbox.stats().calls };
  const had = new Map(members.map((m) => [m.userid, sandbox.inbox(m.userid).length]));
  const busy = performance.eventLoopUtilization();
  const t0 = Date.now();
  const log = await send(admin, {
    channelName: 'bench-wecom',
    message: { msgtype: 'textcard', title: 'Quarterly report', description: 'The Q3 figures are in. Please review them by Friday.', url: '/admin', btntxt: 'Open' },
    receivers: { type: 'userId', value: members.map((m) => m.id) },
  }, () => (sandbox.stats().calls['message/send'] ?? 0) - (before['message/send'] ?? 0) >= batches);
  const elapsedMs = Date.parse(log.createdAt) - t0;
  const sandboxOwnMs = performance.eventLoopUtilization(busy).active;
  const calls = diff(sandbox.stats().calls, before);
  const delivered = members.filter((m) => sandbox.inbox(m.userid).length === had.get(m.userid)! + 1).length;
  const problems: string[] = [];
  if (log.status !== 'success') problems.push(`the send log says ${log.status}: ${log.reason}`);
  if (calls['message/send'] !== batches) problems.push(`${calls['message/send'] ?? 0} message/send calls, expected ${batches}`);
  if ((calls.gettoken ?? 0) > 1) problems.push(`${calls.gettoken} gettoken calls, expected at most 1`);
  const others = Object.keys(calls).filter((endpoint) => endpoint !== 'message/send' && endpoint !== 'gettoken');
  if (others.length) problems.push(`unexpected WeCom calls: ${others.join(', ')}`);
  if (delivered !== recipients) problems.push(`${delivered} of ${recipients} members received the message`);
  if (problems.length) throw new Error(`notification benchmark: ${problems.join('; ')}`);
  // The app's token was cached already: use up the gettoken delay.
  if (!calls.gettoken) await fetch(`${sandbox.url}/cgi-bin/gettoken?corpid=${corp.corpId}&corpsecret=${encodeURIComponent(corp.apps[0].secret)}`);
  const bulk = {
    status: log.status,
    reason: log.reason,
    calls,
    elapsedMs,
    delayMs: DELAY_MS,
    sandboxOwnMs,
    addedMs: elapsedMs - DELAY_MS * total(calls) - sandboxOwnMs,
    delivered,
  };

  // One user at a time, WeCom and in-app alternating; each message to another member (WeCom drops more
  // than 30 a minute to one member).
  const wecom: number[] = [];
  const inApp: number[] = [];
  const warmUp = 5;
  for (let i = 0; i < SINGLE_SENDS + warmUp; i++) {
    const member = members[i % members.length];
    const receivers = { type: 'userId', value: [member.id] };
    const had = sandbox.inbox(member.userid).length;
    let t = Date.now();
    const sent = await send(admin, { channelName: 'bench-wecom', message: { msgtype: 'textcard', title: 'Reminder', description: 'Your timesheet is due today.', url: '/admin' }, receivers }, () =>
      sandbox.inbox(member.userid).length > had,
    );
    if (sent.status !== 'success') throw new Error(`notification benchmark: a send to one user failed: ${sent.reason}`);
    if (i >= warmUp) wecom.push(Date.parse(sent.createdAt) - t);
    t = Date.now();
    const shown = await send(admin, { channelName: 'bench-in-app', message: { title: 'Reminder', content: 'Your timesheet is due today.' }, receivers });
    if (shown.status !== 'success') throw new Error(`notification benchmark: an in-app send failed: ${shown.reason}`);
    if (i >= warmUp) inApp.push(Date.parse(shown.createdAt) - t);
  }
  const w = { p50: percentile(wecom, 50), p95: percentile(wecom, 95) };
  const a = { p50: percentile(inApp, 50), p95: percentile(inApp, 95) };
  return { recipients, linked, bulk, single: { samples: wecom.length, wecom: w, inApp: a, ratio: { p50: w.p50 / a.p50, p95: w.p95 / a.p95 } } };
}

function benchCorp(count: number): SandboxCorp {
  return {
    corpId: CORP_ID,
    name: 'Notification Bench Corp',
    apps: [{ agentId: '1000100', secret: 'bench-notify-secret-0123456789', name: 'Notices', trustedDomains: [], visibleTo: 'all' }],
    members: Array.from({ length: count }, (_, i) => ({ userid: memberId(i), name: `Notify ${String(i).padStart(5, '0')}` })),
    contacts: { secret: 'bench-notify-contacts-secret-0123456789' },
  };
}

const memberId = (i: number) => `notify${String(i).padStart(5, '0')}`;

async function linkByContactsPull(admin: Api, corp: SandboxCorp, count: number): Promise<Member[]> {
  const source = await admin.post<{ id: number }>('userDataSyncSources:create', {
    name: SOURCE,
    sourceType: 'wecom',
    enabled: true,
    options: { authenticator: AUTHENTICATOR, contactsSecret: corp.contacts!.secret },
  });
  await admin.post(`userData:pull?name=${SOURCE}`, {});
  const deadline = Date.now() + 60 * 60_000;
  for (;;) {
    const [task] = await admin.get<{ status: string; message?: string }[]>('userDataSyncTasks:list', {
      filter: JSON.stringify({ sourceId: source.id }),
      sort: '-id',
      pageSize: '1',
    });
    if (task?.status === 'success') break;
    if (task?.status === 'failed') throw new Error(`notification benchmark: the contacts pull failed: ${task.message}`);
    if (Date.now() > deadline) throw new Error('notification benchmark: the contacts pull did not finish within an hour');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const links = await admin.get<{ userId: number; uuid: string; meta?: { corpId?: string } }[]>('usersAuthenticators:list', {
    filter: JSON.stringify({ authenticator: AUTHENTICATOR }),
    fields: 'userId,uuid,meta',
    paginate: 'false',
  });
  const members = links.filter((l) => l.meta?.corpId === corp.corpId).map((l) => ({ userid: l.uuid, id: Number(l.userId) }));
  if (members.length !== count) throw new Error(`notification benchmark: ${members.length} of ${count} members were linked by the pull`);
  return members.sort((x, y) => x.userid.localeCompare(y.userid));
}

/**
 * messages:send, then its send log. `arrived` (the sandbox's inbox, read in this process) says when to
 * look, so that polling does not load the app while it sends.
 */
async function send(admin: Api, body: Record<string, unknown>, arrived?: () => boolean): Promise<SendLog> {
  const triggerFrom = `bench-${Math.random().toString(36).slice(2)}`;
  await admin.post('messages:send', { ...body, triggerFrom });
  const deadline = Date.now() + 30 * 60_000;
  while (arrived && !arrived() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  for (;;) {
    const [log] = await admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) });
    if (log) return log;
    if (Date.now() > deadline) throw new Error(`notification benchmark: no send log for ${triggerFrom}`);
    await new Promise((resolve) => setTimeout(resolve, arrived ? 5 : 200));
  }
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, v]) => v > 0));
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The benchmark table's lines for this part, with its targets. */
export function notificationReport(r: NotificationResults): string[] {
  const f = (n: number, d = 1) => n.toFixed(d);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const b = r.bulk;
  const batches = Math.ceil(r.recipients / BATCH);
  const s = r.single;
  return [
    `7. One text card to ${r.recipients.toLocaleString('en-US')} linked users (WeCom channel, messages:send; linked beforehand by ${r.linked.how}${r.linked.seconds ? ` in ${f(r.linked.seconds, 0)} s` : ''})`,
    '',
    `   WeCom calls: ${Object.entries(b.calls)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} (target ${batches} message/send: ${mark(b.calls['message/send'] === batches)}; at most 1 gettoken: ${mark((b.calls.gettoken ?? 0) <= 1)}); ${b.delivered.toLocaleString('en-US')} inboxes received it`,
    `   ${f(b.elapsedMs / 1000, 2)} s from messages:send to the send log, with WeCom answering each call after ${b.delayMs} ms; the plugin and NocoBase add ${f(b.addedMs, 0)} ms (the sandbox's own answers: ${f(b.sandboxOwnMs, 0)} ms)`,
    '',
    `   One user, ${s.samples} sends each, from messages:send to the send log: WeCom p50 ${f(s.wecom.p50)} ms, p95 ${f(s.wecom.p95)} ms; in-app message p50 ${f(s.inApp.p50)} ms, p95 ${f(s.inApp.p95)} ms (WeCom / in-app: p50 ${f(s.ratio.p50, 2)}x, p95 ${f(s.ratio.p95, 2)}x)`,
  ];
}
