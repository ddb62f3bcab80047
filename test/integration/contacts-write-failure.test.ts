// A member NocoBase fails to write (its user-data-sync logs the failure and goes on) is never reported as
// created: the pull writes everything else, then its task fails naming the member and NocoBase's error, in
// the reader's language; the next pull writes the member.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';

type Row = Record<string, unknown>;

describe('contacts pull with a write NocoBase refuses', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const tasks = async (): Promise<Row[]> =>
    (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
  const pull = async (): Promise<Row> => {
    const before = (await tasks()).length;
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    await expect.poll(async () => (await tasks())[before]?.status, { timeout: 120_000, interval: 50 }).toMatch(/^(success|failed)$/);
    return (await tasks())[before];
  };
  const userOf = async (userid: string) => {
    const record = await db().getRepository('userDataSyncRecords').findOne({ filter: { sourceName: SOURCE, dataType: 'user', sourceUk: userid }, appends: ['resources'] });
    return record?.get('resources') as Model[] | undefined;
  };
  /** Stands for a database refusing one user's insert (a busy SQLite, a rule of the users collection). */
  const refuseLiSi = async (model: Model) => {
    if (model.get('nickname') === 'Li Si') throw new Error('database is busy (test)');
  };

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
  }, 300_000);
  afterAll(async () => {
    db()?.off('users.beforeCreate', refuseLiSi);
    await w?.destroy();
  });

  it('fails the task naming the member it could not write, after writing the others', async () => {
    db().on('users.beforeCreate', refuseLiSi);
    const task = await pull();
    db().off('users.beforeCreate', refuseLiSi);
    expect(task.status).toBe('failed');
    expect(task.message).toMatch(/^NocoBase could not write 1 of the records WeCom sent \(lisi\): database is busy \(test\)\. The rest was written\./);
    // Everyone else was written; Li Si has no user.
    expect(await db().getRepository('users').findOne({ filter: { nickname: 'Zhang San' } })).toBeTruthy();
    expect(await db().getRepository('users').findOne({ filter: { nickname: 'Li Si' } })).toBeNull();
    expect((await userOf('lisi'))?.filter((r) => r.get('resource') === 'users') ?? []).toHaveLength(0);

    // In the reader's language.
    const res = await fetch(`${w.t.url}/api/userDataSyncTasks:get?filterByTk=${task.id}`, { headers: { authorization: `Bearer ${w.admin.token}`, 'x-locale': 'zh-CN' } });
    expect(((await res.json()) as { data: Row }).data.message).toMatch(/^NocoBase 未能写入企业微信发来的 1 条记录（lisi）：database is busy \(test\)。/);
  });

  it('writes the member on the next pull', async () => {
    const task = await pull();
    expect(task.status).toBe('success');
    expect(await db().getRepository('users').findOne({ filter: { nickname: 'Li Si' } })).toBeTruthy();
  });
});
