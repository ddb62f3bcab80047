// The group-robot part of `npm run bench`: 100 messages to one robot through the `wecom-robot` channel, sent at
// once as a workflow or an API client sends them (`messages:send`, NocoBase's queue): all delivered, in order,
// none refused, the robot's limit held. WeCom's limit is 20 a minute; here it is 20 per BENCH_ROBOT_WINDOW_MS
// (2 s) in the sandbox and the app alike, so the part takes seconds, not five minutes. Then the time a single
// send takes against NocoBase's in-app message channel in the same app.
import type { GroupMessage, Sandbox } from '../sandbox';
import type { Api } from '../scripts/nocobase';

export const ROBOT_LIMIT = 20;
export const ROBOT_WINDOW_MS = Number(process.env.BENCH_ROBOT_WINDOW_MS || 2000);
const MESSAGES = 100;
const SINGLE_SENDS = Number(process.env.BENCH_SINGLE_SENDS || 100);
const KEY = 'bench0000-robot-4c8a-9e6f-0a1b2c3d4e5f';
const GROUP = 'Bench group';

export interface RobotResults {
  messages: number;
  delivered: number;
  inOrder: boolean;
  /** 45009 answers of the sandbox: 0 when the app held the limit itself. */
  refused: number;
  limit: number;
  windowMs: number;
  /** The most messages the sandbox received in any window. */
  maxInWindow: number;
  /** From the first messages:send to the last send log. */
  elapsedMs: number;
  /** What the limit makes the least possible: (messages / limit - 1) windows. */
  minimumMs: number;
  single: { samples: number; waited: number; robot: { p50: number; p95: number }; inApp: { p50: number; p95: number }; ratio: { p50: number; p95: number } };
}

interface SendLog {
  status: string;
  reason?: string | null;
  createdAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function robotBench({ admin, sandbox }: { url: string; admin: Api; sandbox: Sandbox }): Promise<RobotResults> {
  sandbox.config.robots = [...(sandbox.config.robots ?? []), { key: KEY, name: 'Bench robot', group: GROUP }];
  sandbox.config.robotLimit = { perWindow: ROBOT_LIMIT, windowMs: ROBOT_WINDOW_MS };
  await admin.post('notificationChannels:create', { name: 'bench-robot', title: 'Bench robot', notificationType: 'wecom-robot', options: { webhookKey: KEY } });
  await admin.post('notificationChannels:create', { name: 'bench-robot-in-app', title: 'In-app', notificationType: 'in-app-message', options: {} });
  const before = sandbox.stats().calls['webhook/send:45009'] ?? 0;

  // A single send, the robot idle (sends paced to stay under its limit), against an in-app message to the admin.
  const robot: number[] = [];
  const inApp: number[] = [];
  let waited = 0;
  const warmUp = 5;
  for (let i = 0; i < SINGLE_SENDS + warmUp; i++) {
    let t = Date.now();
    const sent = await send(admin, { channelName: 'bench-robot', message: { msgtype: 'text', text: { content: `single ${i}` } } });
    if (sent.status !== 'success') throw new Error(`robot benchmark: a single send failed: ${sent.reason}`);
    if (i >= warmUp) robot.push(Date.parse(sent.createdAt) - t);
    if (/Waited/.test(sent.reason ?? '')) waited++;
    t = Date.now();
    const shown = await send(admin, { channelName: 'bench-robot-in-app', message: { title: 'Reminder', content: 'Your timesheet is due today.' }, receivers: { type: 'userId', value: [1] } });
    if (shown.status !== 'success') throw new Error(`robot benchmark: an in-app send failed: ${shown.reason}`);
    if (i >= warmUp) inApp.push(Date.parse(shown.createdAt) - t);
    await sleep(ROBOT_WINDOW_MS / ROBOT_LIMIT);
  }
  // Let the window of the single sends pass: the burst starts on an idle robot.
  await sleep(ROBOT_WINDOW_MS);

  const first = sandbox.groupMessages(GROUP).length;
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i++) {
    await admin.post('messages:send', { channelName: 'bench-robot', triggerFrom: 'bench-robot-burst', message: { msgtype: 'text', text: { content: `burst ${i}` } } });
  }
  let logs: SendLog[] = [];
  const deadline = Date.now() + 10 * 60_000;
  while (logs.length < MESSAGES) {
    if (Date.now() > deadline) throw new Error(`robot benchmark: ${logs.length} of ${MESSAGES} send logs after 10 minutes`);
    await sleep(250);
    logs = await admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom: 'bench-robot-burst' }), pageSize: String(MESSAGES * 2) });
  }
  const elapsedMs = Math.max(...logs.map((log) => Date.parse(log.createdAt))) - started;
  if (logs.some((log) => log.status !== 'success')) throw new Error(`robot benchmark: a send failed: ${logs.find((log) => log.status !== 'success')?.reason}`);
  const burst: GroupMessage[] = sandbox.groupMessages(GROUP).slice(first);
  const contents = burst.map((m) => String(m.content.content));
  const times = burst.map((m) => m.at);
  const r = { p50: percentile(robot, 50), p95: percentile(robot, 95) };
  const a = { p50: percentile(inApp, 50), p95: percentile(inApp, 95) };
  return {
    messages: MESSAGES,
    delivered: new Set(contents).size,
    inOrder: contents.length === MESSAGES && contents.every((content, i) => content === `burst ${i}`),
    refused: (sandbox.stats().calls['webhook/send:45009'] ?? 0) - before,
    limit: ROBOT_LIMIT,
    windowMs: ROBOT_WINDOW_MS,
    maxInWindow: Math.max(...times.map((at) => times.filter((t) => t >= at && t < at + ROBOT_WINDOW_MS).length)),
    elapsedMs,
    minimumMs: (MESSAGES / ROBOT_LIMIT - 1) * ROBOT_WINDOW_MS,
    single: { samples: robot.length, waited, robot: r, inApp: a, ratio: { p50: r.p50 / a.p50, p95: r.p95 / a.p95 } },
  };
}

