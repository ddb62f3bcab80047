// A pull's cost per member does not grow with the company: the lookups NocoBase's user-data-sync, plugin-users and
// plugin-departments make for each member find their rows by index (sync/indexes.ts adds the two NocoBase lacks),
// on install and after `nocobase upgrade` of an app created without them, and the statements a pull runs per
// member stay the same as the source grows. Deterministic measures (statements counted, SQLite's query plans), not
// timings.
import type { Model } from '@nocobase/database';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../scripts/paths.mjs';
import { createTestApp, TestApp } from '../helpers/app';
import { createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';

const SOURCE = 'wecom-cost';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const FIRST = 40;
const SECOND = 160;
/**
 * Tables with a row per member (or several), by the names SQLite's plans give them (Sequelize's aliases: a record's
 * `resources`): a full read of one of them per member makes a pull quadratic.
 */
const GROWING = ['userDataSyncRecords', 'userDataSyncRecordsResources', 'resources', 'users', 'departmentsUsers', 'rolesUsers', 'usersAuthenticators'];

/**
 * Whether a line of SQLite's EXPLAIN QUERY PLAN reads a growing table in full: a SCAN (of the table or of a whole
 * index), an index SQLite builds for the one query (AUTOMATIC), or a SEARCH with no index at all (max() over a
 * column without one).
 */
function readsInFull(detail: string): boolean {
  const table = /^(SCAN|SEARCH) (\S+)(.*)$/.exec(detail);
  if (!table || !GROWING.includes(table[2])) return false;
  return table[1] === 'SCAN' || table[3] === '' || /AUTOMATIC/.test(table[3]);
}

type Row = Record<string, unknown>;
type Sequelize = { options: Record<string, unknown>; getDialect(): string; query(sql: string): Promise<[unknown[], unknown]> };

function members(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = String(from + i).padStart(4, '0');
    // Every fifth member in a second department: memberships beyond the main one.
    return { userid: `clerk${n}`, name: `Clerk ${n}`, mobile: `1340000${n}`, biz_mail: `clerk${n}@cost.example`, department: (from + i) % 5 === 0 ? [5, 6] : [5] };
  });
}

