// Contacts sync against what NocoBase already has or has lost: the sign-in email and phone of users it links,
// departments and users an admin deleted, WeCom links and sync records left behind.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { defaultConfig } from '../../sandbox';
import { ADMIN } from '../helpers/app';
import { CORP_ID, WecomApp, createWecomApp } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const CALLBACK = { callbackToken: 'cbToken123', callbackEncodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };

type Row = Record<string, unknown>;

describe('contacts sync and what NocoBase already has or lost', () => {
  let w: WecomApp;
  let sourceId: number;
  let tasks = 0;
  const db = () => w.t.app.db;
  const corp = () => w.sandbox.config.corps[0];
  const member = (userid: string) => corp().members.find((m) => m.userid === userid) as (typeof defaultConfig.corps)[0]['members'][0];
  const user = async (filter: object) => (await db().getRepository('users').findOne({ filter: filter as never }))?.toJSON() as (Row & { id: number }) | undefined;
  const linkOf = async (uuid: string) => (await db().getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid } }))?.toJSON() as Row | undefined;
  const waitForTask = async (id: number, count: number): Promise<Row> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const all = (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId: id }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
      const last = all[count - 1];
      if (last && (last.status === 'success' || last.status === 'failed')) return last;
      if (Date.now() > deadline) throw new Error(`sync task ${count} did not finish: ${JSON.stringify(all)}`);
      await new Promise((resolve) => setImmediate(resolve));
      await db().sequelize.query('SELECT 1');
    }
  };
  const pull = async () => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    tasks += 1;
    const task = await waitForTask(sourceId, tasks);
    expect(task.status).toBe('success');
    return task;
  };

  beforeAll(async () => {
    w = await createWecomApp(structuredClone(defaultConfig), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    // The root user has Zhang San's phone: the sync still never links, writes or removes it.
    await db().getRepository('users').update({ filter: { email: ADMIN.email }, values: { phone: '138 0000 0001' } });
    // Li Si's email, another phone (an email is no proof); Zhao Liu's phone, no email.
    await w.admin.post('users:create', { nickname: 'Li (local)', username: 'lisi_local', email: 'lisi@demo.example', phone: '13700000002' });
    await w.admin.post('users:create', { nickname: 'Zhao (local)', username: 'zhaoliu_local', phone: '13800000004' });
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, ...CALLBACK });
    corp().contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, token: CALLBACK.callbackToken, encodingAESKey: CALLBACK.callbackEncodingAESKey };
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('never links, renames or writes the root user, though a member has its mobile number, and says so in the task', async () => {
    const before = await user({ email: ADMIN.email });
    const task = await pull();
    expect(task.message).toContain('1 member not written: the user is a root user, which the sync never changes (nothing to do): zhangsan → nocobase (#1).');
    expect(await user({ email: ADMIN.email })).toEqual(before);
    expect(await linkOf('zhangsan')).toBeUndefined();
    expect(await user({ email: 'zhangsan@corp.demo.example' })).toBeUndefined();
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: before?.id as number } })).toBe(0);
    const signedIn = await Api.signIn(w.t.url, ADMIN.email, ADMIN.password);
    expect(await signedIn.get<Row>('auth:check')).toMatchObject({ email: ADMIN.email, nickname: before?.nickname });
  });

  it('leaves the root user alone when it is linked by a sign-in: no rewrite, no departments', async () => {
    const before = await user({ email: ADMIN.email });
    // The link the member's first sign-in in the WeCom client makes (by the phone WeCom gives there).
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: before?.id, uuid: 'zhangsan', meta: { corpId: CORP_ID, userid: 'zhangsan' } });
    expect(await linkOf('zhangsan')).toMatchObject({ userId: before?.id });
    member('zhangsan').name = 'Zhang San (renamed)';
    const task = await pull();
    expect(task.message).toContain('1 member not written: the user is a root user, which the sync never changes (nothing to do): zhangsan → nocobase (#1).');
    expect(await user({ email: ADMIN.email })).toEqual(before);
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: before?.id as number } })).toBe(0);
  });

  it('does not link a member whose email alone matches a user, and leaves that user as it is', async () => {
    const li = await user({ username: 'lisi_local' });
    expect(li).toMatchObject({ nickname: 'Li (local)', email: 'lisi@demo.example', phone: '13700000002' });
    expect(await linkOf('lisi')).toBeUndefined();
    expect(await user({ nickname: 'Li Si' })).toBeUndefined();
  });

  it("writes WeCom's email into an existing user's empty email, and WeCom's later changes follow it there only", async () => {
    expect(await user({ username: 'zhaoliu_local' })).toMatchObject({ email: 'zhaoliu@demo.example' });
    member('zhaoliu').email = 'zhaoliu.new@demo.example';
    member('zhangsan').biz_mail = 'zhangsan.new@corp.demo.example';
    member('lisi').mobile = '13900000012';
    await pull();
    expect(await user({ username: 'zhaoliu_local' })).toMatchObject({ nickname: 'Zhao (local)', email: 'zhaoliu.new@demo.example' });
    expect(await user({ id: (await linkOf('zhangsan'))?.userId })).toMatchObject({ email: ADMIN.email, phone: '138 0000 0001' });
    expect(await user({ username: 'lisi_local' })).toMatchObject({ phone: '13700000002' });
  });

  it("links the member whose email matched once the user has the member's mobile number, and keeps the user's nickname and email", async () => {
    await db().getRepository('users').update({ filter: { username: 'lisi_local' }, values: { phone: '13900000012' } });
    await pull();
    const li = await user({ username: 'lisi_local' });
    expect(await linkOf('lisi')).toMatchObject({ userId: li?.id });
    expect(li).toMatchObject({ nickname: 'Li (local)', email: 'lisi@demo.example', phone: '13900000012' });
  });

  it("lets WeCom's email changes flow into a user the sync created, even one edited in NocoBase", async () => {
    const wang = await user({ nickname: 'Wang Wu' });
    expect(wang).toMatchObject({ email: 'wangwu@demo.example' });
    await db().getRepository('users').update({ filterByTk: wang?.id as number, values: { email: 'wang.personal@demo.example' } });
    member('wangwu').email = 'wangwu.new@demo.example';
    await pull();
    expect(await user({ id: wang?.id })).toMatchObject({ email: 'wangwu.new@demo.example' });
  });

  it('writes nothing on a pull after those, though WeCom and NocoBase still differ on the kept fields', async () => {
    const task = await pull();
    expect(task.message).toContain('Users: 3 unchanged.');
  });

  it('re-creates a department an admin deleted in NocoBase while WeCom still has it, with its memberships', async () => {
    const zhao = await user({ username: 'zhaoliu_local' });
    const sales = await db().getRepository('departments').findOne({ filter: { title: 'Sales' } });
    // plugin-departments deletes only a department without members.
    await db().getRepository('departmentsUsers').destroy({ filter: { departmentId: sales?.get('id') as number } });
    await w.admin.post(`departments:destroy?filterByTk=${sales?.get('id')}`, {});
    expect(await db().getRepository('departments').count({ filter: { title: 'Sales' } })).toBe(0);

    const task = await pull();
    expect(task.message).toContain('Departments: 1 created');
    const again = (await db().getRepository('departments').findOne({ filter: { title: 'Sales' }, appends: ['parent'] }))?.toJSON() as Row & { id: number; parent?: Row };
    expect(again?.parent?.title).toBe('Demo Corp');
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: zhao?.id as number, departmentId: again.id } })).toBe(1);
    expect(await user({ id: zhao?.id })).toMatchObject({ mainDepartmentId: again.id });
  });

  it('re-creates a department deleted in NocoBase when WeCom reports a change to it, with its members (update_party)', async () => {
    const zhao = await user({ username: 'zhaoliu_local' });
    const sales = await db().getRepository('departments').findOne({ filter: { title: 'Sales' } });
    await db().getRepository('departmentsUsers').destroy({ filter: { departmentId: sales?.get('id') as number } });
    await w.admin.post(`departments:destroy?filterByTk=${sales?.get('id')}`, {});

    const report = await w.sandbox.changeContact({ changeType: 'update_party', party: { id: 3, name: 'Sales & Service' } });
    expect(report.attempts).toEqual([{ status: 200, body: '' }]);
    const again = (await db().getRepository('departments').findOne({ filter: { title: 'Sales & Service' }, appends: ['parent'] }))?.toJSON() as Row & { id: number; parent?: Row };
    expect(again?.parent?.title).toBe('Demo Corp');
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: zhao?.id as number, departmentId: again.id } })).toBe(1);
    expect(await user({ id: zhao?.id })).toMatchObject({ mainDepartmentId: again.id });
  });

  it("removes a user's WeCom links when users are deleted in bulk without instance hooks, and leaves links of other sign-in types", async () => {
    const li = await user({ username: 'lisi_local' });
    expect(await linkOf('lisi')).toMatchObject({ userId: li?.id });
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'basic', userId: li?.id, uuid: 'lisi_local', meta: {} });
    // Sequelize's bulk destroy: NocoBase's own cascade (an instance hook) does not run.
    await db().getModel('users').destroy({ where: { id: li?.id } });
    expect(await linkOf('lisi')).toBeUndefined();
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'basic', userId: li?.id as number } })).toBe(1);
  });

  it('treats a link to a user that no longer exists as no link, and matches the member by phone', async () => {
    corp().members.push({ userid: 'qianqi', name: 'Qian Qi', mobile: '13800000077', department: [1] });
    const qian = await w.admin.post<Row>('users:create', { nickname: 'Qian (local)', username: 'qianqi_local', phone: '13800000077' });
    // A link left by a user deleted before this plugin removed links with their user.
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: 999999, uuid: 'qianqi', meta: { corpId: CORP_ID, userid: 'qianqi' } });
    await pull();
    expect(await user({ id: qian.id })).toMatchObject({ nickname: 'Qian (local)' });
    expect(await db().getRepository('users').count({ filter: { nickname: 'Qian Qi' } })).toBe(0);
    expect(await linkOf('qianqi')).toMatchObject({ userId: qian.id });
  });

  it('marks a member removed whose user an admin had deleted, without creating an empty user', async () => {
    const wang = await user({ nickname: 'Wang Wu' });
    expect(await linkOf('wangwu')).toMatchObject({ userId: wang?.id });
    await w.admin.post(`users:destroy?filterByTk=${wang?.id}`, {});
    // NocoBase removes the links of a user deleted by the action itself.
    expect(await linkOf('wangwu')).toBeUndefined();
    corp().members = corp().members.filter((m) => m.userid !== 'wangwu');
    const before = await db().getRepository('users').count();
    const task = await pull();
    expect(task.message).toMatch(/Users: (\d+ unchanged, )?1 removed\./);
    expect(await db().getRepository('users').count()).toBe(before);
    // A second pull has nothing left to remove.
    expect((await pull()).message).not.toContain('removed');
  });

  it('a new source of the same name takes over the old records, ignoring those of deleted users and departments', async () => {
    await w.admin.post(`userDataSyncSources:destroy?filterByTk=${sourceId}`, {});
    const zhao = await user({ username: 'zhaoliu_local' });
    await w.admin.post(`users:destroy?filterByTk=${zhao?.id}`, {});
    const engineering = await db().getRepository('departments').findOne({ filter: { title: 'Engineering' } });
    await db().getRepository('departmentsUsers').destroy({ filter: { departmentId: engineering?.get('id') as number } });
    await w.admin.post(`departments:destroy?filterByTk=${engineering?.get('id')}`, {});
    const usersBefore = await db().getRepository('users').count();

    const created = await w.admin.post<Row>('userDataSyncSources:create', { name: SOURCE, sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET } });
    sourceId = Number(created.id);
    tasks = 0;
    await pull();
    // Zhao Liu's user is created again, once; the other users are the old source's, not duplicated.
    expect(await db().getRepository('users').count()).toBe(usersBefore + 1);
    const again = await user({ nickname: 'Zhao Liu' });
    expect(again).toMatchObject({ phone: '13800000004', email: 'zhaoliu.new@demo.example' });
    expect(await linkOf('zhaoliu')).toMatchObject({ userId: again?.id });
    const departments = await db().getRepository('departments').find({ filter: { title: 'Engineering' } });
    expect(departments).toHaveLength(1);
    const li = await user({ nickname: 'Li Si' });
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: li?.id as number, departmentId: departments[0].get('id') as number } })).toBe(1);
  });

  it("keeps an existing user's phone that is no mainland number (an extension, a short internal number), across pulls", async () => {
    corp().members.push(
      { userid: 'sunba', name: 'Sun Ba', mobile: '13800000088', email: 'sunba@demo.example', department: [1] },
      { userid: 'zhoujiu', name: 'Zhou Jiu', mobile: '13800000099', email: 'zhoujiu@demo.example', department: [1] },
    );
    const sun = await w.admin.post<Row>('users:create', { nickname: 'Sun (local)', username: 'sunba_local', email: 'sunba@demo.example', phone: '+1 555 0100 ext 7' });
    const zhou = await w.admin.post<Row>('users:create', { nickname: 'Zhou (local)', username: 'zhoujiu_local', email: 'zhoujiu@demo.example', phone: '8021' });
    // Linked by their sign-ins (their phones then were WeCom's).
    for (const [uuid, id] of [['sunba', sun.id], ['zhoujiu', zhou.id]] as const) {
      await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: id, uuid, meta: { corpId: CORP_ID, userid: uuid } });
    }
    await pull();
    expect(await user({ id: sun.id })).toMatchObject({ nickname: 'Sun (local)', phone: '+1 555 0100 ext 7' });
    expect(await user({ id: zhou.id })).toMatchObject({ nickname: 'Zhou (local)', phone: '8021' });
    expect(await linkOf('zhoujiu')).toMatchObject({ userId: zhou.id });
    await pull();
    expect(await user({ id: sun.id })).toMatchObject({ phone: '+1 555 0100 ext 7' });
    expect(await user({ id: zhou.id })).toMatchObject({ phone: '8021' });
  });

  it("tells a member's user only by a link of this company or a phone no other member's user has, and never writes another user's email", async () => {
    const make = async (values: Row) => (await w.admin.post<Row>('users:create', values)).id as number;
    // Ma's user is linked (under this company) to another member: a member with its phone is not given it.
    const ma = await make({ nickname: 'Ma (local)', username: 'ma_local', phone: '13800000111' });
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: ma, uuid: 'ma.old', meta: { corpId: CORP_ID, userid: 'ma.old' } });
    // A link of another company counts for nothing: Niu's user is matched by its phone; Ghost's user is not its.
    const niu = await make({ nickname: 'Niu (local)', username: 'niu_local', phone: '13800000112' });
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: niu, uuid: 'niu.elsewhere', meta: { corpId: 'wwother000000009', userid: 'niu.elsewhere' } });
    const ghost = await make({ nickname: 'Ghost (local)', username: 'ghost_local' });
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: ghost, uuid: 'ghost', meta: { corpId: 'wwother000000009', userid: 'ghost' } });
    // Yang's WeCom email is another user's.
    const yang = await make({ nickname: 'Yang (local)', username: 'yang_local', phone: '13800000113' });
    await make({ nickname: 'Mailbox owner', username: 'mailbox_owner', email: 'shared@demo.example' });
    corp().members.push(
      { userid: 'ma.new', name: 'Ma New', mobile: '13800000111', department: [1] },
      { userid: 'niu', name: 'Niu', mobile: '13800000112', department: [1] },
      { userid: 'ghost', name: 'Ghost', department: [1] },
      { userid: 'yang', name: 'Yang', mobile: '13800000113', email: 'shared@demo.example', department: [1] },
    );
    await pull();
    expect(w.t.logs()).toContain(`{"userid":"ma.new","reason":"user-taken","userId":${ma},"user":"ma_local (#${ma})"}`);
    expect(await linkOf('ma.new')).toBeUndefined();
    expect(await user({ id: ma })).toMatchObject({ nickname: 'Ma (local)' });
    expect(await linkOf('niu')).toMatchObject({ userId: niu, meta: { corpId: CORP_ID } });
    expect(await user({ id: ghost })).toMatchObject({ nickname: 'Ghost (local)' });
    const ghostLinks = (await db().getRepository('usersAuthenticators').find({ filter: { authenticator: 'wecom', uuid: 'ghost' } })).map((l: Model) => l.toJSON() as Row);
    const newGhost = await user({ nickname: 'Ghost' });
    expect(newGhost?.id).not.toBe(ghost);
    expect(ghostLinks.filter((l: Row) => (l.meta as Row).corpId === CORP_ID).map((l: Row) => l.userId)).toEqual([newGhost?.id]);
    expect(await linkOf('yang')).toMatchObject({ userId: yang });
    expect((await user({ id: yang }))?.email).toBeNull();
  });

  it('leaves a user the sync created alone once it has the root role, also when its member leaves: no rewrite, same departments', async () => {
    corp().members.push({ userid: 'chief', name: 'Chief', mobile: '13800000123', department: [1, 2], main_department: 2 });
    await pull();
    const chief = await user({ nickname: 'Chief' });
    expect(await linkOf('chief')).toMatchObject({ userId: chief?.id, meta: { syncCreated: true } });
    // NocoBase's own hooks refuse to hand out the root role: as a database administrator would.
    await db().getModel('rolesUsers').bulkCreate([{ userId: chief?.id, roleName: 'root' }], { hooks: false });
    const memberships = async () => (await db().getRepository('departmentsUsers').find({ filter: { userId: chief?.id as number }, sort: ['departmentId'] })).map((m: Model) => m.toJSON());
    const before = { user: await user({ id: chief?.id }), memberships: await memberships() };
    expect(before.memberships).toHaveLength(2);
    member('chief').name = 'Chief (renamed in WeCom)';
    await pull();
    expect({ user: await user({ id: chief?.id }), memberships: await memberships() }).toEqual(before);
    corp().members = corp().members.filter((m) => m.userid !== 'chief');
    await pull();
    expect({ user: await user({ id: chief?.id }), memberships: await memberships() }).toEqual(before);
    expect(await linkOf('chief')).toBeUndefined();
  });

  // Last: members leave.
  it('only unlinks a user the sync did not create when its member leaves WeCom, root included; removes one it created', async () => {
    const zhou = await user({ username: 'zhoujiu_local' });
    const root = await user({ email: ADMIN.email });
    const ghost = await user({ nickname: 'Ghost' });
    corp().members = corp().members.filter((m) => !['zhoujiu', 'zhangsan', 'ghost'].includes(m.userid));
    const task = await pull();
    expect(task.message).toContain('1 removed, 2 unlinked.');
    expect(task.message).toContain('2 members who left WeCom kept their user, which the sync did not create: only their WeCom link was removed.');
    expect(await user({ id: zhou?.id })).toMatchObject({ nickname: 'Zhou (local)', mainDepartmentId: null });
    expect(await linkOf('zhoujiu')).toBeUndefined();
    expect(await user({ id: root?.id })).toEqual(root);
    expect(await linkOf('zhangsan')).toBeUndefined();
    expect(await user({ id: ghost?.id })).toBeUndefined();
  });
});
