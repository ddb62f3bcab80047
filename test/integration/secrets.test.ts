// Write-only secrets: the Secret (and every secret of this plugin) can be set and replaced through the
// API, never read back through it, nor found in NocoBase's logs.
import type { Context } from '@nocobase/actions';
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addZhangSan, callsDuring, createWecomApp, SECRET, WecomApp } from '../helpers/wecom-app';
import { WECOM_UA, WecomUser } from '../helpers/wecom-user';

const NEW_SECRET = 'rotated-secret-9876543210fedcba';
const ENV_SECRET = 'env-held-secret-00112233445566';
const SYNC_SECRET = 'contacts-secret-aabbccddeeff0011';
const SYNC_TOKEN = 'callbackToken99887766';
const SYNC_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OTHER_PLUGIN_SECRET = 'other-plugin-value-5544332211';

interface Record_ {
  id: number;
  name: string;
  authType: string;
  enabled: boolean;
  options: Record<string, unknown>;
}

describe('write-only secrets', () => {
  let w: WecomApp;
  let wecomId: number;
  /** The user (no root role) that zhangsan's first sign-in links to. */
  let zhang: number;

  /** An authenticated request answered as raw text: a secret must not be anywhere in it. */
  const raw = async (path: string, body?: unknown) => {
    const res = await fetch(`${w.t.url}/api/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.admin.token}`, 'x-locale': 'en-US' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  /** What is stored, read in the app's process (not through the API). */
  const stored = async (collection: string, name: string) =>
    (await w.t.app.db.getRepository(collection).findOne({ filter: { name } }))!.get('options') as Record<string, unknown>;
  const get = async (id: number) => (await w.admin.get<Record_>('authenticators:get', { filterByTk: String(id) })).options;
  const update = (id: number, values: Record<string, unknown>) => w.admin.post(`authenticators:update?filterByTk=${id}`, { id, enabled: true, ...values });
  const check = (body: unknown) => w.admin.post<{ ok: boolean; secret?: string; field?: string; message: string }>('wecom:checkConfig', body);
  const signIn = async (userid: string) => (await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', userid)).status;

  beforeAll(async () => {
    w = await createWecomApp(undefined, {}, ['user-data-sync', 'action-export', 'data-visualization']);
    zhang = await addZhangSan(w.admin);
    await w.admin.post('environmentVariables:create', { name: 'WECOM_ENV_SECRET', type: 'secret', value: ENV_SECRET });
    await w.addAuthenticator('wecom');
    wecomId = (await w.admin.get<Record_[]>('authenticators:list', { 'filter[name]': 'wecom' }))[0].id;
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('never returns the Secret from list or get, and says one is saved', async () => {
    for (const path of [
      'authenticators:list',
      'authenticators:list?paginate=false',
      'authenticators:list?fields=options',
      'authenticators:list?fields=id&fields=options&fields=name',
      `authenticators:get?filterByTk=${wecomId}`,
      `authenticators:get?filterByTk=${wecomId}&appends=users`,
      `users:get?filterByTk=${zhang}&appends=authenticators`,
      'authenticators/wecom/users:list',
    ]) {
      const { text } = await raw(path);
      expect(text, path).not.toContain(SECRET);
    }
    const options = await get(wecomId);
    expect(options).toEqual({
      corpId: 'wwdemo0000000001',
      agentId: '1000002',
      origin: w.t.url,
      redirectPath: '/admin',
      public: { autoSignup: false, autoLogin: false },
      savedSecrets: ['corpSecret'],
    });
    // Stored as it was given.
    expect((await stored('authenticators', 'wecom')).corpSecret).toBe(SECRET);
  });

  it('never returns the Secret in the answer to a create, an update or a destroy', async () => {
    const created = await raw('authenticators:create', {
      name: 'scratch',
      authType: 'WeCom',
      enabled: false,
      options: { corpId: 'wwdemo0000000001', agentId: '1000002', corpSecret: NEW_SECRET, origin: w.t.url },
    });
    expect(created.status).toBe(200);
    expect(created.text).not.toContain(NEW_SECRET);
    expect(JSON.parse(created.text).data.options.savedSecrets).toEqual(['corpSecret']);
    const id = JSON.parse(created.text).data.id as number;
    const updated = await raw(`authenticators:update?filterByTk=${id}`, { id, enabled: false, options: { corpId: 'wwdemo0000000001', corpSecret: NEW_SECRET } });
    expect(updated.status).toBe(200);
    expect(updated.text).not.toContain(NEW_SECRET);
    const destroyed = await raw(`authenticators:destroy?filterByTk=${id}`, {});
    expect(destroyed.status).toBe(200);
    expect(destroyed.text).not.toContain(NEW_SECRET);
  });

  it('keeps the Secret when the v1 form saves the options as read, and sign-in still works', async () => {
    expect(await signIn('zhangsan')).toBe(200);
    // The v1 (formily) drawer posts the whole record as it read it, options without corpSecret.
    const record = await w.admin.get<Record_>('authenticators:get', { filterByTk: String(wecomId) });
    await update(wecomId, { ...record, options: { ...record.options, redirectPath: '/m' } });
    expect(await stored('authenticators', 'wecom')).toEqual({
      corpId: 'wwdemo0000000001',
      agentId: '1000002',
      corpSecret: SECRET,
      origin: w.t.url,
      redirectPath: '/m',
      public: { autoSignup: false, autoLogin: false },
    });
    expect(await signIn('zhangsan')).toBe(200);
  });

  it.each([
    ['absent', {}],
    ['empty', { corpSecret: '' }],
    ['null', { corpSecret: null }],
    ['blank', { corpSecret: '   ' }],
  ])('keeps the Secret when the v2 drawer saves it %s', async (_, formSecret) => {
    // The v2 drawer saves `{ ...record.options, ...formOptions }`.
    const record = await w.admin.get<Record_>('authenticators:get', { filterByTk: String(wecomId) });
    const formOptions = { corpId: 'wwdemo0000000001', agentId: '1000002', origin: w.t.url, redirectPath: '/admin', public: { autoSignup: false, autoLogin: false }, ...formSecret };
    await update(wecomId, { options: { ...record.options, ...formOptions } });
    expect((await stored('authenticators', 'wecom')).corpSecret).toBe(SECRET);
    expect(await signIn('zhangsan')).toBe(200);
  });

  it('ignores savedSecrets sent back on a write', async () => {
    await update(wecomId, { options: { ...(await get(wecomId)), savedSecrets: ['corpSecret', 'somethingElse'] } });
    expect(await stored('authenticators', 'wecom')).not.toHaveProperty('savedSecrets');
    // Claiming a saved Secret does not make one.
    await w.addAuthenticator('without-secret', { corpSecret: '', savedSecrets: ['corpSecret'] }, { enabled: false });
    expect(await stored('authenticators', 'without-secret')).not.toHaveProperty('savedSecrets');
    const [empty] = await w.admin.get<Record_[]>('authenticators:list', { 'filter[name]': 'without-secret' });
    expect(empty.options).not.toHaveProperty('savedSecrets');
  });

  it('replaces the Secret with a new one, which sign-in and the configuration check then use', async () => {
    const app = w.sandbox.config.corps[0].apps[0];
    app.secret = NEW_SECRET; // the Secret was reset in the WeCom console
    try {
      const before = await check({ name: 'wecom', options: { ...(await get(wecomId)) } });
      expect(before.message).toBe(
        'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings. Checked with the saved Secret.',
      );
      await update(wecomId, { options: { ...(await get(wecomId)), corpSecret: NEW_SECRET } });
      expect((await stored('authenticators', 'wecom')).corpSecret).toBe(NEW_SECRET);
      expect(await signIn('zhangsan')).toBe(200);
      expect(await check({ name: 'wecom', options: await get(wecomId) })).toEqual({
        ok: true,
        secret: 'saved',
        message: 'WeCom accepted the Company ID, AgentId and the saved Secret.',
      });
    } finally {
      app.secret = SECRET;
      await update(wecomId, { options: { ...(await get(wecomId)), corpSecret: SECRET } });
    }
    expect(await signIn('zhangsan')).toBe(200);
  });

  it('returns a {{$env.X}} reference as it is: it is not the secret', async () => {
    await w.addAuthenticator('from-env', { corpSecret: '{{$env.WECOM_ENV_SECRET}}' }, { enabled: false });
    const { text } = await raw('authenticators:list?filter[name]=from-env');
    expect(text).not.toContain(ENV_SECRET);
    const [record] = JSON.parse(text).data as Record_[];
    expect(record.options.corpSecret).toBe('{{$env.WECOM_ENV_SECRET}}');
    expect(record.options).not.toHaveProperty('savedSecrets');
    // NocoBase renders the variable into the record it saves: the answer to an update must not show it.
    const updated = await raw(`authenticators:update?filterByTk=${record.id}`, { id: record.id, enabled: false, options: record.options });
    expect(updated.status).toBe(200);
    expect(updated.text).not.toContain(ENV_SECRET);
    expect((await stored('authenticators', 'from-env')).corpSecret).toBe('{{$env.WECOM_ENV_SECRET}}');
  });

  it('refuses filters that would compare the Secret, and allows other filters on options', async () => {
    for (const filter of [
      { 'options.corpSecret': 'a-guess' },
      { 'options.corpSecret': { $like: 'demo%' } },
      { options: { corpSecret: { $like: 'demo%' } } },
      { $and: [{ authType: 'WeCom' }, { $or: [{ 'options.corpSecret': { $startsWith: 'd' } }] }] },
      { options: { $like: '%demo%' } },
    ]) {
      const res = await raw(`authenticators:list?filter=${encodeURIComponent(JSON.stringify(filter))}`);
      expect(res.status, JSON.stringify(filter)).toBe(400);
      expect(JSON.parse(res.text).errors[0].message).toBe('Saved secrets cannot be used to filter or export records.');
    }
    const destroy = await raw(`authenticators:destroy?filter=${encodeURIComponent(JSON.stringify({ 'options.corpSecret': { $like: 'x%' } }))}`, {});
    expect(destroy.status).toBe(400);
    const allowed = await raw(`authenticators:list?filter=${encodeURIComponent(JSON.stringify({ 'options.public.autoLogin': false, authType: 'WeCom' }))}`);
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.text).data.length).toBeGreaterThan(0);
  });

  it('refuses an export that would write the options holding the Secret, and exports the rest', async () => {
    const exportWith = (columns: unknown) => raw('authenticators:export', { title: 'authenticators', columns });
    for (const columns of [[{ dataIndex: ['options'], defaultTitle: 'Options' }], [{ dataIndex: ['options', 'corpSecret'], defaultTitle: 'Secret' }]]) {
      const res = await exportWith(columns);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).errors[0].message).toBe('Saved secrets cannot be used to filter or export records.');
    }
    const names = await exportWith([{ dataIndex: ['name'], defaultTitle: 'Name' }]);
    expect(names.status).toBe(200);
    expect(names.text).not.toContain(SECRET);
  });

  it("leaves other authentication types' options alone", async () => {
    await w.admin.post('authenticators:create', {
      name: 'other-plugin',
      authType: 'Email/Password',
      enabled: false,
      options: { corpSecret: OTHER_PLUGIN_SECRET, public: {} },
    });
    const [record] = await w.admin.get<Record_[]>('authenticators:list', { 'filter[name]': 'other-plugin' });
    expect(record.options).toEqual({ corpSecret: OTHER_PLUGIN_SECRET, public: {} });
    await update(record.id, { enabled: false, options: { corpSecret: '', public: {} } });
    expect(await stored('authenticators', 'other-plugin')).toEqual({ corpSecret: '', public: {} });
  });

  it('hides the contacts-sync secrets of a WeCom sync source, also when a task appends its source', async () => {
    const options = { authenticator: 'wecom', contactsSecret: SYNC_SECRET, callbackToken: SYNC_TOKEN, callbackEncodingAESKey: SYNC_AES_KEY };
    const created = await raw('userDataSyncSources:create', { name: 'wecom-contacts', sourceType: 'wecom', enabled: false, options });
    expect(created.status).toBe(200);
    const source = JSON.parse(created.text).data as { id: number };
    await w.t.app.db.getRepository('userDataSyncTasks').create({ values: { batch: 'b-1', sourceId: source.id, status: 'success' } });
    for (const path of [
      'userDataSyncSources:list',
      `userDataSyncSources:get?filterByTk=${source.id}`,
      'userDataSyncTasks:list?appends=source',
      `userDataSyncSources/${source.id}/tasks:list?appends=source`,
    ]) {
      const { status, text } = await raw(path);
      expect(status, path).toBe(200);
      for (const secret of [SYNC_SECRET, SYNC_TOKEN, SYNC_AES_KEY]) expect(text, path).not.toContain(secret);
    }
    const [task] = JSON.parse((await raw('userDataSyncTasks:list?appends=source')).text).data;
    expect(task.source.options).toEqual({ authenticator: 'wecom', savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] });
    // Saved as read, with a new Token: the others are kept.
    await w.admin.post(`userDataSyncSources:update?filterByTk=${source.id}`, { options: { ...task.source.options, callbackToken: 'newToken1234' } });
    expect(await stored('userDataSyncSources', 'wecom-contacts')).toEqual({ ...options, callbackToken: 'newToken1234' });
    const filtered = await raw(`userDataSyncTasks:list?filter=${encodeURIComponent(JSON.stringify({ 'source.options.callbackToken': { $like: 'c%' } }))}`);
    expect(filtered.status).toBe(400);
  });

  it('keeps the Secret when an update is addressed by filter', async () => {
    await w.admin.post(`authenticators:update?filter=${encodeURIComponent(JSON.stringify({ name: 'wecom' }))}`, {
      id: wecomId,
      enabled: true,
      options: { ...(await get(wecomId)), corpSecret: '' },
    });
    expect((await stored('authenticators', 'wecom')).corpSecret).toBe(SECRET);
  });

  describe('removing a saved callback Token and EncodingAESKey', () => {
    const WITH_CALLBACK = { authenticator: 'wecom', contactsSecret: SYNC_SECRET, callbackToken: SYNC_TOKEN, callbackEncodingAESKey: SYNC_AES_KEY };
    const create = async (name: string) =>
      JSON.parse((await raw('userDataSyncSources:create', { name, sourceType: 'wecom', enabled: false, options: WITH_CALLBACK })).text).data as { id: number; options: Record<string, unknown> };

    it('clears both when the form sends removeSecrets, which is never stored', async () => {
      const source = await create('remove-callback');
      const res = await raw(`userDataSyncSources:update?filterByTk=${source.id}`, {
        options: { ...source.options, callbackToken: '', callbackEncodingAESKey: '', removeSecrets: ['callbackToken', 'callbackEncodingAESKey'] },
      });
      expect(res.status).toBe(200);
      expect(await stored('userDataSyncSources', 'remove-callback')).toEqual({ authenticator: 'wecom', contactsSecret: SYNC_SECRET });
      const read = await w.admin.get<{ options: Record<string, unknown> }>('userDataSyncSources:get', { filterByTk: String(source.id) });
      expect(read.options).toEqual({ authenticator: 'wecom', savedSecrets: ['contactsSecret'] });
      // The public callback of that source is no longer configured.
      const callback = await fetch(`${w.t.url}/api/wecom:contactsCallback?source=remove-callback&msg_signature=x&timestamp=1&nonce=1&echostr=x`);
      expect(callback.status).not.toBe(200);
    });

    it('clears them on an update addressed by filter too', async () => {
      await create('remove-by-filter');
      const res = await raw(`userDataSyncSources:update?filter=${encodeURIComponent(JSON.stringify({ name: 'remove-by-filter' }))}`, {
        options: { authenticator: 'wecom', removeSecrets: ['callbackToken', 'callbackEncodingAESKey'] },
      });
      expect(res.status).toBe(200);
      expect(await stored('userDataSyncSources', 'remove-by-filter')).toEqual({ authenticator: 'wecom', contactsSecret: SYNC_SECRET });
    });

    it('refuses removing one of the pair and keeps both', async () => {
      const source = await create('remove-one');
      const res = await raw(`userDataSyncSources:update?filterByTk=${source.id}`, { options: { ...source.options, removeSecrets: ['callbackToken'] } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).errors[0].message).toBe('The callback needs both the Token and the EncodingAESKey.');
      expect(await stored('userDataSyncSources', 'remove-one')).toEqual(WITH_CALLBACK);
    });

    it('stores a new value sent with its removal: the new value wins', async () => {
      const source = await create('remove-and-replace');
      const half = await raw(`userDataSyncSources:update?filterByTk=${source.id}`, {
        options: { ...source.options, callbackToken: 'replacedToken42', removeSecrets: ['callbackToken', 'callbackEncodingAESKey'] },
      });
      // The Token replaced and the EncodingAESKey removed: one of the pair alone is refused, nothing changes.
      expect(half.status).toBe(400);
      expect(await stored('userDataSyncSources', 'remove-and-replace')).toEqual(WITH_CALLBACK);
      await w.admin.post(`userDataSyncSources:update?filterByTk=${source.id}`, {
        options: { ...source.options, callbackToken: 'replacedToken42', callbackEncodingAESKey: SYNC_AES_KEY.replace('a', 'b'), removeSecrets: ['callbackToken', 'callbackEncodingAESKey'] },
      });
      expect(await stored('userDataSyncSources', 'remove-and-replace')).toEqual({ ...WITH_CALLBACK, callbackToken: 'replacedToken42', callbackEncodingAESKey: SYNC_AES_KEY.replace('a', 'b') });
    });

    it('checks the configuration without the secrets the form is about to remove', async () => {
      const source = await create('check-removal');
      const result = await w.admin.post('wecom:checkContacts', { name: 'check-removal', options: { ...source.options, removeSecrets: ['callbackToken'] } });
      expect(result).toMatchObject({ ok: false, field: 'callbackToken', message: 'The callback needs both the Token and the EncodingAESKey.' });
    });

    it('keeps both when the form leaves them empty without removing them', async () => {
      const source = await create('keep-callback');
      await w.admin.post(`userDataSyncSources:update?filterByTk=${source.id}`, { options: { ...source.options, callbackToken: '', callbackEncodingAESKey: '' } });
      expect(await stored('userDataSyncSources', 'keep-callback')).toEqual(WITH_CALLBACK);
    });
  });

  describe('every read action NocoBase 2.2 registers for a collection', () => {
    // The actions a collection answers to in this app (read off @nocobase/actions, data-source-manager's
    // loadDefaultActions and the plugins): list, get, query, firstOrCreate, updateOrCreate, create, update,
    // destroy (the answers above), export (plugin-action-export) and charts:queryData
    // (plugin-data-visualization, `collection` in the body); add, set, remove, toggle and move answer no record.
    const SOURCE_OPTIONS = { authenticator: 'wecom', contactsSecret: SYNC_SECRET, callbackToken: SYNC_TOKEN, callbackEncodingAESKey: SYNC_AES_KEY };
    const ALL = [SECRET, SYNC_SECRET, SYNC_TOKEN, SYNC_AES_KEY];
    let sourceId: number;
    const refused = async (path: string, body?: unknown) => {
      const res = await raw(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.parse(res.text).errors[0].message).toBe('Saved secrets cannot be used to filter or export records.');
    };
    const q = (filter: unknown) => encodeURIComponent(JSON.stringify(filter));

    beforeAll(async () => {
      const created = await raw('userDataSyncSources:create', { name: 'read-paths', sourceType: 'wecom', enabled: false, options: SOURCE_OPTIONS });
      sourceId = JSON.parse(created.text).data.id;
      await w.t.app.db.getRepository('userDataSyncTasks').create({ values: { batch: 'read-paths-1', sourceId, status: 'success' } });
    });

    it('answers list, get, query, firstOrCreate, updateOrCreate, export and charts:queryData as root without a secret', async () => {
      const reads: [string, unknown?][] = [
        ['authenticators:list?fields=options&fields=authType'],
        [`authenticators:get?filterByTk=${wecomId}&fields=options`],
        ['authenticators:query', { dimensions: [{ field: 'name' }, { field: 'authType' }], measures: [{ field: 'id', aggregation: 'count', alias: 'n' }] }],
        ['authenticators:firstOrCreate?filterKeys[]=name', { name: 'wecom', authType: 'WeCom' }],
        ['authenticators:export', { title: 'a', columns: [{ dataIndex: ['name'], defaultTitle: 'Name' }, { dataIndex: ['authType'], defaultTitle: 'Type' }] }],
        ['userDataSyncSources:list'],
        [`userDataSyncSources:get?filterByTk=${sourceId}`],
        ['userDataSyncSources:query', { dimensions: [{ field: 'name' }, { field: 'sourceType' }] }],
        ['userDataSyncSources:updateOrCreate?filterKeys[]=name', { name: 'read-paths', sourceType: 'wecom', enabled: false, options: SOURCE_OPTIONS }],
        ['userDataSyncSources:export', { title: 's', columns: [{ dataIndex: ['name'], defaultTitle: 'Name' }] }],
        ['userDataSyncTasks:list?appends=source'],
        ['userDataSyncTasks:list?appends=source&fields=source.options'],
        ['userDataSyncTasks:query', { dimensions: [{ field: ['source', 'name'] }], measures: [{ field: 'id', aggregation: 'count', alias: 'n' }] }],
        ['charts:queryData', { mode: 'sql', collection: 'authenticators', dimensions: [{ field: 'name' }] }],
      ];
      for (const [path, body] of reads) {
        const { status, text } = await raw(path, body);
        expect(status, path).toBe(200);
        for (const secret of ALL) expect(text, `${path}: ${secret}`).not.toContain(secret);
      }
      const rows = JSON.parse((await raw('authenticators:query', { dimensions: [{ field: 'name' }], filter: { name: 'wecom' } })).text).data;
      expect(rows).toEqual([{ name: 'wecom' }]);
      // updateOrCreate with the same secrets changed nothing that was stored.
      expect(await stored('userDataSyncSources', 'read-paths')).toEqual(SOURCE_OPTIONS);
    });

    it('refuses query dimensions, measures and orders that select the options holding a secret', async () => {
      for (const [path, body] of [
        ['authenticators:query', { dimensions: [{ field: 'options' }] }],
        ['authenticators:query', { dimensions: [{ field: ['options'], alias: 'o' }] }],
        ['authenticators:query', { measures: [{ field: 'options', aggregation: 'max', alias: 'm' }] }],
        ['authenticators:query', { dimensions: [{ field: 'name' }], orders: [{ field: 'options', order: 'desc' }] }],
        ['userDataSyncSources:query', { measures: [{ field: 'options', aggregation: 'min' }] }],
        ['userDataSyncTasks:query', { dimensions: [{ field: ['source', 'options'] }] }],
        ['userDataSyncTasks:query', { dimensions: [{ field: 'source.options' }] }],
        ['charts:queryData', { mode: 'sql', collection: 'authenticators', measures: [{ field: 'options', aggregation: 'max' }] }],
        ['charts:queryData', { mode: 'sql', collection: 'userDataSyncTasks', dimensions: [{ field: ['source', 'options'] }] }],
      ] as const) {
        await refused(path, body);
      }
    });

    it('refuses a filter on a secret in the body of query and charts:queryData: no guessing oracle', async () => {
      for (const [path, body] of [
        ['authenticators:query', { dimensions: [{ field: 'name' }], filter: { 'options.corpSecret': { $like: 'demo%' } } }],
        ['userDataSyncSources:query', { dimensions: [{ field: 'name' }], filter: { options: { callbackToken: { $startsWith: 'c' } } } }],
        ['userDataSyncTasks:query', { dimensions: [{ field: 'batch' }], filter: { 'source.options.callbackEncodingAESKey': { $like: 'a%' } } }],
        ['charts:queryData', { mode: 'sql', collection: 'authenticators', dimensions: [{ field: 'name' }], filter: { 'options.corpSecret': { $like: 'demo%' } } }],
      ] as const) {
        await refused(path, body);
      }
      // The same filter off the secret answers.
      const allowed = await raw('authenticators:query', { dimensions: [{ field: 'name' }], filter: { 'options.corpId': 'wwdemo0000000001', name: 'wecom' } });
      expect(allowed.status).toBe(200);
      expect(JSON.parse(allowed.text).data).toEqual([{ name: 'wecom' }]);
    });

    it('refuses sorts, lookups and filters that reach a secret on every action', async () => {
      await refused('authenticators:list?sort=options');
      await refused('authenticators:list?sort=-options.corpSecret');
      await refused('authenticators:list?sort=name,-options.corpSecret');
      await refused('userDataSyncTasks:list?appends=source&sort=source.options.callbackToken');
      await refused(`authenticators:get?filterByTk=${wecomId}&filter=${q({ 'options.corpSecret': { $like: 'd%' } })}`);
      await refused(`userDataSyncSources:update?filter=${q({ 'options.contactsSecret': { $like: 'c%' } })}`, { enabled: false });
      await refused('userDataSyncSources:export', { title: 's', columns: [{ dataIndex: ['name'] }], filter: { 'options.callbackToken': 'x' } });
      // firstOrCreate finds a record whose options equal the guess, or creates one: a lookup by options is an oracle.
      await refused('authenticators:firstOrCreate?filterKeys[]=options', { name: 'guess', authType: 'WeCom', options: { corpSecret: 'a-guess' } });
      await refused('userDataSyncSources:updateOrCreate?filterKeys=options.callbackToken', { name: 'guess', sourceType: 'wecom', options: { callbackToken: 'guess' } });
      const sorted = await raw('authenticators:list?sort=-name&sort=authType');
      expect(sorted.status).toBe(200);
    });

    it('hides the secrets in plain rows that an action of another plugin answers with', async () => {
      // As a plugin's own action would: records turned into plain objects before they are answered.
      const resource = w.t.app.resourceManager.getResource('userDataSyncSources');
      const plainRows = async (ctx: Context, next: () => Promise<void>) => {
        ctx.body = (await ctx.db.getRepository('userDataSyncSources').find({ filter: { name: 'read-paths' } })).map((row: Model) => row.toJSON());
        await next();
      };
      resource.addAction('plainRows', plainRows as unknown as Parameters<typeof resource.addAction>[1]);
      const { status, text } = await raw('userDataSyncSources:plainRows');
      expect(status).toBe(200);
      for (const secret of ALL) expect(text).not.toContain(secret);
      expect(JSON.parse(text).data[0].options).toEqual({ authenticator: 'wecom', savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] });
    });

    it('refuses a raw read of the options through the repository, whichever action or plugin runs it', async () => {
      // The database guard under the request check: repository.query builds plain rows, nothing to hide afterwards.
      const repo = w.t.app.db.getRepository('authenticators');
      await expect(repo.query({ dimensions: [{ field: 'options', alias: 'anything' }] })).rejects.toThrow('Saved secrets cannot be used to filter or export records.');
      await expect(repo.query({ measures: [{ field: 'options', aggregation: 'max' }] })).rejects.toThrow('Saved secrets cannot be used to filter or export records.');
      await expect(w.t.app.db.getRepository('userDataSyncTasks').query({ dimensions: [{ field: 'source.options' }] })).rejects.toThrow(
        'Saved secrets cannot be used to filter or export records.',
      );
      expect(await repo.query({ dimensions: [{ field: 'name' }], filter: { name: 'wecom' } })).toEqual([{ name: 'wecom' }]);
    });
  });

  it('writes no secret into the logs', async () => {
    const { calls } = await callsDuring(w.sandbox, () => check({ name: 'wecom', options: { corpId: 'wwdemo0000000001', agentId: '1000002', corpSecret: SECRET, origin: w.t.url } }));
    expect(calls).toMatchObject({ gettoken: 1 });
    // The log is written asynchronously: wait until the masked check is in it.
    await expect.poll(() => w.t.logs(), { timeout: 20_000 }).toMatch(/wecom:checkConfig[^\n]*\[redacted\]/);
    const logs = w.t.logs();
    // (ENV_SECRET is in the log line of NocoBase's own environmentVariables:create, which is not this plugin's.)
    for (const secret of [SECRET, NEW_SECRET, SYNC_SECRET, SYNC_TOKEN, SYNC_AES_KEY]) expect(logs.includes(secret), secret).toBe(false);
  });
});
