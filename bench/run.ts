// `npm run bench`: what a WeCom sign-in costs, measured against NocoBase's own password sign-in in the same
// run and app. A real NocoBase (SQLite, all preset plugins) runs in its own process; the WeCom sandbox and
// the load generator run here. Prints a table and writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defaultConfig, Sandbox, SandboxConfig, sandboxEnv, startSandbox } from '../sandbox';
import { Api, RunningApp, runCli, startApp } from '../scripts/nocobase';
import { linkSelf, nocobaseEnv, nodeModules, root } from '../scripts/paths.mjs';
import { Postgres, startPostgres } from '../scripts/cluster/services';
import { freePort } from '../scripts/ports';
import { WECOM_UA, WecomUser } from '../test/helpers/wecom-user';
import { cardAlone, cardBench, cardReport, CardResults } from './card';
import { contactsAlone, contactsBench, contactsReport, ContactsResults } from './contacts';
import { notificationBench, notificationReport, NotificationResults } from './notification';
import { robotBench, robotReport, RobotResults, ROBOT_LIMIT, ROBOT_WINDOW_MS } from './robot';

const ADMIN = { email: 'admin@nocobase.com', password: 'admin123' };
const LEVEL_MS = Number(process.env.BENCH_LEVEL_MS || 5000);
const MEMORY_SIGN_INS = Number(process.env.BENCH_MEMORY_SIGN_INS || 10_000);
const MEMBERS = 40;

interface Level {
  concurrency: number;
  /** Successful sign-ins per second. */
  perSecond: number;
  p50: number;
  p95: number;
  count: number;
  failed: number;
}

/** Runs `op` from `concurrency` workers for `durationMs`; latencies in ms. A failed op counts, but not as done. */
async function load(concurrency: number, durationMs: number, op: () => Promise<void>): Promise<Level> {
  const latencies: number[] = [];
  let failed = 0;
  const deadline = Date.now() + durationMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t0);
        } catch (error) {
          failed++;
          if (failed === 1) console.warn(`  first failure at concurrency ${concurrency}: ${(error as Error).message.slice(0, 200)}`);
        }
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  return { concurrency, count: latencies.length, failed, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function benchConfig(port: number): SandboxConfig {
  const config = structuredClone(defaultConfig);
  const corp = config.corps[0];
  corp.members = Array.from({ length: MEMBERS }, (_, i) => ({
    userid: `member${i}`,
    name: `Member ${i}`,
    mobile: `1390000${String(i).padStart(4, '0')}`,
  }));
  corp.apps[0].visibleTo = 'all';
  corp.apps[0].trustedDomains = [`127.0.0.1:${port}`];
  return config;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function ok(res: Response, what: string): Promise<void> {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

function callsOf(sandbox: Sandbox): Record<string, number> {
  return { ...sandbox.stats().calls };
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)] as const).filter(([, v]) => v > 0));
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

