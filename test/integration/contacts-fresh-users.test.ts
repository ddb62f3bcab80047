// Members new to a source are written in one transaction per batch (sync/fresh-users.ts) instead of through
// user-data-sync record by record: what they leave behind must be what NocoBase's own push leaves for the same
// records. The pull writes a source; the same records (as the pull stored them) are then pushed through
// NocoBase's `userData:push` into a second source, and both are read back by name, department title and role.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxMember } from '../../sandbox';
import { counterDepartments, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';

const SOURCE = 'wecom-fresh';
const PUSHED = 'pushed-by-nocobase';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';

/** 63 members (more than a batch, more than a piece of 50), in every shape a membership can take. */
function members(): SandboxMember[] {
  const list: SandboxMember[] = [];
  for (let i = 0; i < 63; i++) {
    const n = String(i).padStart(2, '0');
    const m: SandboxMember = { userid: `fresh${n}`, name: `Fresh ${n}`, mobile: `1350000${n.padStart(4, '0')}`, biz_mail: `fresh${n}@fresh.example`, department: [5] };
    switch (i % 7) {
      case 1: // two departments, main the second, leader in the first only
        Object.assign(m, { department: [5, 6], main_department: 6, is_leader_in_dept: [1, 0] });
        break;
      case 2: // three, no main given (WeCom's first)
        Object.assign(m, { department: [7, 6, 5], is_leader_in_dept: [0, 1, 1] });
        break;
      case 3: // a main department the member is not in: NocoBase falls back to the first membership
        Object.assign(m, { department: [7, 6], main_department: 5 });
        break;
      case 4: // no mobile, no email
        Object.assign(m, { mobile: '', biz_mail: '' });
        break;
      case 5: // leader of its one department
        Object.assign(m, { department: [6], is_leader_in_dept: [1] });
        break;
    }
    list.push(m);
  }
  return list;
}

type Row = Record<string, unknown>;

describe('members new to a source, written a batch at a time', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const uids = members().map((m) => m.userid);

  /** Everything a source's records of `uids` left, by WeCom userid, with departments by title and roles by name. */
  const state = async (sourceName: string) => {
    const titles = new Map((await db().getRepository('departments').find()).map((d: Model) => [Number(d.get('id')), d.get('title') as string]));
    const records = await db().getRepository('userDataSyncRecords').find({ filter: { sourceName, dataType: 'user', sourceUk: { $in: uids } }, appends: ['resources'] });
    const byUid: Record<string, unknown> = {};
    const sorts: [string, number][] = [];
    for (const record of records) {
      const resources = (record.get('resources') as Model[]).map((r) => ({ resource: r.get('resource') as string, pk: Number(r.get('resourcePk')) }));
      const userId = resources.find((r) => r.resource === 'users')?.pk;
      const user = await db().getRepository('users').findOne({ filterByTk: userId, appends: ['roles'] });
      const memberships = (await db().getModel('departmentsUsers').findAll({ where: { userId }, raw: true })) as unknown as Row[];
      sorts.push([record.get('sourceUk') as string, Number(user.get('sort'))]);
      byUid[record.get('sourceUk') as string] = {
        metaData: record.get('metaData'),
        lastMetaData: record.get('lastMetaData') ?? null,
        user: {
          nickname: user.get('nickname'),
          phone: user.get('phone') ?? null,
          email: user.get('email') ?? null,
          username: user.get('username') ?? null,
          mainDepartment: titles.get(Number(user.get('mainDepartmentId'))) ?? null,
          roles: (user.get('roles') as Model[]).map((r) => r.get('name')).sort(),
        },
        memberships: memberships
          .map((m) => ({ department: titles.get(Number(m.departmentId)), isOwner: Boolean(m.isOwner), isMain: Boolean(m.isMain) }))
          .sort((a, b) => String(a.department).localeCompare(String(b.department))),
        resources: resources.map((r) => (r.resource === 'users' ? `users:${r.pk === userId ? 'the user' : r.pk}` : `${r.resource}:${titles.get(r.pk)}`)).sort(),
      };
    }
    return { byUid, order: sorts.sort((a, b) => a[1] - b[1]).map(([uid]) => uid) };
  };

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.departments!.push(...counterDepartments());
    corp.members.push(...members());
    w = await createWecomApp(config, {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, usernameFromUserid: true });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('leaves what NocoBase leaves when it pushes the same records, in a fraction of the statements', async () => {
    const statements: string[] = [];
    const options = (db().sequelize as unknown as { options: Record<string, unknown> }).options;
    options.logging = (sql: string) => statements.push(sql);
    const tasks = db().getRepository('userDataSyncTasks');
    try {
      await w.admin.post(`userData:pull?name=${SOURCE}`, {});
      await expect
        .poll(async () => (await tasks.findOne({ filter: { sourceId }, sort: ['-id'] }))?.get('status'), { timeout: 120_000, interval: 100 })
        .toMatch(/^(success|failed)$/);
    } finally {
      options.logging = false;
    }
    const task = await tasks.findOne({ filter: { sourceId }, sort: ['-id'] });
    expect(task.get('status'), String(task.get('message'))).toBe('success');
    const pulled = await state(SOURCE);
    expect(Object.keys(pulled.byUid).sort()).toEqual([...uids].sort());

    // NocoBase itself, from the records the pull stored: departments (parents first, as stored), then the members in
    // the pull's order. The pulled users go first (their phones, emails and usernames are unique).
    const userIds = (await db().getRepository('users').find({ filter: { username: { $in: uids } } })).map((u: Model) => u.get('id') as number);
    await db().getRepository('users').destroy({ filterByTk: userIds });
    const stored = async (dataType: string): Promise<{ uid: string }[]> =>
      (await db().getRepository('userDataSyncRecords').find({ filter: { sourceName: SOURCE, dataType }, sort: ['id'] })).map((r: Model) => r.get('metaData') as { uid: string });
    await w.admin.post('userData:push', { dataType: 'department', sourceName: PUSHED, records: await stored('department') });
    const users = (await stored('user')).filter((r) => uids.includes(r.uid));
    const reply = await w.admin.post<{ result: { detail: { count: { failed: number } } }[] }>('userData:push', { dataType: 'user', sourceName: PUSHED, records: users });
    expect(reply.result.map((r) => r.detail.count.failed)).toEqual([0, 0]);
    const pushed = await state(PUSHED);

    expect(pulled.byUid).toEqual(pushed.byUid);
    expect(pulled.order).toEqual(pushed.order);
    // The shapes above are all there (the comparison would pass on members that all look alike).
    const shapes = Object.values(pulled.byUid) as { user: { mainDepartment: string }; memberships: { isOwner: boolean }[] }[];
    expect(new Set(shapes.map((s) => s.memberships.length))).toEqual(new Set([1, 2, 3]));
    expect(shapes.some((s) => s.memberships.some((m) => m.isOwner))).toBe(true);
    expect(new Set(shapes.map((s) => s.user.mainDepartment))).toEqual(new Set(['Counter', 'Night counter', 'Warehouse']));

    // Record by record, user-data-sync runs some 40 statements a member.
    const written = Number(/Users: (\d+) created/.exec(String(task.get('message')))?.[1] ?? 0);
    expect(written).toBeGreaterThanOrEqual(uids.length);
    expect(statements.length / written).toBeLessThan(20);
  }, 10 * 60_000);
});
