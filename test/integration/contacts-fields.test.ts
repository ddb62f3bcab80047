// More of WeCom's member fields (option fieldMap) and the userid as username (option usernameFromUserid): what a
// save refuses, what a pull, a preview and a change callback write, and who a username is never taken from.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-fields';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const CALLBACK = { callbackToken: 'cbToken123', callbackEncodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };
const FIELD_MAP = [
  { from: 'position', to: 'jobTitle' },
  { from: 'alias', to: 'alias' },
  { from: 'gender', to: 'gender' },
  { from: 'telephone', to: 'landline' },
  { from: 'direct_leader', to: 'leader' },
  { from: 'external_position', to: 'externalTitle' },
  { from: 'extattr:Employee No.', to: 'employeeNo' },
  { from: 'extattr:Homepage', to: 'homepage' },
];

type Row = Record<string, unknown>;
interface Group {
  count: number;
  entries: { id: string; name?: string; user?: string }[];
}
interface Preview {
  ok: boolean;
  users: { create: Group; update: Group; link: Group; remove: Group; unlink: Group; unchanged: number };
  skipped: { count: number; entries: { id: string; reason: string; user?: string }[] };
}

describe('contacts sync: mapped fields and the userid as username', () => {
  let w: WecomApp;
  let sourceId: number;
  let tasks = 0;
  const db = () => w.t.app.db;
  const corp = () => w.sandbox.config.corps[0];
  const member = (userid: string) => corp().members.find((m) => m.userid === userid)!;
  const userOf = async (userid: string): Promise<Row> => {
    const link = await db().getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid: userid } });
    expect(link, `no user linked to ${userid}`).toBeTruthy();
    return (await db().getRepository('users').findOne({ filterByTk: link!.get('userId') as number }))!.toJSON() as Row;
  };
  const preview = () => w.admin.post<Preview>(`wecom:previewSync?source=${SOURCE}`, {});
  const pull = async (): Promise<Row> => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    tasks += 1;
    await expect
      .poll(async () => (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] }))[tasks - 1]?.get('status'), { timeout: 60_000, interval: 50 })
      .toMatch(/^(success|failed)$/);
    return ((await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] }))[tasks - 1] as Model).toJSON() as Row;
  };
  const addField = (name: string, extra: Row = {}) =>
    w.admin.post('collections/users/fields:create', { name, type: 'string', interface: 'input', uiSchema: { type: 'string', title: name, 'x-component': 'Input' }, ...extra });
  const save = (options: Row) => w.admin.post('userDataSyncSources:create', { name: 'bad-map', sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom', ...options } });

  beforeAll(async () => {
    const config = testConfig();
    // A member whose userid is the root user's username, and one whose userid NocoBase refuses as a username.
    config.corps[0].members.push({ userid: 'nocobase', name: 'Noco Base', department: [3] }, { userid: 'dot.ted', name: 'Dot Ted', department: [3] });
    w = await createWecomApp(config, {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    // Custom fields an admin adds in the collection manager.
    for (const name of ['jobTitle', 'alias', 'gender', 'landline', 'leader', 'externalTitle', 'employeeNo', 'homepage']) await addField(name);
    await addField('badge', { unique: true });
    await w.admin.post('collections/users/fields:create', { name: 'age', type: 'integer', interface: 'integer', uiSchema: { type: 'number', title: 'age', 'x-component': 'InputNumber' } });
    // Users that exist before the first pull: one holds the username `wangwu`, one has Zhao Liu's mobile (and a username of its own).
    await db().getRepository('users').create({ values: { username: 'wangwu', nickname: 'Another Wang' } });
    await db().getRepository('users').create({ values: { username: 'zl', nickname: 'Zhao L.', phone: '13800000004', employeeNo: 'E1002' } });
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, fieldMap: FIELD_MAP, usernameFromUserid: true, ...CALLBACK });
    corp().contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, token: CALLBACK.callbackToken, encodingAESKey: CALLBACK.callbackEncodingAESKey };
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it.each([
    [{ fieldMap: [{ from: 'position', to: 'nope' }] }, 'The users collection has no field "nope". Add it in the collection manager, or choose another.'],
    [{ fieldMap: [{ from: 'position', to: 'password' }] }, 'The users field "password" is guarded: the contacts sync never writes it.'],
    [{ fieldMap: [{ from: 'alias', to: 'roles' }] }, 'The users field "roles" is guarded: the contacts sync never writes it.'],
    [{ fieldMap: [{ from: 'alias', to: 'createdAt' }] }, 'The users field "createdAt" is guarded: the contacts sync never writes it.'],
    [{ fieldMap: [{ from: 'alias', to: 'id' }] }, 'The users field "id" is guarded: the contacts sync never writes it.'],
    [{ fieldMap: [{ from: 'alias', to: 'email' }] }, 'The users field "email" is written by the sync already'],
    [{ fieldMap: [{ from: 'alias', to: 'username' }], usernameFromUserid: true }, 'The users field "username" is written by the sync already'],
    [{ fieldMap: [{ from: 'alias', to: 'age' }] }, 'The users field "age" does not hold text (integer)'],
    [{ fieldMap: [{ from: 'alias', to: 'badge' }] }, 'The users field "badge" is unique'],
    [{ fieldMap: [{ from: 'alias', to: 'jobTitle' }, { from: 'position', to: 'jobTitle' }] }, 'The users field "jobTitle" is mapped twice'],
    [{ fieldMap: [{ from: 'mobile', to: 'jobTitle' }] }, 'The WeCom field "mobile" cannot be mapped'],
    [{ fieldMap: [{ from: 'position', to: '' }] }, 'Choose the users field that receives the WeCom field "position".'],
  ])('refuses a mapping on save: %j', async (options, message) => {
    await expect(save(options)).rejects.toMatchObject({ status: 400, message: expect.stringContaining(message) });
    expect(await db().getRepository('userDataSyncSources').count({ filter: { name: 'bad-map' } })).toBe(0);
  });

  it('refuses it in the language of the admin', async () => {
    await expect(w.admin.post('userDataSyncSources:create', { name: 'bad-map', sourceType: 'wecom', options: { authenticator: 'wecom', fieldMap: [{ from: 'position', to: 'nope' }] } }, { 'x-locale': 'zh-CN' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('用户表没有字段“nope”'),
    });
  });

  it('previews the first pull as the pull does it, then writes the mapped fields', async () => {
    const before = await preview();
    expect(before.ok).toBe(true);
    expect(before.skipped.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'wangwu', reason: 'username-taken' }),
        expect.objectContaining({ id: 'nocobase', reason: 'username-taken' }),
        expect.objectContaining({ id: 'dot.ted', reason: 'username-invalid' }),
      ]),
    );
    expect(before.users.link.entries.map((e) => e.id)).toEqual(['zhaoliu']);
    expect((await pull()).status).toBe('success');
    const zhang = await userOf('zhangsan');
    expect(zhang).toMatchObject({
      username: 'zhangsan',
      jobTitle: 'Engineer',
      alias: 'Sam',
      gender: '1',
      landline: '010-62345678',
      leader: 'lisi',
      externalTitle: 'Senior engineer',
      employeeNo: 'E1001',
      homepage: 'https://demo.example/zhangsan',
    });
    // Fields WeCom answered empty are cleared; an attribute the member lacks is left as it is.
    expect(await userOf('lisi')).toMatchObject({ username: 'lisi', jobTitle: 'Designer', landline: null, leader: null, homepage: null, employeeNo: 'E1002' });
  });

  it('writes mapped fields into a user it did not create, which keeps its username', async () => {
    const zhao = await userOf('zhaoliu');
    expect(zhao).toMatchObject({ username: 'zl', nickname: 'Zhao L.', jobTitle: 'Intern' });
  });

  it('never takes a username another user has, nor touches the root user', async () => {
    expect((await userOf('wangwu')).username).toBeNull();
    expect((await db().getRepository('users').findOne({ filter: { username: 'wangwu' } }))!.get('nickname')).toBe('Another Wang');
    expect((await userOf('nocobase')).username).toBeNull();
    const root = (await db().getRepository('users').findOne({ filter: { username: 'nocobase' } }))!.toJSON() as Row;
    expect(root).toMatchObject({ email: 'admin@nocobase.com', nickname: 'Super Admin', jobTitle: null });
    expect((await userOf('dot.ted')).username).toBeNull();
  });

  it('does not use mapped fields to decide who a member is', async () => {
    // A user with Li Si's employee number (and no link, no mobile) is not Li Si.
    const stranger = await db().getRepository('users').create({ values: { nickname: 'Stranger', employeeNo: 'E2002' } });
    member('wangwu').extattr = { attrs: [{ type: 0, name: 'Employee No.', text: { value: 'E2002' } }] };
    expect((await pull()).status).toBe('success');
    expect((await userOf('wangwu')).id).not.toBe(stranger.get('id'));
    expect((await userOf('wangwu')).employeeNo).toBe('E2002');
    expect((await db().getRepository('users').findOne({ filterByTk: stranger.get('id') as number }))!.get('nickname')).toBe('Stranger');
  });

  it('shows a changed mapped field as an update in the preview, and the pull does just that', async () => {
    member('zhangsan').position = 'Staff Engineer';
    const plan = await preview();
    expect(plan.users.update.entries.map((e) => e.id)).toEqual(['zhangsan']);
    expect(plan.users.create.count + plan.users.link.count + plan.users.remove.count).toBe(0);
    expect((await pull()).status).toBe('success');
    expect((await userOf('zhangsan')).jobTitle).toBe('Staff Engineer');
    expect((await preview()).users.update.count).toBe(0);
  });

  it('writes a mapped field a change callback brings, a value longer than its field cut at its length', async () => {
    const homepage = `https://demo.example/${'p'.repeat(300)}`;
    const extattr = { attrs: [{ type: 0, name: 'Employee No.', text: { value: 'E1002' } }, { type: 1, name: 'Homepage', web: { url: homepage, title: 'Li Si' } }] };
    const result = await w.sandbox.changeContact({ changeType: 'update_user', user: { ...member('lisi'), alias: 'Lili', extattr } });
    expect(result.attempts).toEqual([{ status: 200, body: '' }]);
    // A string field holds 255 characters (PostgreSQL refuses more: the member's whole write would fail).
    expect(await userOf('lisi')).toMatchObject({ alias: 'Lili', homepage: homepage.slice(0, 255) });
  });

  it('Check configuration names the mapped fields the Secret in use cannot read, and a mapped field users lacks', async () => {
    // The app sees the whole corp: without the contacts-sync Secret it reads the members itself, without gender.
    corp().apps[0].visibleTo = 'all';
    const check = (options: Row) => w.admin.post<{ ok: boolean; message: string; field?: string }>('wecom:checkContacts', { options: { authenticator: 'wecom', ...options } });
    const appOnly = await check({ fieldMap: [{ from: 'gender', to: 'gender' }, { from: 'position', to: 'jobTitle' }] });
    expect(appOnly).toMatchObject({ ok: true });
    expect(appOnly.message).toContain('WeCom hides gender from this Secret: the mapped users fields gender will not be written.');
    const withSecret = await check({ contactsSecret: CONTACTS_SECRET, fieldMap: [{ from: 'gender', to: 'gender' }] });
    expect(withSecret).toMatchObject({ ok: true });
    expect(withSecret.message).not.toContain('hides');
    expect(await check({ contactsSecret: CONTACTS_SECRET, fieldMap: [{ from: 'gender', to: 'sex' }] })).toMatchObject({
      ok: false,
      field: 'fieldMap',
      message: 'The users collection has no field "sex". Add it in the collection manager, or choose another.',
    });
  });

  it('refuses a pull after a mapped field was deleted from users, naming it', async () => {
    await w.admin.post('collections/users/fields:destroy?filterByTk=homepage', {});
    const task = await pull();
    expect(task.status).toBe('failed');
    expect(JSON.stringify(task)).toContain('homepage');
  });
});