async function main() {
  if (process.argv.slice(2).includes('contacts')) return contactsOnly();
  if (process.argv.slice(2).includes('card')) return cardOnly();
  const began = Date.now();
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();
  const port = await freePort();
  const sandbox = await startSandbox(benchConfig(port));
  const dir = join(root, 'bench/raw/app');
  rmSync(dir, { recursive: true, force: true });
  const env = nocobaseEnv({
    storage: join(dir, 'storage'),
    port,
    extra: {
      ...sandboxEnv(sandbox.url),
      LOGGER_LEVEL: 'warn',
      // Every simulated person signs in from this one address: the per-client start limit would measure itself.
      WECOM_START_RATE_LIMIT: '0',
      // The group robot's limit over a short window (bench/robot.ts), as the sandbox's.
      WECOM_ROBOT_RATE_LIMIT: String(ROBOT_LIMIT),
      WECOM_ROBOT_RATE_WINDOW_MS: String(ROBOT_WINDOW_MS),
    },
  });
  const logFile = join(root, 'bench/raw/nocobase.log');
  console.log('Installing NocoBase for the benchmark...');
  await runCli(['install', '-f'], env, logFile);
  await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
  // Contacts sync writes departments and memberships: plugin-departments is not enabled by a default install.
  await runCli(['pm', 'enable', 'departments'], env, logFile);
  // The WeCom card part compares with plugin-workflow-manual's submit.
  for (const plugin of ['workflow', 'workflow-manual']) await runCli(['pm', 'enable', plugin], env, logFile);
  let app: RunningApp | undefined;
  try {
    app = await startApp(env, logFile);
    const url = app.url;
    const admin = await Api.signIn(url, ADMIN.email, ADMIN.password);
    const corp = sandbox.config.corps[0];
    const authenticatorOptions = {
      corpId: corp.corpId,
      agentId: corp.apps[0].agentId,
      corpSecret: corp.apps[0].secret,
      origin: url,
      redirectPath: '/admin',
      public: { autoSignup: true, autoLogin: false },
    };
    await admin.post('authenticators:create', { name: 'wecom', authType: 'WeCom', title: 'WeCom', enabled: true, options: authenticatorOptions });

    // First logins: in-client, linking by phone (users exist for the first half) or signing up.
    for (let i = 0; i < MEMBERS / 2; i++) {
      await admin.post('users:create', { nickname: `User ${i}`, phone: `1390000${String(i).padStart(4, '0')}`, password: 'Password123' });
    }
    // The token is fetched once per lifetime, not per sign-in: warm it (an unlinked QR login is refused
    // after getuserinfo) so the first-login counts below hold only what a first login itself costs.
    await new WecomUser(url).signInWithQr('wecom', `member${MEMBERS - 1}`);
    const firstLink = await measureCalls(sandbox, () => new WecomUser(url, WECOM_UA).signInInClient('wecom', 'member0'));
    const firstSignup = await measureCalls(sandbox, () => new WecomUser(url, WECOM_UA).signInInClient('wecom', `member${MEMBERS / 2}`));
    for (let i = 1; i < MEMBERS; i++) {
      if (i === MEMBERS / 2) continue;
      await ok(await new WecomUser(url, WECOM_UA).signInInClient('wecom', `member${i}`), `first login of member${i}`);
    }
    const returningQr = await measureCalls(sandbox, () => new WecomUser(url).signInWithQr('wecom', 'member1'));
    const returningInClient = await measureCalls(sandbox, () => new WecomUser(url, WECOM_UA).signInInClient('wecom', 'member2'));

    let next = 0;
    const wecomSignIn = async () => {
      const member = `member${next++ % MEMBERS}`;
      await ok(await new WecomUser(url).signInWithQr('wecom', member), 'WeCom sign-in');
    };
    const passwordSignIn = async () => {
      const res = await fetch(`${url}/api/auth:signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-authenticator': 'basic' },
        body: JSON.stringify({ account: ADMIN.email, password: ADMIN.password }),
      });
      await ok(res, 'password sign-in');
    };

    const phase = (name: string) => console.log(`${name} (${Math.round((Date.now() - began) / 1000)} s)`);
    phase('Throughput...');
    const throughput: { concurrency: number; wecom: Level; password: Level; ratio: number }[] = [];
    for (const concurrency of [1, 8, 32]) {
      await load(concurrency, 1000, wecomSignIn); // warm-up
      const wecom = await load(concurrency, LEVEL_MS, wecomSignIn);
      await load(concurrency, 1000, passwordSignIn);
      const password = await load(concurrency, LEVEL_MS, passwordSignIn);
      throughput.push({ concurrency, wecom, password, ratio: wecom.perSecond / password.perSecond });
    }

    phase('Time added to WeCom\'s 50 ms...');
    sandbox.inject({ endpoint: '*', delayMs: 50, times: -1 });
    const added: number[] = [];
    for (let i = 0; i < 100; i++) {
      const before = callsOf(sandbox);
      const t0 = performance.now();
      await wecomSignIn();
      const elapsed = performance.now() - t0;
      added.push(elapsed - 50 * total(diff(callsOf(sandbox), before)));
    }
    sandbox.reset();

    phase(`Memory over ${MEMORY_SIGN_INS} sign-ins...`);
    const pid = app.process.pid!;
    const memory: { signIns: number; rssMB: number }[] = [{ signIns: 0, rssMB: rssOf(pid) / 2 ** 20 }];
    const step = MEMORY_SIGN_INS / 4;
    let memoryFailures = 0;
    for (let done = 0; done < MEMORY_SIGN_INS; done += step) {
      let left = step;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (left-- > 0) await wecomSignIn().catch(() => memoryFailures++);
        }),
      );
      memory.push({ signIns: done + step, rssMB: rssOf(pid) / 2 ** 20 });
    }

    phase('Contacts pull...');
    const contacts = await contactsBench({ url, admin, sandbox, pid });

    phase('One message to the linked members, and to one user against in-app messages...');
    const notifications = await notificationBench({ url, admin, sandbox }, contacts.linked);

    phase('100 messages to one group robot, and one message against in-app messages...');
    const robot = await robotBench({ url, admin, sandbox });

    phase('WeCom card: tap to resumed, against the manual node; a card to 1,000 assignees...');
    const card = await cardBench({ url, admin, sandbox });

    // Last: it rotates the sandbox app's Secret, which the SQLite app above still uses.
    phase('gettoken during 200 concurrent sign-ins from an empty cache (on PostgreSQL)...');
    const cold = await coldCacheOnPostgres(sandbox);

    const bundle = bundleSizes();
    const results = {
      date: new Date().toISOString(),
      machine: `${process.platform} ${process.arch}, node ${process.version}`,
      throughput,
      addedToWecomWait: { p50: percentile(added, 50), p95: percentile(added, 95), samples: added.length },
      callsPerSignIn: {
        returningQr: returningQr.calls,
        returningInClient: returningInClient.calls,
        firstInClientLink: firstLink.calls,
        firstInClientSignup: firstSignup.calls,
      },
      coldCache: cold,
      bundle,
      memory,
      memoryFailures,
      contacts: contacts.results,
      notifications,
      robot,
      card,
      seconds: Math.round((Date.now() - began) / 1000),
    };
    writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const table = report(results);
    console.log(`\n${table}`);
    updateReadme(table, results);
  } finally {
    await app?.stop();
    await sandbox.close();
  }
}

/** bench/results.json: the last run's results, with when and where they were measured. */
type SavedResults = Results & { date: string; machine: string };

/**
 * One part of the bench alone, in an app of its own: `run` measures it and answers how it goes into
 * bench/results.json, which is read only after the part ran (another run may have written its part meanwhile);
 * the other parts' last results stay, and the README's table is written again.
 */
async function partOnly(run: (sandbox: Sandbox) => Promise<(previous: SavedResults) => SavedResults>) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  linkSelf();
  const sandbox = await startSandbox(benchConfig(await freePort()));
  try {
    const merge = await run(sandbox);
    const file = join(root, 'bench/results.json');
    const results = merge(JSON.parse(readFileSync(file, 'utf8')));
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    const table = report(results);
    console.log(`\n${table}`);
    updateReadme(table, results);
  } finally {
    await sandbox.close();
  }
}

/**
 * `npm run bench -- contacts`: only the contacts part (bench/contacts.ts); the contacts section says when it was
 * measured. A run of one database (BENCH_CONTACTS_DIALECTS) keeps the other database's part.
 */
function contactsOnly() {
  return partOnly(async (sandbox) => {
    const contacts = await contactsAlone(sandbox);
    return (previous) => ({ ...previous, contacts: { ...(previous.contacts?.sqlite || previous.contacts?.postgres ? previous.contacts : {}), ...contacts } });
  });
}

/** `npm run bench -- card`: only the WeCom card part (bench/card.ts). */
function cardOnly() {
  return partOnly(async (sandbox) => {
    const card = await cardAlone(sandbox);
    return (previous) => ({ ...previous, card });
  });
}

/** The README's benchmark section is this run's table, between two markers: never typed in by hand. */
function updateReadme(table: string, results: { date: string; machine: string }) {
  const file = join(root, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return;
  const body = `${start}\nMeasured ${results.date.slice(0, 10)} on ${results.machine}, 2 cores:\n\n${table}\n`;
  writeFileSync(file, readme.slice(0, from) + body + readme.slice(to));
}

interface ColdCache {
  gettoken: number;
  ok: number;
  seconds: number;
}

/**
 * 200 simultaneous sign-ins wedge NocoBase 2.2 itself on SQLite (its own password sign-in included: every
 * request times out and the app stops answering), so this part runs a second app on a throw-away
 * PostgreSQL from Debian's package, when the machine has one.
 */
async function coldCacheOnPostgres(sandbox: Sandbox): Promise<ColdCache | { skipped: string }> {
  let postgres: Postgres;
  try {
    postgres = await startPostgres();
  } catch (error) {
    return { skipped: (error as Error).message };
  }
  let app: RunningApp | undefined;
  try {
    const port = await freePort();
    const app0 = sandbox.config.corps[0].apps[0];
    app0.trustedDomains.push(`127.0.0.1:${port}`);
    postgres.sql('CREATE DATABASE wecom_bench');
    const env = nocobaseEnv({
      storage: join(root, 'bench/raw/pg-app/storage'),
      port,
      extra: {
        ...postgres.env,
        DB_DATABASE: 'wecom_bench',
        ...sandboxEnv(sandbox.url),
        LOGGER_LEVEL: 'warn',
      },
    });
    const logFile = join(root, 'bench/raw/nocobase-pg.log');
    await runCli(['install', '-f'], env, logFile);
    await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
    app = await startApp(env, logFile);
    const url = app.url;
    const admin = await Api.signIn(url, ADMIN.email, ADMIN.password);
    const options = {
      corpId: sandbox.config.corps[0].corpId,
      agentId: app0.agentId,
      corpSecret: app0.secret,
      origin: url,
      public: { autoSignup: true, autoLogin: false },
    };
    await admin.post('authenticators:create', { name: 'wecom', authType: 'WeCom', title: 'WeCom', enabled: true, options });
    for (let i = 0; i < MEMBERS; i++) await ok(await new WecomUser(url, WECOM_UA).signInInClient('wecom', `member${i}`), `first login of member${i}`);
    // A new Secret is a new app for the token cache: it starts empty.
    app0.secret = `bench-rotated-${Date.now()}`;
    const id = (await admin.get<{ id: number; name: string }[]>('authenticators:list')).find((item) => item.name === 'wecom')!.id;
    await admin.post(`authenticators:update?filterByTk=${id}`, { id, enabled: true, options: { ...options, corpSecret: app0.secret } });
    const before = callsOf(sandbox);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => new WecomUser(url).signInWithQr('wecom', `member${i % MEMBERS}`)));
    return {
      gettoken: diff(callsOf(sandbox), before).gettoken ?? 0,
      ok: results.filter((res) => res.status === 200).length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await app?.stop();
    await postgres.stop();
  }
}

async function measureCalls(sandbox: Sandbox, fn: () => Promise<Response>): Promise<{ calls: Record<string, number> }> {
  const before = callsOf(sandbox);
  await ok(await fn(), 'measured sign-in');
  return { calls: diff(callsOf(sandbox), before) };
}

function bundleSizes() {
  const ours = readFileSync(join(root, 'dist/client/index.js'));
  const sms = readFileSync(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client/index.js'));
  return {
    raw: ours.length,
    gzip: gzipSync(ours).length,
    smsRaw: sms.length,
    smsGzip: gzipSync(sms).length,
    // The modern client's (/v/) entry file, without its on-demand callback.js and settings.js.
    ...v2BundleSizes(),
  };
}

function v2BundleSizes() {
  const ours = readFileSync(join(root, 'dist/client-v2/index.js'));
  const sms = readFileSync(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client-v2/index.js'));
  return { v2Raw: ours.length, v2Gzip: gzipSync(ours).length, smsV2Raw: sms.length, smsV2Gzip: gzipSync(sms).length };
}

type Results = {
  throughput: { concurrency: number; wecom: Level; password: Level; ratio: number }[];
  addedToWecomWait: { p50: number; p95: number };
  callsPerSignIn: Record<string, Record<string, number>>;
  coldCache: ColdCache | { skipped: string };
  bundle: ReturnType<typeof bundleSizes>;
  memory: { signIns: number; rssMB: number }[];
  contacts?: ContactsResults;
  notifications?: NotificationResults;
  robot?: RobotResults;
  card?: CardResults;
  seconds: number;
};

/** The table, with each target the project set itself and whether it is met. */
export function report(r: Results): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const lines: string[] = [];
  lines.push('1. Sign-ins per second (full WeCom QR flow vs. password sign-in, same app)', '');
  lines.push('| concurrency | WeCom /s | p50 ms | p95 ms | failed | password /s | p50 ms | p95 ms | failed | WeCom / password | target >= 1.0x |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const t of r.throughput) {
    lines.push(
      `| ${t.concurrency} | ${f(t.wecom.perSecond)} | ${f(t.wecom.p50)} | ${f(t.wecom.p95)} | ${t.wecom.failed} | ${f(t.password.perSecond)} | ${f(t.password.p50)} | ${f(t.password.p95)} | ${t.password.failed} | ${f(t.ratio, 2)}x | ${mark(t.ratio >= 1)} |`,
    );
  }
  lines.push('');
  lines.push(`2. Time the plugin adds on top of WeCom's answers (sandbox delays each call 50 ms): p50 ${f(r.addedToWecomWait.p50)} ms, p95 ${f(r.addedToWecomWait.p95)} ms`);
  lines.push('');
  lines.push('3. WeCom calls per sign-in', '');
  lines.push('| sign-in | calls | total | target |');
  lines.push('|---|---|---|---|');
  const targets: Record<string, number> = { returningQr: 1, returningInClient: 1, firstInClientLink: 2, firstInClientSignup: 3 };
  for (const [kind, calls] of Object.entries(r.callsPerSignIn)) {
    const sum = total(calls);
    lines.push(`| ${kind} | ${Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ')} | ${sum} | ${targets[kind]} (${mark(sum <= targets[kind])}) |`);
  }
  lines.push('');
  if ('skipped' in r.coldCache) lines.push(`gettoken during 200 concurrent sign-ins from an empty cache: not measured (${r.coldCache.skipped})`);
  else {
    const c = r.coldCache;
    lines.push(
      `gettoken during 200 concurrent QR sign-ins from an empty cache (app on PostgreSQL): ${c.gettoken} (target 1: ${mark(c.gettoken === 1)}); ${c.ok} of 200 signed in in ${f(c.seconds)} s`,
    );
  }
  lines.push('');
  const b = r.bundle;
  lines.push(
    `4. Client bundle: ${f(b.raw / 1024)} KB raw, ${f(b.gzip / 1024)} KB gzip; plugin-auth-sms: ${f(b.smsRaw / 1024)} KB raw, ${f(b.smsGzip / 1024)} KB gzip (ratio ${f(b.gzip / b.smsGzip, 2)}x gzip; target <= 1.0x: ${mark(b.raw <= b.smsRaw && b.gzip <= b.smsGzip)})`,
  );
  if (b.v2Raw !== undefined) {
    lines.push(
      `   Modern client (/v/) entry: ${f(b.v2Raw / 1024)} KB raw, ${f(b.v2Gzip / 1024)} KB gzip; plugin-auth-sms's: ${f(b.smsV2Raw / 1024)} KB raw, ${f(b.smsV2Gzip / 1024)} KB gzip (ratio ${f(b.v2Gzip / b.smsV2Gzip, 2)}x gzip; target <= 1.0x: ${mark(b.v2Gzip <= b.smsV2Gzip)})`,
    );
  }
  lines.push('');
  lines.push(`5. App resident memory: ${r.memory.map((m) => `${m.signIns}: ${f(m.rssMB)} MB`).join(', ')}`);
  const last = r.memory.slice(-3).map((m) => m.rssMB);
  lines.push(`   growth over the last half: ${f(last[last.length - 1] - last[0])} MB`);
  lines.push('');
  if (r.contacts) lines.push(contactsReport(r.contacts), '');
  if (r.notifications) lines.push(...notificationReport(r.notifications), '');
  if (r.robot) lines.push(...robotReport(r.robot), '');
  if (r.card) lines.push(...cardReport(r.card), '');
  lines.push(`(${r.seconds} s)`);
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
