// The contacts part of `npm run bench`: a pull of a generated corp (10,000 members in 500 departments by
// default; BENCH_MEMBERS and BENCH_DEPARTMENTS shrink it) through a `wecom` sync source of the running app,
// then a second pull with nothing changed, against NocoBase writing the same records itself: user-data-sync's
// own `userData:push` API, into a second app installed the same way. Both apps first take a warm-up push of
// 200 other members (NocoBase writes its first few hundred users about half as fast), then the pull and the
// push start at the same moment and run side by side: each NocoBase is one process, this machine has two
// cores, and whatever else loads the machine loads both alike. Run one after the other, the ratio moved from
// 0.9x to 2x with the machine's load. Not one app: NocoBase's writes slow down as its tables grow
// (user-data-sync looks its records up without an index), so the second writer would pay for the first's.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox, SandboxCorp, SandboxDepartment, SandboxMember } from '../sandbox';
import { Api, runCli, startApp } from '../scripts/nocobase';
import { nocobaseEnv, root } from '../scripts/paths.mjs';
import { freePort } from '../scripts/ports';

const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };
import { departmentRecords, userRecord } from '../src/server/sync/records';
import { parseDepartment, parseMember, WecomDepartment, WecomMember } from '../src/server/wecom/contacts';

const CORP_ID = 'wwbenchcontacts001';
const AUTHENTICATOR = 'wecom-contacts';
const SOURCE = 'wecom-contacts-bench';
const CONTACTS_SECRET = 'bench-contacts-secret-0123456789abcdef';
/** user-data-sync's records per push: the plugin's own batch. */
const PUSH_BATCH = 500;

export interface PullMeasure {
  /** From userData:pull to the task's end as seen here (polled every 5 s). */
  seconds: number;
  /** The task's own `cost` (NocoBase's clock, from the start of the pull to its end). */
  taskSeconds: number;
  calls: Record<string, number>;
  /** RSS of the NocoBase process, sampled every 250 ms. */
  rssMB: { before: number; peak: number };
  message: string;
}

export interface ContactsResults {
  members: number;
  departments: number;
  first: PullMeasure;
  second: PullMeasure;
  /** The same department and user records through userData:push into a second app, side by side with the first pull. */
  push: { seconds: number; calls: number; rssMB: { before: number; peak: number } };
  /** first pull (task time) / push */
  ratio: number;
}

/** Members the pull linked, for the benchmarks that follow (bench/notification.ts sends to them). */
export interface LinkedContacts {
  corpId: string;
  /** The WeCom authenticator they are linked under (uuid = userid, meta.corpId = corpId). */
  authenticator: string;
  /** The sync source that wrote them. */
  source: string;
  /** userid → NocoBase user id, sorted by userid. */
  members: { userid: string; id: number }[];
}

export interface ContactsBenchApp {
  url: string;
  admin: Api;
  sandbox: Sandbox;
  /** The NocoBase process: its RSS is sampled. */
  pid: number;
}

const pad = (i: number) => String(i).padStart(5, '0');

/**
 * `departments` departments (the root and a tree two levels deep under it) and `members` members with every
 * field WeCom gives: one department each, every tenth member in a second one, the first member of each
 * department its leader.
 */
export function benchContactsCorp(members: number, departments: number, prefix = '', phonePrefix = '135'): SandboxCorp {
  const list: SandboxDepartment[] = [{ id: 1, name: 'Bench Corp', parentid: 0, order: 100000000 }];
  const top = Math.max(1, Math.round(Math.sqrt(departments)));
  for (let id = 2; id <= departments; id++) {
    const parentid = id <= top + 1 ? 1 : 2 + ((id - 2) % top);
    list.push({ id, name: `Department ${id}`, parentid, order: 100000000 - id * 1000 });
  }
  const seen = new Set<number>();
  const people: SandboxMember[] = Array.from({ length: members }, (_, i) => {
    const main = 2 + (i % Math.max(1, departments - 1));
    const department = departments === 1 ? [1] : i % 10 === 9 ? [main, 1] : [main];
    const leader = !seen.has(main);
    seen.add(main);
    return {
      userid: `${prefix}staff${pad(i)}`,
      name: `${prefix}Staff ${pad(i)}`,
      mobile: `${phonePrefix}${String(i).padStart(8, '0')}`,
      email: `${prefix}staff${pad(i)}@bench.example`,
      biz_mail: `${prefix}staff${pad(i)}@corp.bench.example`,
      position: 'Engineer',
      department,
      main_department: department[0],
      is_leader_in_dept: department.map((_, j) => (j === 0 && leader ? 1 : 0)),
    };
  });
  return {
    corpId: CORP_ID,
    name: 'Bench Corp',
    apps: [{ agentId: '1000200', secret: 'bench-contacts-app-secret-0123456789', name: 'Contacts bench', trustedDomains: [], visibleTo: 'all' }],
    members: people,
    departments: list,
    contacts: { secret: CONTACTS_SECRET },
  };
}

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Runs `fn` while sampling the RSS of `pid`. */
async function sampled<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; rssMB: { before: number; peak: number } }> {
  const before = rssMB(pid);
  let peak = before;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMB(pid));
    } catch {
      // the process ended: the caller sees it fail
    }
  }, 250);
  try {
    const result = await fn();
    peak = Math.max(peak, rssMB(pid));
    return { result, rssMB: { before, peak } };
  } finally {
    clearInterval(timer);
  }
}

