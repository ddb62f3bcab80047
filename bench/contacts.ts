// The contacts part of `npm run bench`, on SQLite (the bench app) and on PostgreSQL (a throw-away server, when the
// machine has one; BENCH_CONTACTS_DIALECTS=sqlite skips it). On each database:
// - the cost per member: a first pull of 1,000 members (BENCH_SMALL_MEMBERS) and one of 10,000 (BENCH_MEMBERS, in
//   500 departments: BENCH_DEPARTMENTS), each against NocoBase writing the same records itself (user-data-sync's
//   own `userData:push` API, 500 a call) into a second app installed the same way;
// - a preview of the 10,000 before their first pull (wecom:previewSync), the second pull with nothing changed (beside
//   the same records pushed again);
// - a change event's latency: WeCom's change_contact callback posted (the sandbox signs, encrypts and posts it as
//   WeCom does) until the renamed member's user reads the new name through the API, p50/p95.
// Both apps first take a warm-up push of 200 other members (NocoBase writes its first few hundred users about half
// as fast); then each pull and its push start at the same moment and run side by side: each NocoBase is one
// process, this machine has two cores, and whatever else loads the machine loads both alike (run one after the
// other, the ratio moved from 0.9x to 2x with the machine's load). Two apps, not one: each writer's tables grow
// with its own records only.
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Sandbox, SandboxCorp, SandboxDepartment, SandboxMember } from '../sandbox';
import { sandboxEnv } from '../sandbox';
import { Postgres, startPostgres } from '../scripts/cluster/services';
import { Api, RunningApp, runCli, startApp } from '../scripts/nocobase';
import { nocobaseEnv, root } from '../scripts/paths.mjs';
import { freePort } from '../scripts/ports';
import { departmentRecords, userRecord } from '../src/server/sync/records';
import { parseDepartment, parseMember, WecomDepartment, WecomMember } from '../src/server/wecom/contacts';

const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };
const CORP_ID = 'wwbenchcontacts001';
const AUTHENTICATOR = 'wecom-contacts';
const SOURCE = 'wecom-contacts-bench';
const CONTACTS_SECRET = 'bench-contacts-secret-0123456789abcdef';
const CALLBACK_TOKEN = 'benchToken';
const CALLBACK_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
/** user-data-sync's records per push: the plugin's own batch. */
const PUSH_BATCH = 500;
/** Change events measured, one after the other. */
const EVENTS = Number(process.env.BENCH_EVENTS || 50);

export interface PullMeasure {
  /** From userData:pull to the task's end as seen here (polled every second). */
  seconds: number;
  /** The task's own `cost` (NocoBase's clock, from the start of the pull to its end). */
  taskSeconds: number;
  calls: Record<string, number>;
  /** RSS of the NocoBase process, sampled every 250 ms. */
  rssMB: { before: number; peak: number };
  message: string;
}

export interface PushMeasure {
  seconds: number;
  calls: number;
  rssMB: { before: number; peak: number };
}

/** One corp's first pull beside the push of the same records. */
export interface FirstPull {
  members: number;
  departments: number;
  pull: PullMeasure;
  push: PushMeasure;
  /** pull (task s) / push */
  ratio: number;
  /** seconds per member: pull (task s) and push */
  perMember: { pull: number; push: number };
}

export interface DatabaseResults {
  database: 'sqlite' | 'postgres';
  /** When and where: the machine is shared, its load average when the part began says how much. */
  measured: { date: string; machine: string; cores: number; loadBefore: number[]; seconds: number };
  small: FirstPull;
  large: FirstPull;
  /** Per-member cost of the large pull / the small one (target <= 1.2). */
  growth: { pull: number; push: number };
  preview: { seconds: number; create: number; departments: number };
  second: PullMeasure;
  /** The same records pushed again into the second app, side by side with the second pull. */
  secondPush?: PushMeasure;
  events: { samples: number; p50: number; p95: number };
}