describe('contacts pull cost per member', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const sequelize = () => db().sequelize as unknown as Sequelize;

  /** Index columns of `collection`'s table, each index as its columns joined by commas. */
  const indexes = async (collection: string): Promise<string[]> => {
    const c = db().getCollection(collection);
    const rows = (await db().sequelize.getQueryInterface().showIndex(c.getTableNameWithSchema() as string)) as { fields: { attribute: string }[] }[];
    return rows.map((r) => r.fields.map((f) => f.attribute).join(','));
  };
  const column = (collection: string, field: string) => db().getCollection(collection).getField(field).columnName() as string;

  /** Runs a pull, answering every SQL statement it ran (SELECTs with their values inline, as SQLite's dialect logs them). */
  const pull = async (): Promise<string[]> => {
    const statements: string[] = [];
    const options = sequelize().options;
    options.logging = (sql: string) => statements.push(sql.replace(/^Executing \([^)]*\): /, ''));
    try {
      const tasks = db().getRepository('userDataSyncTasks');
      const before = await tasks.count({ filter: { sourceId } });
      await w.admin.post(`userData:pull?name=${SOURCE}`, {});
      const deadline = Date.now() + 5 * 60_000;
      for (;;) {
        const [task] = (await tasks.find({ filter: { sourceId }, sort: ['-id'], limit: 1 })).map((t: Model) => t.toJSON() as Row);
        if (task && (await tasks.count({ filter: { sourceId } })) > before && (task.status === 'success' || task.status === 'failed')) {
          expect(task.status).toBe('success');
          break;
        }
        if (Date.now() > deadline) throw new Error(`the pull did not finish: ${JSON.stringify(task)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      options.logging = false;
    }
    // The task polling above is the test's own.
    return statements.filter((s) => !/userDataSyncTasks/.test(s));
  };

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.departments!.push({ id: 5, name: 'Counter', parentid: 1, order: 99980000 }, { id: 6, name: 'Night counter', parentid: 5, order: 99970000 });
    corp.members.push(...members(0, FIRST));
    w = await createWecomApp(config, {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('has the indexes on install', async () => {
    const lookup = ['sourceName', 'dataType', 'sourceUk'].map((f) => column('userDataSyncRecords', f)).join(',');
    expect(await indexes('userDataSyncRecords')).toContain(lookup);
    expect(await indexes('users')).toContain(column('users', 'sort'));
  });

  it('runs as many statements per member on a larger source, and none of them scans a table that grows with the company', async () => {
    const first = await pull();
    const written = await db().getRepository('userDataSyncRecords').count({ filter: { sourceName: SOURCE, dataType: 'user' } });
    w.sandbox.config.corps[0].members.push(...members(FIRST, SECOND));
    const second = await pull();
    expect(await db().getRepository('userDataSyncRecords').count({ filter: { sourceName: SOURCE, dataType: 'user' } })).toBe(written + SECOND);
    // Per member written: the second pull also reads (and leaves) the first one's members.
    const perMember = [first.length / written, second.length / SECOND];
    expect(perMember[1]).toBeLessThanOrEqual(perMember[0] * 1.05);

    if (sequelize().getDialect() !== 'sqlite') return;
    // Each statement's plan, by shape: how often the pull ran a statement that reads a growing table in full
    // (SQLite's SCAN, or an index it builds for the one query).
    const shapes = new Map<string, { sql: string; runs: number }>();
    for (const sql of [...first, ...second]) {
      if (!/^SELECT/i.test(sql)) continue;
      const shape = sql.replace(/'(?:[^']|'')*'/g, '?').replace(/\b\d+\b/g, 'N').replace(/\((\s*(\?|N)\s*,?)+\)/g, '(…)');
      const entry = shapes.get(shape) ?? { sql, runs: 0 };
      entry.runs += 1;
      shapes.set(shape, entry);
    }
    const scans: { runs: number; sql: string; plan: string[] }[] = [];
    for (const { sql, runs } of shapes.values()) {
      const [plan] = await sequelize().query(`EXPLAIN QUERY PLAN ${sql}`);
      const full = (plan as { detail: string }[]).map((p) => p.detail).filter(readsInFull);
      if (full.length) scans.push({ runs, sql: sql.slice(0, 300), plan: full });
    }
    // A pull reads some tables whole once (the source's records, the users to match phones against): a handful
    // of statements, however many members. Before the indexes, each member's record lookup scanned the table.
    const runs = scans.reduce((n, s) => n + s.runs, 0);
    expect(runs, JSON.stringify(scans, null, 1)).toBeLessThanOrEqual(20);
  }, 10 * 60_000);
});

describe('the indexes on `nocobase upgrade` of an app created without them', () => {
  let t: TestApp;
  // Upgrade connects anew: SQLite in a file, as `nocobase start` has it (an in-memory database would be a new, empty one).
  const storage = join(root, '.test-tmp', `cost-upgrade-${process.pid}.sqlite`);

  beforeAll(async () => {
    rmSync(storage, { force: true });
    t = await createTestApp({
      // ui-schema-storage: a migration of plugin-users that upgrade runs reads its schemas.
      plugins: ['user-data-sync', 'departments', 'ui-schema-storage'],
      ...(process.env.DB_DIALECT === 'postgres' ? {} : { database: { dialect: 'sqlite', storage, logging: false } }),
    });
  }, 300_000);
  afterAll(async () => {
    await t?.destroy();
    rmSync(storage, { force: true });
  });

  it('adds them, and keeps the data', async () => {
    const db = () => t.app.db;
    const qi = () => db().sequelize.getQueryInterface();
    const table = (collection: string) => db().getCollection(collection).getTableNameWithSchema() as string;
    const column = (collection: string, field: string) => db().getCollection(collection).getField(field).columnName() as string;
    const lookup = () => ['sourceName', 'dataType', 'sourceUk'].map((f) => column('userDataSyncRecords', f)).join(',');
    const indexes = async (collection: string) =>
      ((await qi().showIndex(table(collection))) as { name: string; fields: { attribute: string }[] }[]).map((i) => ({ name: i.name, columns: i.fields.map((f) => f.attribute).join(',') }));
    await db().getRepository('userDataSyncRecords').create({ values: { sourceName: 'old', dataType: 'user', sourceUk: 'zhangsan', metaData: { uid: 'zhangsan' } } });
    // An app of an earlier version of the plugin: without the indexes.
    for (const [collection, columns] of [['userDataSyncRecords', lookup()], ['users', column('users', 'sort')]]) {
      const ours = (await indexes(collection)).filter((i) => i.columns === columns);
      expect(ours).toHaveLength(1);
      await qi().removeIndex(table(collection), ours[0].name);
    }
    expect((await indexes('userDataSyncRecords')).map((i) => i.columns)).not.toContain(lookup());

    await t.app.runCommandThrowError('upgrade');

    expect((await indexes('userDataSyncRecords')).map((i) => i.columns)).toContain(lookup());
    expect((await indexes('users')).map((i) => i.columns)).toContain(column('users', 'sort'));
    expect((await db().getRepository('userDataSyncRecords').findOne({ filter: { sourceName: 'old' } }))?.get('sourceUk')).toBe('zhangsan');
  }, 300_000);
});
