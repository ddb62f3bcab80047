// Where a first pull's time goes: a pull of N generated members (bench/contacts.ts's corp) in an app of this
// process, every SQL statement counted by shape (values taken out) with its time, and on SQLite the statements
// whose plan reads a whole table. How the indexes of src/server/sync/indexes.ts were found.
//   npx tsx bench/profile-pull.ts 1000 [departments]
// DB_FILE=1: SQLite in a file, as `nocobase start` has it (in memory otherwise; DB_DIALECT=postgres with DB_HOST...
// as test/helpers/app.ts reads them); DROP_INDEXES=1: without those indexes, as an app created before them;
// SKIP_BUILD=1: dist/ as it is. Writes /tmp/perf/profile-<N>-<database>.txt too.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Api } from '../scripts/nocobase';
import { sandboxEnv, SandboxConfig, startSandbox } from '../sandbox';
import { ADMIN, createTestApp } from '../test/helpers/app';
import { root } from '../scripts/paths.mjs';
import { benchContactsCorp } from './contacts';

const members = Number(process.argv[2] || 1000);
const departments = Number(process.argv[3] || Math.max(2, Math.round(members / 20)));

function shape(sql: string): string {
  return sql
    .replace(/^Execut(ing|ed) \([^)]*\): /, '')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\((\s*(\?|N|NULL)\s*,?)+\)/g, '(…)')
    .replace(/(\(…\),?\s*)+/g, '(…) ')
    .slice(0, 300);
}

/** As test/helpers/wecom-app.ts, with SQLite in a file (DB_FILE=1) as `nocobase start` has it. */
async function wecomApp(config: SandboxConfig) {
  const sandbox = await startSandbox(config);
  const storage = join(root, '.test-tmp', `profile-${process.pid}.sqlite`);
  const t = await createTestApp({
    env: { ...sandboxEnv(sandbox.url), WECOM_TIMEOUT_MS: '20000', LOGGER_LEVEL: 'warn' },
    plugins: ['user-data-sync', 'departments'],
    ...(process.env.DB_FILE ? { database: { dialect: 'sqlite', storage, logging: false } } : {}),
  });
  for (const corp of sandbox.config.corps) for (const app of corp.apps) app.trustedDomains.push(new URL(t.url).host);
  const admin = await Api.signIn(t.url, ADMIN.email, ADMIN.password);
  return {
    t,
    admin,
    async addAuthenticator(name: string, options: Record<string, unknown>) {
      await admin.post('authenticators:create', { name, authType: 'WeCom', title: name, enabled: true, options: { origin: t.url, redirectPath: '/admin', ...options, public: { autoSignup: false, autoLogin: false } } });
    },
    async addSyncSource(name: string, options: Record<string, unknown>) {
      return Number((await admin.post<{ id: number }>('userDataSyncSources:create', { name, sourceType: 'wecom', enabled: true, options })).id);
    },
    async destroy() {
      await t.destroy();
      await sandbox.close();
      rmSync(storage, { force: true });
    },
  };
}

async function main() {
  if (!process.env.SKIP_BUILD) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const corp = benchContactsCorp(members, departments);
  const config: SandboxConfig = { corps: [corp] };
  const w = await wecomApp(config);
  try {
    await w.addAuthenticator('wecom', { corpId: corp.corpId, agentId: corp.apps[0].agentId, corpSecret: corp.apps[0].secret });
    const sourceId = await w.addSyncSource('bench', { authenticator: 'wecom', contactsSecret: corp.contacts!.secret, maxRemovals: '100%' });
    const seq = w.t.app.db.sequelize;
    if (process.env.SCHEMA) {
      const [rows] = await seq.query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ('users','rolesUsers','departmentsUsers','userDataSyncRecords','userDataSyncRecordsResources','usersAuthenticators','departments','roles')`);
      for (const r of rows as { name: string; sql: string }[]) console.log(r.name, '|', r.sql);
    }
    if (process.env.DROP_INDEXES) {
      // As an app created before sync/indexes.ts.
      const qi = seq.getQueryInterface();
      for (const collection of ['userDataSyncRecords', 'users']) {
        const table = w.t.app.db.getCollection(collection).getTableNameWithSchema() as string;
        for (const i of (await qi.showIndex(table)) as { name: string; fields: { attribute: string }[] }[]) {
          if (i.fields.length === 3 || (collection === 'users' && i.fields.map((f) => f.attribute).join() === 'sort')) await qi.removeIndex(table, i.name);
        }
      }
    }
    const samples = new Map<string, string>();
    const stats = new Map<string, { n: number; ms: number }>();
    let total = 0;
    let totalMs = 0;
    ((seq as unknown as { options: Record<string, unknown> }).options).benchmark = true;
    ((seq as unknown as { options: Record<string, unknown> }).options).logging = (sql: string, ms: number) => {
      const k = shape(sql);
      const s = stats.get(k) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += ms ?? 0;
      stats.set(k, s);
      if (!samples.has(k)) samples.set(k, sql.replace(/^Execut(ing|ed) \([^)]*\): /, ''));
      total++;
      totalMs += ms ?? 0;
    };
    const t0 = Date.now();
    await w.admin.post('userData:pull?name=bench', {});
    const tasks = w.t.app.db.getRepository('userDataSyncTasks');
    let task: Record<string, unknown> | undefined;
    for (;;) {
      task = (await tasks.findOne({ filter: { sourceId } }))?.toJSON() as Record<string, unknown> | undefined;
      if (task && (task.status === 'success' || task.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (Date.now() - t0) / 1000;
    ((seq as unknown as { options: Record<string, unknown> }).options).logging = false;
    const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const out = [`members ${members} departments ${departments}: ${seconds.toFixed(1)} s, ${(seconds / members * 1000).toFixed(1)} ms/member; ${total} statements (${(total / members).toFixed(1)}/member), ${totalMs.toFixed(0)} ms in SQL`, String(task.message)];
    for (const [k, s] of rows.slice(0, 40)) out.push(`${s.n}\t${s.ms.toFixed(0)}ms\t${(s.ms / s.n).toFixed(2)}ms/q\t${(s.n / members).toFixed(2)}/m\t${k}`);
    if (seq.getDialect() === 'sqlite') {
      out.push('', 'Full scans (SQLite query plans):');
      for (const [k, sql] of samples) {
        if (!/^SELECT/i.test(sql)) continue;
        const [plan] = await seq.query(`EXPLAIN QUERY PLAN ${sql}`);
        const scans = (plan as { detail: string }[]).map((p) => p.detail).filter((d) => /^SCAN |^SEARCH \S+$|AUTOMATIC/.test(d));
        if (scans.length) out.push(`${stats.get(k)!.n}\t${scans.join('; ')}\t${k.slice(0, 160)}`);
      }
    }
    const text = out.join('\n');
    console.log(text);
    mkdirSync('/tmp/perf', { recursive: true });
    writeFileSync(`/tmp/perf/profile-${members}-${process.env.DB_DIALECT || (process.env.DB_FILE ? 'sqlitefile' : 'sqlite')}${process.env.TAG ?? ''}.txt`, text);
  } finally {
    await w.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