export interface ContactsResults {
  sqlite?: DatabaseResults;
  postgres?: DatabaseResults | { skipped: string };
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

type PushTarget = Pick<ContactsBenchApp, 'admin' | 'pid'>;

const pad = (i: number) => String(i).padStart(5, '0');

/**
 * `departments` departments (the root and a tree two levels deep under it) and `members` members with every
 * field WeCom gives: one department each, every tenth member in a second one, the first member of each
 * department its leader.
 */
export function benchContactsCorp(members: number, departments: number, prefix = '', phonePrefix = '135', corpId = CORP_ID): SandboxCorp {
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
    corpId,
    name: 'Bench Corp',
    apps: [{ agentId: '1000200', secret: `${corpId}-app-secret-0123456789`, name: 'Contacts bench', trustedDomains: [], visibleTo: 'all' }],
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

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

async function pull(app: ContactsBenchApp, source: { name: string; id: number }): Promise<PullMeasure> {
  const before = { ...app.sandbox.stats().calls };
  const t0 = Date.now();
  const filter = JSON.stringify({ sourceId: source.id });
  const { result: task, rssMB } = await sampled(app.pid, async () => {
    const known = (await app.admin.get<{ id: number }[]>('userDataSyncTasks:list', { filter, sort: '-id', pageSize: '1' }))[0]?.id ?? 0;
    await app.admin.post(`userData:pull?name=${source.name}`, {});
    const deadline = Date.now() + 2 * 60 * 60_000;
    for (;;) {
      const [last] = await app.admin.get<{ id: number; status: string; message?: string; cost?: number }[]>('userDataSyncTasks:list', { filter, sort: '-id', pageSize: '1' });
      if (last && last.id !== known && (last.status === 'success' || last.status === 'failed')) return last;
      if (Date.now() > deadline) throw new Error('contacts benchmark: the pull did not finish within two hours');
      // The task's `cost` is exact: this look only tells when it ended.
      await new Promise((resolve) => setTimeout(resolve, 1000));
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
async function push(app: PushTarget, corp: SandboxCorp, sourceName: string): Promise<PushMeasure> {
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

const warmUp = (app: PushTarget, departments: number) => push(app, benchContactsCorp(200, Math.min(departments, 20), 'warm-', '133', 'wwbenchwarmup0001'), 'bench-warm-up');

/** A NocoBase app installed with the bench's plugins (departments among them), started, the admin signed in. */
async function benchApp(name: string, extra: Record<string, string>): Promise<{ app: RunningApp; target: PushTarget; admin: Api }> {
  const dir = join(root, `bench/raw/${name}`);
  rmSync(dir, { recursive: true, force: true });
  const env = nocobaseEnv({ storage: join(dir, 'storage'), port: await freePort(), extra: { LOGGER_LEVEL: 'warn', ...extra } });
  const logFile = join(root, `bench/raw/nocobase-${name}.log`);
  await runCli(['install', '-f'], env, logFile);
  await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
  await runCli(['pm', 'enable', 'departments'], env, logFile);
  const app = await startApp(env, logFile);
  try {
    const admin = await Api.signIn(app.url, ADMIN.email, ADMIN.password);
    return { app, admin, target: { admin, pid: app.process.pid! } };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

/** A WeCom authenticator and a `wecom` sync source (with the change callback's Token and key) for `corp`. */
async function addSource(app: ContactsBenchApp, corp: SandboxCorp, name: string): Promise<{ name: string; id: number; authenticator: string }> {
  const authenticator = name === SOURCE ? AUTHENTICATOR : `${name}-auth`;
  const wecomApp = corp.apps[0];
  await app.admin.post('authenticators:create', {
    name: authenticator,
    authType: 'WeCom',
    title: `WeCom (${name})`,
    enabled: true,
    options: { corpId: corp.corpId, agentId: wecomApp.agentId, corpSecret: wecomApp.secret, origin: app.url, redirectPath: '/admin', public: { autoSignup: false, autoLogin: false } },
  });
  const source = await app.admin.post<{ id: number }>('userDataSyncSources:create', {
    name,
    sourceType: 'wecom',
    enabled: true,
    options: { authenticator, contactsSecret: CONTACTS_SECRET, callbackToken: CALLBACK_TOKEN, callbackEncodingAESKey: CALLBACK_AES_KEY },
  });
  return { name, id: Number(source.id), authenticator };
}

/** A first pull of `corp` and the push of the same records into `baseline`, side by side. */
async function firstPull(app: ContactsBenchApp, baseline: PushTarget, corp: SandboxCorp, source: { name: string; id: number }): Promise<FirstPull> {
  const members = corp.members.length;
  const departments = corp.departments?.length ?? 0;
  console.log(`  first pull of ${members} members in ${departments} departments, and userData:push of the same records into the second app, side by side...`);
  const [pulled, pushed] = await Promise.all([pull(app, source), push(baseline, corp, `${source.name}-push`)]);
  console.log(`  pull ${pulled.seconds.toFixed(1)} s (task ${pulled.taskSeconds.toFixed(1)} s), push ${pushed.seconds.toFixed(1)} s: ${pulled.message}`);
  return {
    members,
    departments,
    pull: pulled,
    push: pushed,
    ratio: pulled.taskSeconds / pushed.seconds,
    perMember: { pull: pulled.taskSeconds / members, push: pushed.seconds / members },
  };
}

/** wecom:previewSync of a source: its time and what it would create. */
async function preview(app: ContactsBenchApp, source: string): Promise<DatabaseResults['preview']> {
  const t0 = performance.now();
  const answer = await app.admin.post<{ ok: boolean; message?: string; users: { create: { count: number } }; departments: { create: { count: number } } }>(`wecom:previewSync?source=${source}`, {});
  const seconds = (performance.now() - t0) / 1000;
  if (!answer.ok) throw new Error(`contacts benchmark: the preview failed: ${answer.message}`);
  console.log(`  preview ${seconds.toFixed(1)} s: ${answer.users.create.count} users and ${answer.departments.create.count} departments to create`);
  return { seconds, create: answer.users.create.count, departments: answer.departments.create.count };
}

/**
 * WeCom's change_contact callback for one member renamed, from the post until the user reads the new name through
 * the API (looked at every 20 ms): EVENTS members one after the other.
 */
async function eventLatency(app: ContactsBenchApp, corp: SandboxCorp, source: string): Promise<DatabaseResults['events']> {
  corp.contacts!.callback = { url: `${app.url}/api/wecom:contactsCallback?source=${source}`, token: CALLBACK_TOKEN, encodingAESKey: CALLBACK_AES_KEY };
  const latencies: number[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const member = corp.members[(i * 197) % corp.members.length];
    const name = `${member.name} (renamed ${i})`;
    const t0 = performance.now();
    const report = await app.sandbox.changeContact({ corpId: corp.corpId, changeType: 'update_user', user: { userid: member.userid, name } });
    if (!report.attempts.some((a) => a.status === 200)) throw new Error(`contacts benchmark: the change callback failed: ${JSON.stringify(report.attempts)}`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const users = await app.admin.get<unknown[]>('users:list', { filter: JSON.stringify({ nickname: name }), pageSize: '1' });
      if (users.length) break;
      if (Date.now() > deadline) throw new Error(`contacts benchmark: ${member.userid} was not renamed within a minute of the event`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    latencies.push(performance.now() - t0);
  }
  const events = { samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  console.log(`  change event -> user updated: p50 ${events.p50.toFixed(0)} ms, p95 ${events.p95.toFixed(0)} ms`);
  return events;
}

/** Everything measured on one database: `app` pulls, `baseline` (a second app of the same kind) pushes. */
async function onDatabase(database: DatabaseResults['database'], app: ContactsBenchApp, baseline: PushTarget, corpIdOf: (size: string) => string) {
  const began = Date.now();
  const measured = { date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, cores: cpus().length, loadBefore: loadavg() };
  const members = Number(process.env.BENCH_MEMBERS || 10_000);
  const departments = Number(process.env.BENCH_DEPARTMENTS || 500);
  const smallMembers = Number(process.env.BENCH_SMALL_MEMBERS || Math.round(members / 10));
  const small = benchContactsCorp(smallMembers, Math.max(2, Math.round(departments / 10)), 'small-', '136', corpIdOf('small'));
  const large = benchContactsCorp(members, departments, '', '135', corpIdOf('large'));
  app.sandbox.config.corps.push(small, large);
  const smallSource = await addSource(app, small, `${SOURCE}-small`);
  const largeSource = await addSource(app, large, SOURCE);
  // NocoBase's first few hundred users are written markedly slower (measured: 300 users 55 s first, 30 s right
  // after): every measured part runs warm.
  console.log(`  [${database}] warm-up of both apps: userData:push of 200 other members...`);
  await Promise.all([warmUp(app, departments), warmUp(baseline, departments)]);
  const smallPull = await firstPull(app, baseline, small, smallSource);
  const previewed = await preview(app, largeSource.name);
  const largePull = await firstPull(app, baseline, large, largeSource);
  console.log(`  second pull of the ${members} members (nothing changed), and userData:push of the same records again, side by side...`);
  const [second, secondPush] = await Promise.all([pull(app, largeSource), push(baseline, large, `${largeSource.name}-push`)]);
  console.log(`  second pull ${second.seconds.toFixed(1)} s (task ${second.taskSeconds.toFixed(1)} s), push ${secondPush.seconds.toFixed(1)} s: ${second.message}`);
  // The report names the counts that are not zero: nothing created, updated or linked.
  if (/Users: [^.]*\b(created|updated|linked)\b/.test(second.message)) {
    throw new Error(`contacts benchmark: the second pull wrote users: ${second.message}`);
  }
  const events = await eventLatency(app, large, largeSource.name);
  const results: DatabaseResults = {
    database,
    measured: { ...measured, seconds: Math.round((Date.now() - began) / 1000) },
    small: smallPull,
    large: largePull,
    growth: { pull: largePull.perMember.pull / smallPull.perMember.pull, push: largePull.perMember.push / smallPull.perMember.push },
    preview: previewed,
    second,
    secondPush,
    events,
  };
  return { results, large, largeSource };
}

/** The PostgreSQL part: two apps on a throw-away server (skipped when the machine has no PostgreSQL). */
async function onPostgres(sandbox: Sandbox): Promise<DatabaseResults | { skipped: string }> {
  let postgres: Postgres;
  try {
    postgres = await startPostgres();
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  const apps: RunningApp[] = [];
  try {
    postgres.sql('CREATE DATABASE wecom_contacts_pull');
    postgres.sql('CREATE DATABASE wecom_contacts_push');
    console.log('  [postgres] two apps: one pulls, one takes userData:push...');
    const pulling = await benchApp('contacts-pg-pull', { ...postgres.env, DB_DATABASE: 'wecom_contacts_pull', ...sandboxEnv(sandbox.url) });
    apps.push(pulling.app);
    const pushing = await benchApp('contacts-pg-push', { ...postgres.env, DB_DATABASE: 'wecom_contacts_push' });
    apps.push(pushing.app);
    const app: ContactsBenchApp = { url: pulling.app.url, admin: pulling.admin, sandbox, pid: pulling.app.process.pid! };
    return (await onDatabase('postgres', app, pushing.target, (size) => `wwbenchpg${size}`)).results;
  } finally {
    for (const app of apps) await app.stop();
    await postgres.stop();
  }
}

/**
 * Runs in the app of `npm run bench` (SQLite, plugin-departments enabled), on corps of its own in the running
 * sandbox, then on PostgreSQL; leaves the SQLite app's 10,000 members linked for what follows.
 */
export async function contactsBench(app: ContactsBenchApp): Promise<{ results: ContactsResults; linked: LinkedContacts }> {
  const databases = (process.env.BENCH_CONTACTS_DIALECTS || 'sqlite,postgres').split(',');
  console.log('  [sqlite] a second app for userData:push of the same records...');
  const baseline = await benchApp('contacts-sqlite-push', {});
  let sqlite: Awaited<ReturnType<typeof onDatabase>>;
  try {
    sqlite = await onDatabase('sqlite', app, baseline.target, (size) => (size === 'large' ? CORP_ID : `wwbench${size}`));
  } finally {
    await baseline.app.stop();
  }
  const linked = await linkedMembers(app.admin, sqlite.large);
  if (linked.length !== sqlite.large.members.length) throw new Error(`contacts benchmark: ${linked.length} of ${sqlite.large.members.length} members were linked by the pull`);
  const postgres = databases.includes('postgres') ? { postgres: await onPostgres(app.sandbox) } : {};
  return {
    results: { sqlite: sqlite.results, ...postgres },
    linked: { corpId: CORP_ID, authenticator: AUTHENTICATOR, source: SOURCE, members: linked },
  };
}

/**
 * `npm run bench -- contacts`: the contacts part alone, in apps of its own; BENCH_CONTACTS_DIALECTS=sqlite or
 * =postgres runs one database (two such runs may go at once, each updating its own part of the results).
 */
export async function contactsAlone(sandbox: Sandbox): Promise<ContactsResults> {
  const databases = (process.env.BENCH_CONTACTS_DIALECTS || 'sqlite,postgres').split(',');
  if (databases.includes('sqlite')) {
    const { app, admin } = await benchApp('contacts-sqlite-pull', sandboxEnv(sandbox.url));
    try {
      return (await contactsBench({ url: app.url, admin, sandbox, pid: app.process.pid! })).results;
    } finally {
      await app.stop();
    }
  }
  return { postgres: await onPostgres(sandbox) };
}

/** The pull names each user after the member ("Staff 00042" is staff00042; renamed ones start so). */
async function linkedMembers(admin: Api, corp: SandboxCorp): Promise<{ userid: string; id: number }[]> {
  const users = await admin.get<{ id: number; nickname: string }[]>(`authenticators/${AUTHENTICATOR}/users:list`, { paginate: 'false', fields: 'id,nickname' });
  const byName = new Map(corp.members.map((m) => [m.name.replace(/ \(renamed \d+\)$/, ''), m.userid]));
  return users
    .flatMap((u) => {
      const userid = byName.get(u.nickname.replace(/ \(renamed \d+\)$/, ''));
      return userid ? [{ userid, id: u.id }] : [];
    })
    .sort((x, y) => x.userid.localeCompare(y.userid));
}

/** The README table's contacts section. */
export function contactsReport(r: ContactsResults): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const calls = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines: string[] = ['6. Contacts pull, against NocoBase\'s own userData:push of the same records (a second app, run side by side)', ''];
  for (const d of [r.sqlite, r.postgres]) {
    if (!d) continue;
    if ('skipped' in d) {
      lines.push(`   PostgreSQL: not measured (${d.skipped})`, '');
      continue;
    }
    const name = d.database === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const m = d.measured;
    lines.push(
      `   ${name}: measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.machine}, ${m.cores} cores, in ${Math.round(m.seconds / 60)} min (load average ${m.loadBefore.map((l) => l.toFixed(1)).join(', ')} when it began: the machine is shared)`,
      '',
    );
    lines.push('| run | pull wall s | pull task s | push s | pull / push | ms per member (pull, push) | WeCom calls | app RSS before → peak MB |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const p of [d.small, d.large]) {
      lines.push(
        `| first pull, ${p.members} members in ${p.departments} departments | ${f(p.pull.seconds)} | ${f(p.pull.taskSeconds)} | ${f(p.push.seconds)} | ${f(p.ratio, 2)}x (target <= 1: ${mark(p.ratio <= 1)}) | ${f(p.perMember.pull * 1000)}, ${f(p.perMember.push * 1000)} | ${calls(p.pull.calls)} | ${f(p.pull.rssMB.before, 0)} → ${f(p.pull.rssMB.peak, 0)} |`,
      );
    }
    const s = d.second;
    const again = d.secondPush;
    const ratio = again && s.taskSeconds / again.seconds;
    lines.push(
      `| second pull (nothing changed), ${d.large.members} members | ${f(s.seconds)} | ${f(s.taskSeconds)} | ${again ? f(again.seconds) : ''} | ${ratio !== undefined ? `${f(ratio, 2)}x (target <= 1: ${mark(ratio <= 1)})` : ''} | ${again ? `${f((s.taskSeconds / d.large.members) * 1000)}, ${f((again.seconds / d.large.members) * 1000)}` : ''} | ${calls(s.calls)} | ${f(s.rssMB.before, 0)} → ${f(s.rssMB.peak, 0)} |`,
    );
    lines.push('');
    lines.push(
      `   cost per member at ${d.large.members} / at ${d.small.members}: pull ${f(d.growth.pull, 2)}x (target <= 1.2: ${mark(d.growth.pull <= 1.2)}), push ${f(d.growth.push, 2)}x`,
    );
    lines.push(`   preview of ${d.large.members} members before their first pull: ${f(d.preview.seconds)} s (target <= 15 s: ${mark(d.preview.seconds <= 15)})`);
    lines.push(
      `   change event posted → user updated (${d.events.samples} events): p50 ${f(d.events.p50, 0)} ms (target <= 2000: ${mark(d.events.p50 <= 2000)}), p95 ${f(d.events.p95, 0)} ms`,
    );
    lines.push('');
  }
  return lines.join('\n');
}
