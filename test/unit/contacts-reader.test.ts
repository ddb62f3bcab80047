// Reading the address book with the fewest calls each secret allows, against the sandbox over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, Sandbox, startSandbox } from '../../sandbox';
import { TokenStore, WecomClient } from '../../src/server/wecom/client';
import { ContactsReader } from '../../src/server/wecom/contacts';

class MapStore implements TokenStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async set(key: string, value: string) {
    this.values.set(key, value);
  }
  async del(key: string) {
    this.values.delete(key);
  }
}

const CORP = 'wwdemo0000000001';

describe('ContactsReader', () => {
  let sandbox: Sandbox;
  let store: MapStore;
  const client = (agentId: string, secret: string) => new WecomClient({ corpId: CORP, agentId, secret }, { apiBaseUrl: sandbox.url, store, timeoutMs: 10_000 });
  const appClient = () => client('1000002', 'demo-secret-0123456789abcdef');
  const syncClient = () => client('contacts', 'demo-contacts-secret-0123456789abcdef');
  const corp = () => sandbox.config.corps[0];

  beforeAll(async () => {
    sandbox = await startSandbox(structuredClone(defaultConfig));
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox.reset();
    store = new MapStore();
    corp().contacts = { secret: 'demo-contacts-secret-0123456789abcdef' };
    corp().apps[0].visibleTo = 'all';
  });

  it('reads everything with the contacts-sync secret in 1 + D calls (recipe A)', async () => {
    const directory = await new ContactsReader({ app: appClient(), contacts: syncClient() }).readAll();
    expect(directory.recipe).toBe('A-contacts');
    expect(directory.departments.map((d) => [d.id, d.name, d.parentid, d.order])).toEqual([
      [1, 'Demo Corp', 0, 100000000],
      [2, 'Engineering', 1, 100000000],
      [3, 'Sales', 1, 99999000],
    ]);
    // Li Si is in departments 1 and 2: listed twice by WeCom, read once.
    expect(directory.members.map((m) => m.userid)).toEqual(['zhangsan', 'lisi', 'wangwu', 'zhaoliu']);
    expect(directory.members[1]).toEqual({
      userid: 'lisi',
      name: 'Li Si',
      department: [1, 2],
      main_department: 2,
      is_leader_in_dept: [0, 1],
      status: 1,
      mobile: '+86 139-0000-0002',
      email: undefined,
      biz_mail: 'lisi@demo.example',
      // The fields a source may map (fieldMap): as WeCom answered them, '' and [] included.
      position: 'Designer',
      alias: 'Lily',
      gender: '2',
      telephone: '',
      direct_leader: [],
      external_position: 'Design lead',
      extattr: [{ name: 'Employee No.', value: 'E1002' }],
    });
    expect(sandbox.stats().calls).toMatchObject({ gettoken: 1, 'department/list': 1, 'user/list': 3 });
  });

  it("reads with the app's secret when there is no sync secret: no mobile or email for an app created after 2022-06-20", async () => {
    const directory = await new ContactsReader({ app: appClient() }).readAll();
    expect(directory.recipe).toBe('A-app');
    expect(directory.members).toHaveLength(4);
    expect(directory.members.every((m) => m.mobile === undefined && m.email === undefined && m.biz_mail === undefined)).toBe(true);
  });

  it("falls back to the app's secret when the sync secret is used from an IP added after 2022-08-15 (48009)", async () => {
    corp().contacts = { secret: 'demo-contacts-secret-0123456789abcdef', legacyIps: ['10.9.9.9'] };
    const directory = await new ContactsReader({ app: appClient(), contacts: syncClient() }).readAll();
    expect(directory.recipe).toBe('A-app');
    expect(sandbox.stats().calls).toMatchObject({ gettoken: 2, 'department/list': 2, 'user/list': 3 });
  });

  it('lists the ids with the sync secret and reads each with the app when the app may not list the tree (recipe B)', async () => {
    // The sync secret may not read details from here (48009); the app may not list the tree (60011).
    sandbox.inject({ endpoint: 'department/list', errcode: 48009 });
    sandbox.inject({ endpoint: 'department/list', errcode: 60011 });
    const directory = await new ContactsReader({ app: appClient(), contacts: syncClient() }).readAll();
    expect(directory.recipe).toBe('B');
    expect(directory.departments.map((d) => d.name)).toEqual(['Demo Corp', 'Engineering', 'Sales']);
    expect(directory.members.map((m) => m.userid).sort()).toEqual(['lisi', 'wangwu', 'zhangsan', 'zhaoliu']);
    expect(sandbox.stats().calls).toMatchObject({ 'department/simplelist': 1, 'user/list_id': 1, 'department/get': 3, 'user/get': 4 });
  });

  it('waits out a rate limit (45009) instead of failing', async () => {
    sandbox.inject({ endpoint: 'user/list', errcode: 45009, times: 2 });
    const directory = await new ContactsReader({ app: appClient(), contacts: syncClient() }, 4, [10, 10]).readAll();
    expect(directory.members).toHaveLength(4);
    expect(sandbox.stats().calls['user/list']).toBe(5);
  });

  it('gives up after its last wait', async () => {
    sandbox.inject({ endpoint: 'department/list', errcode: 45009, times: 3 });
    await expect(new ContactsReader({ app: appClient(), contacts: syncClient() }, 4, [10, 10]).readAll()).rejects.toMatchObject({ errcode: 45009 });
  });

  it('reads one member and one department for a callback, and knows when WeCom no longer has them', async () => {
    const reader = new ContactsReader({ app: appClient(), contacts: syncClient() });
    expect(await reader.member('zhaoliu')).toMatchObject({ userid: 'zhaoliu', mobile: '13800000004', department: [3] });
    expect(await reader.member('nobody-here')).toBeUndefined();
    expect(await reader.department(2)).toEqual({ id: 2, name: 'Engineering', parentid: 1, order: 100000000 });
    expect(await reader.department(99)).toBeUndefined();
    expect(await reader.children(1)).toEqual([
      { id: 2, parentid: 1, order: 100000000 },
      { id: 3, parentid: 1, order: 99999000 },
    ]);
  });
});
