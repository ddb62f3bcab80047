// A pull's task is told to each reader in their language (X-Locale), not in the language of whoever started it,
// and whole: the Tasks table reads it through userDataSyncTasks:list / get, rendered from the task's note, while
// the task's own column holds 255 characters. The same for a running pull's progress and for a refused pull.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
/** Members whose email alone matches a user: each is left out and listed in the task. */
const GUESTS = 12;

type Row = Record<string, unknown>;

describe('contacts pull task messages', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const calls = (endpoint: string) => w.sandbox.stats().calls[endpoint] ?? 0;
  const stored = async (): Promise<Row[]> =>
    (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
  /** What a reader of the Tasks table gets, in their language. */
  const read = async (action: 'list' | 'get', locale: string, query: Record<string, string>): Promise<unknown> => {
    const res = await fetch(`${w.t.url}/api/userDataSyncTasks:${action}?${new URLSearchParams(query)}`, {
      headers: { authorization: `Bearer ${w.admin.token}`, 'x-locale': locale },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: unknown }).data;
  };
  const listed = async (locale: string): Promise<Row[]> =>
    (await read('list', locale, { filter: JSON.stringify({ sourceId }), sort: 'id', pageSize: '50' })) as Row[];
  const ended = async (index: number): Promise<Row> => {
    await expect.poll(async () => (await stored())[index]?.status, { timeout: 120_000, interval: 50 }).toMatch(/^(success|failed)$/);
    return (await stored())[index];
  };

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    for (let i = 1; i <= GUESTS; i += 1) {
      const n = String(i).padStart(2, '0');
      corp.members.push({ userid: `guest${n}`, name: `Guest ${n}`, email: `guest${n}@demo.example`, department: [3] });
    }
    // WeCom calls give up after this: well past the time a test holds one.
    w = await createWecomApp(config, { WECOM_TIMEOUT_MS: '90000' }, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    for (let i = 1; i <= GUESTS; i += 1) {
      const n = String(i).padStart(2, '0');
      await db().getRepository('users').create({ values: { username: `local_guest${n}`, email: `guest${n}@demo.example` } });
    }
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it("tells a running pull's progress and then its report in the reader's language, the report whole", async () => {
    // The first department's user/list is answered, the second one is held until the test releases it.
    const before = calls('user/list');
    w.sandbox.inject({ endpoint: 'user/list', delayMs: 0 });
    let release!: () => void;
    w.sandbox.inject({ endpoint: 'user/list', until: new Promise<void>((resolve) => (release = resolve)) });
    // Started by an admin reading English.
    await w.admin.post(`userData:pull?name=${SOURCE}`, {}, { 'x-locale': 'en-US' });
    try {
      await expect.poll(() => calls('user/list') - before, { timeout: 60_000, interval: 20 }).toBe(3);
      await expect.poll(async () => (await listed('zh-CN'))[0]?.message, { timeout: 30_000, interval: 50 }).toBe('正在读取企业微信：已读取 3 个部门中的 2 个。');
      const [task] = await listed('en-US');
      expect(task).toMatchObject({ status: 'processing', message: 'Reading WeCom: 2 of 3 departments read.' });
    } finally {
      release();
    }
    const task = await ended(0);
    expect(task.status).toBe('success');

    const guests = Array.from({ length: GUESTS }, (_, i) => {
      const n = String(i + 1).padStart(2, '0');
      return `guest${n} → local_guest${n} (#`;
    });
    const [en] = await listed('en-US');
    const english = en.message as string;
    expect(english).toMatch(/^Read 21 members in 3 departments from WeCom\. Users: 8 created\. Departments: 3 created\. /);
    expect(english).toContain(
      '12 members not linked: only an email matches a user, and an email proves nothing. They link on their first sign-in inside WeCom (WeCom vouches for their mobile number there), or give the user the mobile number the member has in WeCom and sync again: ',
    );
    expect(english).toContain('1 member not written: the user is a root user, which the sync never changes (nothing to do): nobody.');
    for (const guest of guests) expect(english).toContain(guest);
    expect(english.length).toBeGreaterThan(255);

    // Another admin reading Chinese reads the same task in Chinese, whole; by get too.
    const [zh] = await listed('zh-CN');
    const chinese = zh.message as string;
    expect(chinese).toMatch(/^从企业微信读取了 3 个部门中的 21 名成员。用户：新建 8。部门：新建 3。1 名成员未写入：对应用户是 root 用户/);
    expect(chinese).toContain('12 名成员未关联：只有邮箱与某个用户相同，而邮箱证明不了身份。');
    for (const guest of guests) expect(chinese).toContain(guest);
    const got = (await read('get', 'zh-CN', { filterByTk: String(zh.id) })) as Row;
    expect(got.message).toBe(chinese);
    expect(((await read('get', 'ja-JP', { filterByTk: String(zh.id) })) as Row).message).toMatch(/^WeCom から 3 部署の 21 人のメンバーを読み取りました。/);

    // The column holds the English of the admin who started the pull, cut to its 255 characters.
    const column = task.message as string;
    expect(column.length).toBe(255);
    expect(column.endsWith('…')).toBe(true);
    expect(english.startsWith(column.slice(0, -1))).toBe(true);
  }, 300_000);

  it('keeps the notes (member userids and user names) from a user who may not read the tasks either', async () => {
    await w.admin.post('users:create', { username: 'plain_member', password: 'member-password-1', roles: ['member'] });
    const member = await Api.signIn(w.t.url, 'plain_member', 'member-password-1');
    for (const action of ['wecomSyncTaskNotes:list', 'wecomSyncTaskNotes:get?filterByTk=1', 'userDataSyncTasks:list']) {
      const res = await fetch(`${w.t.url}/api/${action}`, { headers: { authorization: `Bearer ${member.token}` } });
      expect(res.status, action).toBe(403);
    }
  });

  it("tells a pull refused by Maximum removals in the reader's language, with its counts and what to do", async () => {
    const corp = w.sandbox.config.corps[0];
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: '2' } });
    for (const userid of ['zhangsan', 'lisi', 'wangwu', 'dashed']) corp.members.splice(corp.members.findIndex((m) => m.userid === userid), 1);
    await w.admin.post(`userData:pull?name=${SOURCE}`, {}, { 'x-locale': 'en-US' });
    const task = await ended(1);
    expect(task.status).toBe('failed');
    const [, en] = await listed('en-US');
    expect(en.message).toMatch(/^Nothing written: this pull would remove 4 of 8 users, over the limit of 2\. If they left WeCom, raise Maximum removals and sync again/);
    const [, zh] = await listed('zh-CN');
    expect(zh.message).toMatch(/^未写入任何内容：本次拉取将移除 8 名用户中的 4 名，超过上限 2。如果他们确已离开企业微信，请调高“最多移除人数”后重新同步/);
    // Nothing was removed.
    expect(await db().getRepository('users').count({ filter: { nickname: 'Zhang San' } })).toBe(1);
  }, 300_000);

  it('tells a retried task by its new run, not the failure it had', async () => {
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: '10' } });
    const failed = (await stored())[1];
    await w.admin.post(`userData:retry?sourceId=${sourceId}&id=${failed.id}`, {});
    await expect.poll(async () => (await stored())[1]?.status, { timeout: 120_000, interval: 50 }).toBe('success');
    const [, zh] = await listed('zh-CN');
    expect(zh.message).toMatch(/^从企业微信读取了 3 个部门中的 17 名成员。用户：未变 4，移除 4。部门：未变 3。/);
  }, 300_000);

  it('drops a task\'s note with the task', async () => {
    const [first, second] = await stored();
    const notes = () => db().getRepository('wecomSyncTaskNotes').count({ filter: { taskId: [first.id, second.id] as never } });
    expect(await notes()).toBe(2);
    await w.admin.post(`userDataSyncTasks:destroy?filterByTk=${first.id}`, {});
    expect(await notes()).toBe(1);
  });
});