function callsDiff(sandbox: Sandbox, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(sandbox.stats().calls)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
}

async function pull(app: ContactsBenchApp, sourceId: number): Promise<PullMeasure> {
  const before = { ...app.sandbox.stats().calls };
  const t0 = Date.now();
  const { result: task, rssMB } = await sampled(app.pid, async () => {
    const known = (await app.admin.get<{ id: number }[]>('userDataSyncTasks:list', { filter: JSON.stringify({ sourceId }), sort: '-id', pageSize: '1' }))[0]?.id ?? 0;
    await app.admin.post(`userData:pull?name=${SOURCE}`, {});
    const deadline = Date.now() + 2 * 60 * 60_000;
    for (;;) {
      const [last] = await app.admin.get<{ id: number; status: string; message?: string; cost?: number }[]>('userDataSyncTasks:list', {
        filter: JSON.stringify({ sourceId }),
        sort: '-id',
        pageSize: '1',
      });
      if (last && last.id !== known && (last.status === 'success' || last.status === 'failed')) return last;
      if (Date.now() > deadline) throw new Error('contacts benchmark: the pull did not finish within two hours');
      // Not more often: each look is a request the app serves while it writes (the task's `cost` is exact).
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  });
  const seconds = (Date.now() - t0) / 1000;
  if (task.status !== 'success') throw new Error(`contacts benchmark: the pull failed: ${task.message}`);
  return { seconds, taskSeconds: (task.cost ?? 0) / 1000, calls: callsDiff(app.sandbox, before), rssMB, message: task.message ?? '' };
}

/** The records the pull writes, as WeCom's answers give them (the same parsing and mapping). */
function recordsOf(corp: SandboxCorp) {
  const departments = (corp.departments ?? []).map(parseDepartment).filter((d): d is WecomDepartment => d !== undefined);
  const members = corp.members.map(parseMember).filter((m): m is WecomMember => m !== undefined);
  return { departments: departmentRecords(departments), users: members.map(userRecord) };
}

/** NocoBase writing records itself: userData:push of `corp`'s departments and members, 500 a call. */
async function push(app: Pick<ContactsBenchApp, 'admin' | 'pid'>, corp: SandboxCorp, sourceName: string): Promise<ContactsResults['push']> {
  const { departments, users } = recordsOf(corp);
  let calls = 0;
  const t0 = Date.now();
  const { rssMB } = await sampled(app.pid, async () => {
    for (const [dataType, records] of [['department', departments], ['user', users]] as const) {
      for (let i = 0; i < records.length; i += PUSH_BATCH) {
        const reply = await app.admin.post<{ result?: { resource: string; detail: { count: { failed: number } } }[] }>('userData:push', {
          dataType,
          sourceName,
          records: records.slice(i, i + PUSH_BATCH),
        });
        const failed = (reply?.result ?? []).filter((r) => r.detail.count.failed > 0);
        if (failed.length) throw new Error(`contacts benchmark: userData:push failed records: ${JSON.stringify(failed).slice(0, 500)}`);
        calls++;
      }
    }
  });
  return { seconds: (Date.now() - t0) / 1000, calls, rssMB };
}

const warmUp = (app: Pick<ContactsBenchApp, 'admin' | 'pid'>, departments: number) =>
  push(app, benchContactsCorp(200, Math.min(departments, 20), 'warm-', '133'), 'bench-warm-up');

/** A second app with the same plugins, warmed up, for NocoBase's own userData:push. */
async function pushApp(departments: number): Promise<{ target: Pick<ContactsBenchApp, 'admin' | 'pid'>; stop: () => Promise<void> }> {
  const dir = join(root, 'bench/raw/contacts-push-app');
  rmSync(dir, { recursive: true, force: true });
  const env = nocobaseEnv({ storage: join(dir, 'storage'), port: await freePort(), extra: { LOGGER_LEVEL: 'warn' } });
  const logFile = join(root, 'bench/raw/nocobase-contacts-push.log');
  await runCli(['install', '-f'], env, logFile);
  await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
  await runCli(['pm', 'enable', 'departments'], env, logFile);
  const app = await startApp(env, logFile);
  try {
    const target = { admin: await Api.signIn(app.url, ADMIN.email, ADMIN.password), pid: app.process.pid! };
    await warmUp(target, departments);
    return { target, stop: () => app.stop() };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/**
 * Runs in the app of `npm run bench` (plugin-departments enabled), on a corp of its own in the running
 * sandbox; leaves the members linked for what follows.
 */
export async function contactsBench(
  app: ContactsBenchApp,
  members = Number(process.env.BENCH_MEMBERS || 10_000),
  departments = Number(process.env.BENCH_DEPARTMENTS || 500),
): Promise<{ results: ContactsResults; linked: LinkedContacts }> {
  const corp = benchContactsCorp(members, departments);
  app.sandbox.config.corps.push(corp);
  const wecomApp = corp.apps[0];
  await app.admin.post('authenticators:create', {
    name: AUTHENTICATOR,
    authType: 'WeCom',
    title: 'WeCom (contacts bench)',
    enabled: true,
    options: { corpId: CORP_ID, agentId: wecomApp.agentId, corpSecret: wecomApp.secret, origin: app.url, redirectPath: '/admin', public: { autoSignup: false, autoLogin: false } },
  });
  const source = await app.admin.post<{ id: number }>('userDataSyncSources:create', {
    name: SOURCE,
    sourceType: 'wecom',
    enabled: true,
    options: { authenticator: AUTHENTICATOR, contactsSecret: CONTACTS_SECRET },
  });
  console.log('  a second app for userData:push of the same records, warmed up with 200 other members...');
  const baseline = await pushApp(departments);
  let pushed: ContactsResults['push'];
  let first: PullMeasure;
  try {
    // NocoBase's first few hundred users are written markedly slower (measured: 300 users 55 s first, 30 s
    // right after): both measured parts run warm.
    console.log('  warm-up of this app: userData:push of 200 other members...');
    await warmUp(app, departments);
    console.log(`  first pull of ${members} members in ${departments} departments, and userData:push of the same records into the second app, side by side...`);
    [first, pushed] = await Promise.all([pull(app, Number(source.id)), push(baseline.target, corp, 'bench-push')]);
  } finally {
    await baseline.stop();
  }
  console.log(`  pull ${first.seconds.toFixed(1)} s (task ${first.taskSeconds.toFixed(1)} s): ${first.message}`);
  console.log(`  push ${pushed.seconds.toFixed(1)} s`);
  const second = await pull(app, Number(source.id));
  console.log(`  second pull ${second.seconds.toFixed(1)} s: ${second.message}`);
  if (!/Users: 0 written/.test(second.message)) throw new Error(`contacts benchmark: the second pull wrote users: ${second.message}`);

  const linked = await linkedMembers(app.admin, corp);
  if (linked.length !== members) throw new Error(`contacts benchmark: ${linked.length} of ${members} members were linked by the pull`);

  return {
    results: { members, departments, first, second, push: pushed, ratio: first.taskSeconds / pushed.seconds },
    linked: { corpId: CORP_ID, authenticator: AUTHENTICATOR, source: SOURCE, members: linked },
  };
}

/** The pull names each user after the member ("Staff 00042" is staff00042). */
async function linkedMembers(admin: Api, corp: SandboxCorp): Promise<{ userid: string; id: number }[]> {
  const users = await admin.get<{ id: number; nickname: string }[]>(`authenticators/${AUTHENTICATOR}/users:list`, { paginate: 'false', fields: 'id,nickname' });
  const byName = new Map(corp.members.map((m) => [m.name, m.userid]));
  return users
    .flatMap((u) => (byName.has(u.nickname) ? [{ userid: byName.get(u.nickname)!, id: u.id }] : []))
    .sort((x, y) => x.userid.localeCompare(y.userid));
}

/** The README table's contacts section. */
export function contactsReport(r: ContactsResults): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const calls = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines: string[] = [];
  lines.push(`6. Contacts pull: ${r.members} members in ${r.departments} departments (SQLite)`, '');
  lines.push('| run | wall s | task s | WeCom calls | app RSS before → peak MB |');
  lines.push('|---|---|---|---|---|');
  for (const [name, m] of [['first pull', r.first], ['second pull (nothing changed)', r.second]] as const) {
    lines.push(`| ${name} | ${f(m.seconds)} | ${f(m.taskSeconds)} | ${calls(m.calls)} | ${f(m.rssMB.before, 0)} → ${f(m.rssMB.peak, 0)} |`);
  }
  lines.push(`| userData:push of the same records (second app, same warm-up, run side by side with the first pull; ${r.push.calls} calls of ${PUSH_BATCH}) | ${f(r.push.seconds)} | | | ${f(r.push.rssMB.before, 0)} → ${f(r.push.rssMB.peak, 0)} |`);
  lines.push('');
  lines.push(`   first pull (task s) / push: ${f(r.ratio, 2)}x (target <= 1.3x: ${r.ratio <= 1.3 ? 'met' : 'MISSED'})`);
  return lines.join('\n');
}
