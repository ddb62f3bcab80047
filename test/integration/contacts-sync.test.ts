// Contacts sync: a `wecom` source of user-data-sync against the sandbox, through NocoBase's own API.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';
import { WecomUser } from '../helpers/wecom-user';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const CALLBACK = { callbackToken: 'cbToken123', callbackEncodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };

type Row = Record<string, unknown>;

async function waitForTask(w: WecomApp, sourceId: number, count: number): Promise<Row> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tasks = (await w.t.app.db.getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
    const last = tasks[count - 1];
    if (last && (last.status === 'success' || last.status === 'failed')) return last;
    if (Date.now() > deadline) throw new Error(`sync task ${count} did not finish: ${JSON.stringify(tasks)}`);
    await new Promise((resolve) => setImmediate(resolve));
    await w.t.app.db.sequelize.query('SELECT 1');
  }
}

describe('contacts sync (pull)', () => {
  let w: WecomApp;
  let sourceId: number;
  let tasks = 0;
  const db = () => w.t.app.db;
  const user = async (filter: object) => (await db().getRepository('users').findOne({ filter: filter as never }))?.toJSON() as (Row & { id: number }) | undefined;
  const pull = async () => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    tasks += 1;
    return waitForTask(w, sourceId, tasks);
  };
  const snapshot = async () => ({
    users: (await db().getRepository('users').find({ sort: ['id'] })).map((u: Model) => u.toJSON()),
    departments: (await db().getRepository('departments').find({ sort: ['id'] })).map((d: Model) => d.toJSON()),
    memberships: (await db().getRepository('departmentsUsers').find({ sort: ['userId', 'departmentId'] })).map((m: Model) => m.toJSON()),
    links: (await db().getRepository('usersAuthenticators').find({ sort: ['userId'] })).map((l: Model) => l.toJSON()),
  });

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    // Users NocoBase has already: Zhao Liu's phone, Wang Wu's email, two users sharing Twin's number (and the root
    // user, whose email is the WeCom email of the member No Body).
    await w.admin.post('users:create', { nickname: 'Zhao (local)', username: 'zhaoliu_local', phone: '138 0000 0004' });
    await w.admin.post('users:create', { nickname: 'Wang (local)', username: 'wangwu_local', email: 'wangwu@demo.example' });
    await w.admin.post('users:create', { nickname: 'Twin A', username: 'twin_a', phone: '13800000055' });
    await w.admin.post('users:create', { nickname: 'Twin B', username: 'twin_b', phone: '+86 138-0000-0055' });
    // A department an admin keeps by hand, with Zhao Liu in it.
    const hand = await db().getRepository('departments').create({ values: { title: 'Hand-made' } });
    const zhao = await user({ username: 'zhaoliu_local' });
    await db().getRepository('departmentsUsers').create({ values: { userId: zhao?.id, departmentId: hand.get('id'), isOwner: true } });
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, ...CALLBACK });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('never answers the contacts-sync Secret, Token or EncodingAESKey', async () => {
    const shown = await w.admin.get<Row>('userDataSyncSources:get', { filterByTk: String(sourceId) });
    expect(shown.options).toEqual({ authenticator: 'wecom', savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] });
  });

  it('refuses a QR sign-in of a member who was never linked (before the sync)', async () => {
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'zhangsan');
    expect(res.status).toBe(401);
  });

  it('creates the departments, users, memberships, leaders and links in one pull', async () => {
    const task = await pull();
    expect(task.status).toBe('success');
    expect(task.message).toMatch(/^Read 9 members in 3 departments from WeCom\. Users: /);
    expect(w.t.logs()).toContain('{"userid":"twin","reason":"phone-ambiguous"}');

    // `sort` is a hidden field: toJSON leaves it out.
    const departments = (await db().getRepository('departments').find({ appends: ['parent'] })).map((d: Model) => ({ ...(d.toJSON() as Row), sort: d.get('sort') }));
    const byTitle = (title: string) => departments.find((d: Row) => d.title === title) as Row & { parent?: Row };
    expect(byTitle('Demo Corp').parentId).toBeNull();
    expect(byTitle('Engineering').parent?.title).toBe('Demo Corp');
    expect(byTitle('Sales').parent?.title).toBe('Demo Corp');
    // WeCom's order is larger-first: Engineering (100000000) before Sales (99999000).
    expect(byTitle('Engineering').sort).toBe(1);
    expect(byTitle('Sales').sort).toBe(2);

    const zhang = await user({ nickname: 'Zhang San' });
    expect(zhang).toMatchObject({ phone: '13800000001', email: 'zhangsan@corp.demo.example' });
    const li = await user({ nickname: 'Li Si' });
    expect(li).toMatchObject({ phone: '13900000002', email: 'lisi@demo.example', mainDepartmentId: byTitle('Engineering').id });
    const memberships = (await db().getRepository('departmentsUsers').find({ filter: { userId: li?.id as number } })).map((m: Model) => m.toJSON() as Row);
    expect(memberships.map((m: Row) => [m.departmentId, m.isOwner]).sort()).toEqual(
      [
        [byTitle('Demo Corp').id, false],
        [byTitle('Engineering').id, true],
      ].sort(),
    );

    // An existing user with the member's mobile number is linked, never duplicated; it keeps its own nickname.
    const zhao = await user({ username: 'zhaoliu_local' });
    expect(zhao).toMatchObject({ nickname: 'Zhao (local)', email: 'zhaoliu@demo.example' });
    expect(await db().getRepository('users').count({ filter: { nickname: 'Twin' } })).toBe(0);

    const links = (await db().getRepository('usersAuthenticators').find({ filter: { authenticator: 'wecom' } })).map((l: Model) => l.toJSON() as Row);
    const linkOf = (uuid: string) => links.find((l: Row) => l.uuid === uuid);
    expect(linkOf('zhangsan')).toMatchObject({ userId: zhang?.id, meta: { corpId: 'wwdemo0000000001', userid: 'zhangsan' } });
    expect(linkOf('zhaoliu')).toMatchObject({ userId: zhao?.id });
    expect(linkOf('twin')).toBeUndefined();
  });

  it('never links a member to an existing user by email alone, and names that user in the task as a suggestion', async () => {
    const [task] = (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
    const wang = await user({ username: 'wangwu_local' });
    // The task's column holds 255 characters; its reader gets the whole text (contacts-task-messages.test.ts), the log the whole report.
    const [shown] = await w.admin.get<Row[]>('userDataSyncTasks:list', { filter: JSON.stringify({ sourceId }), sort: 'id' });
    expect(shown.id).toBe(task.id);
    expect(shown.message).toContain(`1 member not linked: only an email matches a user, and an email proves nothing. They link on their first sign-in inside WeCom (WeCom vouches for their mobile number there), or give the user the mobile number the member has in WeCom and sync again: wangwu → wangwu_local (#${wang?.id}).`);
    expect(w.t.logs()).toContain(`{"userid":"wangwu","reason":"email-only","userId":${wang?.id},"user":"wangwu_local (#${wang?.id})"}`);
    expect(wang).toMatchObject({ nickname: 'Wang (local)', email: 'wangwu@demo.example', phone: null });
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'wangwu' } })).toBe(0);
    expect(await db().getRepository('users').count({ filter: { nickname: 'Wang Wu' } })).toBe(0);
  });

  it("never links, rewrites or signs in as the root user a member whose WeCom email is the root user's", async () => {
    const [task] = (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
    expect(task.message).toContain('1 member not written: the user is a root user, which the sync never changes (nothing to do): nobody.');
    const root = await user({ email: 'admin@nocobase.com' });
    expect(root).toMatchObject({ nickname: 'Super Admin', phone: null });
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'nobody' } })).toBe(0);
    expect(await db().getRepository('usersAuthenticators').count({ filter: { userId: root?.id as number, authenticator: 'wecom' } })).toBe(0);
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'nobody');
    expect(res.status).toBe(401);
  });

  it('keeps a membership an admin added by hand in a department that is not from WeCom', async () => {
    const zhao = await user({ username: 'zhaoliu_local' });
    const hand = await db().getRepository('departments').findOne({ filter: { title: 'Hand-made' } });
    expect(await db().getRepository('departmentsUsers').findOne({ filter: { userId: zhao?.id as number, departmentId: hand?.get('id') as number } })).toMatchObject({ isOwner: true });
    const sales = await db().getRepository('departments').findOne({ filter: { title: 'Sales' } });
    expect(await db().getRepository('departmentsUsers').count({ filter: { userId: zhao?.id as number, departmentId: sales?.get('id') as number } })).toBe(1);
  });

  it('changes nothing on a second pull', async () => {
    const before = await snapshot();
    const task = await pull();
    expect(task.status).toBe('success');
    expect(task.message).toMatch(/ Users: \d+ unchanged\. Departments: 3 unchanged\. /);
    expect(await snapshot()).toEqual(before);
  });

  it('lets a synced member sign in by QR code at once', async () => {
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'zhangsan');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { user: Row } };
    expect(body.data.user.nickname).toBe('Zhang San');
  });

  it('removes a member WeCom no longer has, and a department, on the next pull', async () => {
    const corp = w.sandbox.config.corps[0];
    corp.members = corp.members.filter((m) => m.userid !== 'zhangsan');
    corp.departments = corp.departments?.filter((d) => d.id !== 3);
    for (const m of corp.members) if (m.department?.includes(3)) m.department = [1];
    const zhangId = (await user({ nickname: 'Zhang San' }))?.id;
    const task = await pull();
    expect(task.message).toContain('1 removed');
    expect(await user({ id: zhangId })).toBeUndefined();
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'zhangsan' } })).toBe(0);
    expect(await db().getRepository('departments').count({ filter: { title: 'Sales' } })).toBe(0);
    // Zhao Liu moved to the root and kept the hand-made department.
    const zhao = await user({ username: 'zhaoliu_local' });
    const titles = (await db().getRepository('departmentsUsers').find({ filter: { userId: zhao?.id as number }, appends: [] })).length;
    expect(titles).toBe(2);
  });

  it("writes nothing after the authenticator's Company ID changed, though the other company has a member of the same userid, and says what to do", async () => {
    // The authenticator's Company ID changed to another company (same AgentId and Secrets in the sandbox), whose
    // `lisi` is another person.
    const other = structuredClone(w.sandbox.config.corps[0]);
    other.corpId = 'wwother000000002';
    other.members = [
      { userid: 'lisi', name: 'Li Si (other company)', department: [1], mobile: '13900008800' },
      { userid: 'other.one', name: 'Other One', department: [1], mobile: '13900008801' },
      { userid: 'other.two', name: 'Other Two', department: [1], mobile: '13900008802' },
    ];
    w.sandbox.config.corps.push(other);
    const authenticator = await db().getRepository('authenticators').findOne({ filter: { name: 'wecom' } });
    const options = authenticator?.get('options') as Row;
    await w.admin.post(`authenticators:update?filterByTk=${authenticator?.get('id')}`, { enabled: true, options: { ...options, corpId: 'wwother000000002' } });
    try {
      const before = await snapshot();
      const task = await pull();
      expect(task.status).toBe('failed');
      expect(task.message).toBe(
        'Nothing written: this source synced the company wwdemo0000000001, but its authenticator now reads wwother000000002. Set the Company ID back, or sync wwother000000002 with a new source of another name.',
      );
      expect(await snapshot()).toEqual(before);
      // Nor does a change callback of the other company.
      w.sandbox.config.corps[1].contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, token: CALLBACK.callbackToken, encodingAESKey: CALLBACK.callbackEncodingAESKey };
      await w.sandbox.changeContact({ corpId: 'wwother000000002', changeType: 'update_user', user: { userid: 'lisi', name: 'Li Si (other company, renamed)' } });
      await expect.poll(() => w.t.logs(), { timeout: 20_000 }).toContain('but its authenticator now reads wwother000000002');
      expect(await snapshot()).toEqual(before);
    } finally {
      await w.admin.post(`authenticators:update?filterByTk=${authenticator?.get('id')}`, { enabled: true, options });
      w.sandbox.config.corps.pop();
    }
  });

  it('removes no one when WeCom returns no members at all, and says why', async () => {
    const corp = w.sandbox.config.corps[0];
    const members = corp.members;
    corp.members = [];
    try {
      const before = await snapshot();
      const task = await pull();
      expect(task.status).toBe('failed');
      expect(task.message).toContain("WeCom returned no members for this corp, so nothing was removed. Check the app's visible range and the contacts-sync Secret.");
      expect(await snapshot()).toEqual(before);
    } finally {
      corp.members = members;
    }
  });

  const sourceNamed = async (name: string) => (await db().getRepository('userDataSyncSources').findOne({ filter: { name } }))?.toJSON() as Row | undefined;

  it.each([
    ['no authenticator', {}, 'No WeCom authenticator is chosen for this sync source.'],
    ['an authenticator that does not exist', { authenticator: 'nope' }, 'There is no WeCom authenticator named "nope".'],
    ['an authenticator that is not a WeCom one', { authenticator: 'basic' }, 'There is no WeCom authenticator named "basic".'],
    ['an authenticator given as a variable', { authenticator: '{{$env.WECOM_AUTHENTICATOR}}' }, 'The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.'],
    ['a callback EncodingAESKey that is not 43 characters', { authenticator: 'wecom', callbackToken: 'abc', callbackEncodingAESKey: 'short' }, 'The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.'],
    ['a callback Token with a space', { authenticator: 'wecom', callbackToken: 'ab c', callbackEncodingAESKey: CALLBACK.callbackEncodingAESKey }, 'The callback Token must be 3 to 32 English letters or digits, as set in WeCom.'],
    ['a Token without its EncodingAESKey', { authenticator: 'wecom', callbackToken: 'abc' }, 'The callback needs both the Token and the EncodingAESKey.'],
    ['a removal limit that is no number', { authenticator: 'wecom', maxRemovals: 'ten' }, 'Maximum removals must be a number of users (like 50) or a percentage of the members (like 10%).'],
    ['a removal limit over 100%', { authenticator: 'wecom', maxRemovals: '150%' }, 'Maximum removals must be a number of users (like 50) or a percentage of the members (like 10%).'],
  ])('refuses to save a source with %s, naming the problem, and saves nothing', async (_, options, message) => {
    const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
    await expect(w.admin.post('userDataSyncSources:create', { name, sourceType: 'wecom', enabled: true, options })).rejects.toMatchObject({
      status: 400,
      message: `POST userDataSyncSources:create: HTTP 400 ${message}`,
    });
    expect(await sourceNamed(name)).toBeUndefined();
  });

  it('refuses to save a source in the language of the admin who saves it', async () => {
    await expect(
      w.admin.post('userDataSyncSources:create', { name: 'bad-zh', sourceType: 'wecom', enabled: true, options: { authenticator: 'nope' } }, { 'x-locale': 'zh-CN' }),
    ).rejects.toMatchObject({ status: 400, message: 'POST userDataSyncSources:create: HTTP 400 没有名为“nope”的企业微信认证器。' });
    expect(await sourceNamed('bad-zh')).toBeUndefined();
  });

  it('refuses an update that breaks the options and keeps the saved ones; an update of other fields is not checked', async () => {
    const stored = async () => (await sourceNamed(SOURCE))?.options;
    const before = await stored();
    await expect(
      w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', callbackEncodingAESKey: 'short' } }),
    ).rejects.toMatchObject({ status: 400, message: `POST userDataSyncSources:update?filterByTk=${sourceId}: HTTP 400 The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.` });
    expect(await stored()).toEqual(before);
    // The form sends the options back without the write-only values: the saved ones complete them.
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] } });
    expect(await stored()).toEqual(before);
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { enabled: true });
    expect((await sourceNamed(SOURCE))?.enabled).toBe(true);
  });

  it('fails the pull, naming the problem, for a secret variable whose value is malformed, and writes nothing', async () => {
    await w.admin.post('environmentVariables:create', { name: 'WECOM_SYNC_AES_KEY', type: 'secret', value: 'short' });
    const before = await snapshot();
    // Saved: the variable's value is checked where it is used.
    const created = await w.admin.post<Row>('userDataSyncSources:create', {
      name: 'bad-variable',
      sourceType: 'wecom',
      enabled: true,
      options: { authenticator: 'wecom', callbackToken: 'abc', callbackEncodingAESKey: '{{$env.WECOM_SYNC_AES_KEY}}' },
    });
    await w.admin.post('userData:pull?name=bad-variable', {});
    const task = await waitForTask(w, Number(created.id), 1);
    expect(task).toMatchObject({ status: 'failed', message: 'The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.' });
    expect(await snapshot()).toEqual(before);
  });

  it('fails the pull, naming the problem, for a contacts-sync Secret WeCom refuses, and writes nothing', async () => {
    const before = await snapshot();
    const created = await w.admin.post<Row>('userDataSyncSources:create', { name: 'bad-secret', sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom', contactsSecret: 'not-the-secret' } });
    await w.admin.post('userData:pull?name=bad-secret', {});
    const task = await waitForTask(w, Number(created.id), 1);
    expect(task.status).toBe('failed');
    expect(task.message).toContain('WeCom refused gettoken (error 40001: invalid credential');
    expect(await snapshot()).toEqual(before);
  });

  it('fails the pull of a source whose authenticator was deleted, in the language of the admin who started it', async () => {
    await w.addAuthenticator('wecom-gone');
    const created = await w.admin.post<Row>('userDataSyncSources:create', { name: 'orphan', sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom-gone' } });
    const gone = await db().getRepository('authenticators').findOne({ filter: { name: 'wecom-gone' } });
    await w.admin.post(`authenticators:destroy?filterByTk=${gone?.get('id')}`, {});
    const before = await snapshot();
    await w.admin.post('userData:pull?name=orphan', {}, { 'x-locale': 'zh-CN' });
    const task = await waitForTask(w, Number(created.id), 1);
    expect(task).toMatchObject({ status: 'failed', message: '没有名为“wecom-gone”的企业微信认证器。' });
    expect(await snapshot()).toEqual(before);
  });

  it('lets an admin turn off and rename a source whose authenticator was deleted, as the forms send it (the whole record)', async () => {
    const orphan = await sourceNamed('orphan');
    expect(orphan).toBeDefined();
    const { id, createdAt, updatedAt, ...record } = orphan as Row;
    await w.admin.post(`userDataSyncSources:update?filterByTk=${id}`, { ...record, enabled: false, displayName: 'Old company' });
    expect(await sourceNamed('orphan')).toMatchObject({ enabled: false, displayName: 'Old company' });
    // Changing its options is checked.
    await expect(
      w.admin.post(`userDataSyncSources:update?filterByTk=${id}`, { ...record, options: { ...(record.options as Row), contactsSecret: 'another-secret' } }),
    ).rejects.toMatchObject({ status: 400, message: `POST userDataSyncSources:update?filterByTk=${id}: HTTP 400 There is no WeCom authenticator named "wecom-gone".` });
  });

  it('fails the pull of a source saved with a {{$env.X}} authenticator (by server code), without the value in the task message or the log', async () => {
    const value = 'db-password-Pu77aRq9';
    await w.admin.post('environmentVariables:create', { name: 'WECOM_PULL_DB_PASSWORD', type: 'secret', value });
    const before = await snapshot();
    // The API refuses it (above); a record written by server code or an import is not checked.
    const created = await db().getRepository('userDataSyncSources').create({
      values: { name: 'bad-env', sourceType: 'wecom', enabled: true, options: { authenticator: '{{$env.WECOM_PULL_DB_PASSWORD}}', contactsSecret: CONTACTS_SECRET } },
    });
    await w.admin.post('userData:pull?name=bad-env', {});
    const task = await waitForTask(w, Number(created.get('id')), 1);
    expect(task.status).toBe('failed');
    expect(task.message).toBe('The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.');
    expect(await snapshot()).toEqual(before);
    // (The value is in the log line of NocoBase's own environmentVariables:create, which is not this plugin's.)
    await expect.poll(() => w.t.logs(), { timeout: 20_000 }).toContain('cannot be a variable');
    const lines = w.t.logs().split('\n').filter((line) => !line.includes('environmentVariables'));
    expect(lines.filter((line) => line.includes(value))).toEqual([]);
  });
  it('stops a pull that would remove more users than Maximum removals before it writes anything, and runs it once the limit is raised', async () => {
    const corp = w.sandbox.config.corps[0];
    const setLimit = (maxRemovals: string | null) =>
      w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals } });
    await setLimit('2');
    try {
      corp.members = corp.members.filter((m) => !['fullwidth', 'dashed', 'spaced'].includes(m.userid));
      corp.members.push({ userid: 'joiner', name: 'Joiner', department: [1], mobile: '13900008804' });
      const before = await snapshot();
      const stopped = await pull();
      expect(stopped).toMatchObject({
        status: 'failed',
        message:
          'Nothing written: this pull would remove 3 of 5 users, over the limit of 2. If they left WeCom, raise Maximum removals and sync again; if not, check the visible range and the Secret.',
      });
      expect(await snapshot()).toEqual(before);
      await setLimit('3');
      const task = await pull();
      expect(task.status).toBe('success');
      expect(task.message).toContain('Users: 1 created, 2 unchanged, 3 removed.');
      expect(await user({ nickname: 'Full Width' })).toBeUndefined();
    } finally {
      await setLimit(null);
    }
  });

  it('counts members WeCom still lists as disabled against Maximum removals, before writing anything', async () => {
    const corp = w.sandbox.config.corps[0];
    const joiner = corp.members.find((m) => m.userid === 'joiner')!;
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: '0' } });
    joiner.status = 2;
    try {
      const before = await snapshot();
      const task = await pull();
      expect(task).toMatchObject({ status: 'failed' });
      expect(task.message).toContain('Nothing written: this pull would remove 1 of 3 users, over the limit of 0.');
      expect(await snapshot()).toEqual(before);
    } finally {
      delete joiner.status;
      await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: null } });
    }
  });

  it("drops the saved secrets of an authenticator or a source whose type is changed to another plugin's, so no answer shows them", async () => {
    await w.addAuthenticator('retyped');
    const authenticator = await db().getRepository('authenticators').findOne({ filter: { name: 'retyped' } });
    await w.admin.post(`authenticators:update?filterByTk=${authenticator?.get('id')}`, { enabled: true, authType: 'Email/Password' });
    const shown = await w.admin.get<Row>('authenticators:get', { filterByTk: String(authenticator?.get('id')) });
    expect(shown.authType).toBe('Email/Password');
    expect(JSON.stringify(shown)).not.toContain('demo-secret-0123456789abcdef');
    expect((await db().getRepository('authenticators').findOne({ filter: { name: 'retyped' } }))?.get('options')).not.toHaveProperty('corpSecret');

    const id = await w.addSyncSource('retyped-source', { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, ...CALLBACK });
    await w.admin.post(`userDataSyncSources:update?filterByTk=${id}`, { sourceType: 'api' });
    const source = await w.admin.get<Row>('userDataSyncSources:get', { filterByTk: String(id) });
    expect(JSON.stringify(source)).not.toContain(CONTACTS_SECRET);
    expect(JSON.stringify(source)).not.toContain(CALLBACK.callbackEncodingAESKey);
    expect(source.options).toEqual({ authenticator: 'wecom' });
  });

  // Last: it removes every synced member.
  it('removes every synced member when all of them left the company and others joined', async () => {
    const corp = w.sandbox.config.corps[0];
    corp.members = [{ userid: 'newcomer', name: 'Newcomer', department: [1], mobile: '13900008803' }];
    const task = await pull();
    expect(task).toMatchObject({ status: 'success' });
    // The users the sync created are removed with their members; Zhao (local), linked by phone, stays unlinked.
    expect(task.message).toContain('Users: 1 created, 2 removed, 1 unlinked.');
    expect(task.message).toContain('1 member who left WeCom kept their user, which the sync did not create: only their WeCom link was removed.');
    expect(await user({ username: 'zhaoliu_local' })).toMatchObject({ nickname: 'Zhao (local)', mainDepartmentId: null });
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'zhaoliu' } })).toBe(0);
    expect(await user({ nickname: 'Li Si' })).toBeUndefined();
    expect(await user({ nickname: 'Newcomer' })).toMatchObject({ phone: '13900008803' });
  });
});
