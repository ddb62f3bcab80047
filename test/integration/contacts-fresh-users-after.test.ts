// What the batch writer of members new to a source (sync/fresh-users.ts) leaves besides the rows
// contacts-fresh-users.test.ts compares with NocoBase's push: the caches NocoBase's hooks keep of a user
// (`auth:<id>`, the current user of every request; `departments:<id>`, the departments and their roles), on a pull
// and on a change event, and the main department NocoBase falls back to once the member leaves its main one.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { counterDepartments, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';
import { WecomUser } from '../helpers/wecom-user';

const SOURCE = 'wecom-after';
const PUSHED = 'pushed-by-nocobase';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const TOKEN = 'cbToken123';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const NEW = ['after1', 'after2', 'after3', 'after4'];

type Row = Record<string, unknown>;

describe('members new to a source: what NocoBase keeps of them besides their rows', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const cache = () => w.t.app.cache;

  const pull = async (): Promise<Row> => {
    const tasks = db().getRepository('userDataSyncTasks');
    const before = await tasks.count({ filter: { sourceId } });
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    await expect
      .poll(async () => (await tasks.find({ filter: { sourceId }, sort: ['id'] }))[before]?.get('status'), { timeout: 120_000, interval: 100 })
      .toMatch(/^(success|failed)$/);
    return ((await tasks.find({ filter: { sourceId }, sort: ['id'] }))[before] as Model).toJSON() as Row;
  };
  /** The NocoBase id a source's record was written to (`resource`: users or departments). */
  const written = async (sourceName: string, dataType: 'user' | 'department', uid: string, resource: string): Promise<number> => {
    const record = await db().getRepository('userDataSyncRecords').findOne({ filter: { sourceName, dataType, sourceUk: uid }, appends: ['resources'] });
    return Number((record?.get('resources') as Model[]).find((r) => r.get('resource') === resource)?.get('resourcePk'));
  };
  const mainDepartment = async (userId: number) => Number((await db().getRepository('users').findOne({ filterByTk: userId }))?.get('mainDepartmentId') ?? 0);
  const title = async (departmentId: number) => (departmentId ? (await db().getRepository('departments').findOne({ filterByTk: departmentId }))?.get('title') : null);

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.departments!.push(...counterDepartments());
    // Written parents first (Counter, Warehouse, then Night counter): WeCom lists after1's departments in another
    // order than their NocoBase ids.
    corp.members.push(
      { userid: 'after1', name: 'After One', department: [6, 7, 5], main_department: 6 },
      { userid: 'after2', name: 'After Two', department: [5] },
      { userid: 'after3', name: 'After Three', department: [7, 5], is_leader_in_dept: [1, 0] },
      { userid: 'after4', name: 'After Four', department: [6] },
    );
    for (const app of corp.apps) if (Array.isArray(app.visibleTo)) app.visibleTo.push(...NEW);
    w = await createWecomApp(config, {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY });
    w.sandbox.config.corps[0].contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, token: TOKEN, encodingAESKey: AES_KEY };
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('leaves no cached user that differs from the database: a member who signs in is the user the database has', async () => {
    const task = await pull();
    expect(task.status, String(task.message)).toBe('success');
    for (const uid of NEW) {
      const userId = await written(SOURCE, 'user', uid, 'users');
      // What auth:check and every request of the user read as the current user (plugin-auth's cache, filled as
      // a user is saved), and the departments and department roles plugin-departments caches for it.
      const cachedUser = (await cache().get(`auth:${userId}`)) as Row | undefined;
      if (cachedUser) expect(Number(cachedUser.mainDepartmentId ?? 0), `auth:${userId}`).toBe(await mainDepartment(userId));
      const cachedDepartments = (await cache().get(`departments:${userId}`)) as Row[] | undefined;
      if (cachedDepartments) {
        const rows = (await db().getModel('departmentsUsers').findAll({ where: { userId }, raw: true })) as unknown as Row[];
        expect(cachedDepartments.map((d) => Number(d.id)).sort(), `departments:${userId}`).toEqual(rows.map((r) => Number(r.departmentId)).sort());
      }
    }
    // The member signs in by QR code: NocoBase's current user has the main department the sync wrote.
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'after2');
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { token: string } };
    const me = await new Api(w.t.url, data.token).get<Row>('auth:check');
    const userId = await written(SOURCE, 'user', 'after2', 'users');
    expect(me.id).toBe(userId);
    expect(await title(Number(me.mainDepartmentId ?? 0))).toBe('Counter');
  });

  it('falls back to the main department NocoBase would once the member leaves its main one', async () => {
    // The same record pushed by NocoBase into a second source (its departments first).
    const stored = async (dataType: string, uids?: string[]) =>
      (await db().getRepository('userDataSyncRecords').find({ filter: { sourceName: SOURCE, dataType, ...(uids ? { sourceUk: uids } : {}) }, sort: ['id'] })).map(
        (r: Model) => r.get('metaData'),
      );
    await w.admin.post('userData:push', { dataType: 'department', sourceName: PUSHED, records: await stored('department') });
    const reply = await w.admin.post<{ result: { detail: { count: { failed: number } } }[] }>('userData:push', { dataType: 'user', sourceName: PUSHED, records: await stored('user', ['after1']) });
    expect(reply.result.map((r) => r.detail.count.failed)).toEqual([0, 0]);

    const after = async (sourceName: string) => {
      const userId = await written(sourceName, 'user', 'after1', 'users');
      const night = await written(sourceName, 'department', '6', 'departments');
      expect(await mainDepartment(userId)).toBe(night);
      // What an admin does in the departments page: the member leaves Night counter.
      await w.admin.post(`departments/${night}/members:remove`, [userId]);
      return title(await mainDepartment(userId));
    };
    const pushed = await after(PUSHED);
    expect(await after(SOURCE)).toBe(pushed);
  });

  it('leaves the same of a member a change event creates (create_user)', async () => {
    const report = await w.sandbox.changeContact({ changeType: 'create_user', user: { userid: 'after5', name: 'After Five', department: [7, 6], is_leader_in_dept: [0, 1] } });
    expect(report.attempts).toEqual([{ status: 200, body: '' }]);
    const userId = await written(SOURCE, 'user', 'after5', 'users');
    expect(await title(await mainDepartment(userId))).toBe('Warehouse');
    const rows = (await db().getModel('departmentsUsers').findAll({ where: { userId }, raw: true })) as unknown as Row[];
    expect(await Promise.all(rows.map(async (r) => [await title(Number(r.departmentId)), Boolean(r.isOwner)]))).toEqual(
      expect.arrayContaining([
        ['Warehouse', false],
        ['Night counter', true],
      ]),
    );
    expect(rows).toHaveLength(2);
    const cachedUser = (await cache().get(`auth:${userId}`)) as Row | undefined;
    if (cachedUser) expect(Number(cachedUser.mainDepartmentId ?? 0)).toBe(await mainDepartment(userId));
  });

  it('writes each member of a batch NocoBase refuses once, through push, and keeps nothing cached of the users rolled back', async () => {
    const corp = w.sandbox.config.corps[0];
    corp.members.push(
      { userid: 'after6', name: 'After Six', department: [5] },
      { userid: 'after7', name: 'After Seven', department: [6] },
      { userid: 'after8', name: 'After Eight', department: [7, 6] },
    );
    // The batch's second user is refused (a rule of the users collection, a busy database): the batch is rolled
    // back whole and pushed record by record, where only that member fails.
    const created: number[] = [];
    const note = async (model: Model) => {
      created.push(Number(model.get('id')));
    };
    const refuse = async (model: Model) => {
      if (model.get('nickname') === 'After Seven') throw new Error('refused (test)');
    };
    db().on('users.afterCreate', note);
    db().on('users.beforeCreate', refuse);
    let task: Row;
    try {
      task = await pull();
    } finally {
      db().off('users.beforeCreate', refuse);
      db().off('users.afterCreate', note);
    }
    expect(task.status).toBe('failed');
    expect(task.message).toMatch(/^NocoBase could not write 1 of the records WeCom sent \(after7\): refused \(test\)\./);
    for (const [uid, nickname] of [
      ['after6', 'After Six'],
      ['after8', 'After Eight'],
    ]) {
      expect(await db().getRepository('users').count({ filter: { nickname } }), nickname).toBe(1);
      expect(await db().getRepository('userDataSyncRecords').count({ filter: { sourceName: SOURCE, dataType: 'user', sourceUk: uid } }), uid).toBe(1);
    }
    expect(await db().getRepository('users').count({ filter: { nickname: 'After Seven' } })).toBe(0);
    expect(await title(await mainDepartment(await written(SOURCE, 'user', 'after8', 'users')))).toBe('Warehouse');
    // The ids the rolled-back batch gave (another user's later on SQLite, none on PostgreSQL) have nothing cached.
    const kept = new Set((await db().getModel('users').findAll({ where: { id: created }, attributes: ['id'], raw: true })).map((u) => Number((u as unknown as Row).id)));
    for (const id of created.filter((id) => !kept.has(id))) expect(await cache().get(`auth:${id}`), `auth:${id}`).toBeUndefined();
  });
});
