// A source that syncs chosen departments: only their subtrees, their members with only those memberships, the
// chosen ones as roots; change callbacks keep to them; another choice moves the source.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-engineering';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const CALLBACK = { callbackToken: 'cbToken123', callbackEncodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };

type Row = Record<string, unknown>;

describe('contacts sync of chosen departments', () => {
  let w: WecomApp;
  let sourceId: number;
  let tasks = 0;
  const db = () => w.t.app.db;
  const nicknames = async () => (await db().getRepository('users').find({ sort: ['id'] })).map((u: Model) => u.get('nickname') as string).filter((n: string) => n !== 'Super Admin');
  const departments = async () =>
    (await db().getRepository('departments').find({ appends: ['parent'], sort: ['id'] })).map((d: Model) => {
      const row = d.toJSON() as Row & { parent?: Row };
      return [row.title, row.parent?.title ?? null];
    });
  const pull = async (): Promise<Row> => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    tasks += 1;
    await expect
      .poll(async () => (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] }))[tasks - 1]?.get('status'), { timeout: 60_000, interval: 50 })
      .toMatch(/^(success|failed)$/);
    return ((await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] }))[tasks - 1] as Model).toJSON() as Row;
  };

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    // Engineering (2): Li Si (also in the root department, where Zhang San is) and Wang Wu.
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, departments: '2', ...CALLBACK });
    w.sandbox.config.corps[0].contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, ...{ token: CALLBACK.callbackToken, encodingAESKey: CALLBACK.callbackEncodingAESKey } };
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('refuses department ids that are not whole numbers, naming the problem', async () => {
    await expect(w.admin.post('userDataSyncSources:create', { name: 'bad-scope', sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom', departments: '2, sales' } })).rejects.toMatchObject({
      status: 400,
      message: 'POST userDataSyncSources:create: HTTP 400 Departments must be WeCom department IDs (whole numbers, like 2, 15), separated by commas.',
    });
  });

  it("syncs only the chosen subtree: its department as a root, its members with only their memberships there", async () => {
    expect((await pull()).status).toBe('success');
    expect(await departments()).toEqual([['Engineering', null]]);
    expect(await nicknames()).toEqual(['Li Si', 'Wang Wu']);
    const li = await db().getRepository('users').findOne({ filter: { nickname: 'Li Si' } });
    const memberships = (await db().getRepository('departmentsUsers').find({ filter: { userId: li?.get('id') as number } })).map((m: Model) => m.toJSON() as Row);
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ isOwner: true });
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'zhangsan' } })).toBe(0);
  });

  it("applies a change callback only to members of the source's departments", async () => {
    const outside = await w.sandbox.changeContact({ changeType: 'create_user', user: { userid: 'seller', name: 'Seller', department: [3], mobile: '13800000301' } });
    expect(outside.attempts).toEqual([{ status: 200, body: '' }]);
    const inside = await w.sandbox.changeContact({ changeType: 'create_user', user: { userid: 'coder', name: 'Coder', department: [2], mobile: '13800000302' } });
    expect(inside.attempts).toEqual([{ status: 200, body: '' }]);
    expect(await nicknames()).toEqual(['Li Si', 'Wang Wu', 'Coder']);
    // A department created under another one of the corp is not the source's either.
    await w.sandbox.changeContact({ changeType: 'create_party', party: { id: 30, name: 'Field Sales', parentid: 3 } });
    await w.sandbox.changeContact({ changeType: 'create_party', party: { id: 20, name: 'Platform', parentid: 2 } });
    expect(await departments()).toEqual([
      ['Engineering', null],
      ['Platform', 'Engineering'],
    ]);
  });

  it('moves to another choice: the members outside it leave, the new ones come', async () => {
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', departments: '3' } });
    const task = await pull();
    expect(task.status).toBe('success');
    expect(task.message).toContain('Users: 2 created, 3 removed.');
    expect(await nicknames()).toEqual(['Zhao Liu', 'Seller']);
    expect((await departments()).map(([title]: unknown[]) => title).sort()).toEqual(['Field Sales', 'Sales']);
  });
});