/** messages:send, then its send log. */
async function send(admin: Api, body: Record<string, unknown>): Promise<SendLog> {
  const triggerFrom = `bench-robot-${Math.random().toString(36).slice(2)}`;
  await admin.post('messages:send', { ...body, triggerFrom });
  for (;;) {
    const [log] = await admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) });
    if (log) return log;
    await sleep(5);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The benchmark table's lines for this part, with its targets. */
export function robotReport(r: RobotResults): string[] {
  const f = (n: number, d = 1) => n.toFixed(d);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const s = r.single;
  return [
    `8. ${r.messages} messages to one group robot at once (wecom-robot channel, messages:send); the robot's limit shortened to ${r.limit} per ${f(r.windowMs / 1000)} s (WeCom: ${r.limit} a minute) in the sandbox and the app, so this part takes seconds`,
    '',
    `   ${r.delivered} of ${r.messages} delivered (${mark(r.delivered === r.messages)}), in order: ${mark(r.inOrder)}; refused by WeCom (45009): ${r.refused} (${mark(r.refused === 0)}); at most ${r.maxInWindow} in any ${f(r.windowMs / 1000)} s window (${mark(r.maxInWindow <= r.limit)})`,
    `   ${f(r.elapsedMs / 1000, 2)} s from the first messages:send to the last send log; the limit alone needs ${f(r.minimumMs / 1000, 1)} s`,
    `   One message, ${s.samples} sends each, from messages:send to the send log: robot p50 ${f(s.robot.p50)} ms, p95 ${f(s.robot.p95)} ms; in-app message p50 ${f(s.inApp.p50)} ms, p95 ${f(s.inApp.p95)} ms (robot / in-app: p50 ${f(s.ratio.p50, 2)}x, p95 ${f(s.ratio.p95, 2)}x)${s.waited ? `; ${s.waited} waited for the limit` : ''}`,
  ];
}
