// While a pull runs, its task's message says how far it is, in the language of the admin who started it: the
// departments read from WeCom (a pull held on one department's user/list shows the others read), then the users
// written, piece by piece and chunk by chunk; the end of the pull replaces it with the report.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
/** More than one chunk (500) of users to write. */
const MEMBERS = 620;

type Row = Record<string, unknown>;

describe('contacts pull progress', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const tasks = async (): Promise<Row[]> =>
    (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
  const calls = (endpoint: string) => w.sandbox.stats().calls[endpoint] ?? 0;
  /** Every message task `index` shows while it is processing, in order (read every 20 ms), and the task once ended. */
  const watch = async (index: number, timeoutMs: number): Promise<{ seen: string[]; task: Row }> => {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = (await tasks())[index];
      if (task && (task.status === 'success' || task.status === 'failed')) return { seen, task };
      const message = task?.message as string | undefined;
      if (task?.status === 'processing' && message && seen[seen.length - 1] !== message) seen.push(message);
      if (Date.now() > deadline) throw new Error(`task ${index} did not finish: ${JSON.stringify(task)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.departments!.push({ id: 4, name: 'Warehouse', parentid: 1, order: 99990000 });
    for (let i = 0; i < MEMBERS; i += 1) {
      const n = String(i).padStart(4, '0');
      corp.members.push({ userid: `picker${n}`, name: `Picker ${n}`, mobile: `1370000${n}`, department: [4] });
    }
    // WeCom calls give up after this: well past the time a test holds one.
    w = await createWecomApp(config, { WECOM_TIMEOUT_MS: '90000' }, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('shows the departments read while a WeCom call of the pull is held, in the language of the admin who started it', async () => {
    // The first department's user/list is answered; the next one is held until the test releases it.
    const before = calls('user/list');
    w.sandbox.inject({ endpoint: 'user/list', delayMs: 0 });
    let release!: () => void;
    w.sandbox.inject({ endpoint: 'user/list', until: new Promise<void>((resolve) => (release = resolve)) });
    await w.admin.post(`userData:pull?name=${SOURCE}`, {}, { 'x-locale': 'zh-CN' });
    try {
      await expect.poll(() => calls('user/list') - before, { timeout: 60_000, interval: 20 }).toBe(4);
      // Four departments; all but the held one answered.
      await expect
        .poll(async () => (await tasks())[0]?.message, { timeout: 30_000, interval: 20 })
        .toBe('正在读取企业微信：已读取 4 个部门中的 3 个。');
      expect((await tasks())[0].status).toBe('processing');
    } finally {
      release();
    }
    const { seen, task } = await watch(0, 20 * 60_000);
    expect(task.status).toBe('success');
    // Users written as the pull went on, chunk by chunk (the first chunk whole), in Chinese too.
    expect(seen).toContain('用户：已写入 628 名中的 500 名。');
    // The end replaces the progress with the report.
    expect(task.message).not.toMatch(/^用户：已写入/);
  }, 25 * 60_000);

  it('moves the users written forward piece by piece, never back, up to the whole', async () => {
    // A second pull with every member renamed writes them all again.
    for (const member of w.sandbox.config.corps[0].members) if (member.userid.startsWith('picker')) member.name = `${member.name} (night)`;
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    const { seen, task } = await watch(1, 20 * 60_000);
    expect(task.status).toBe('success');
    const written = seen.filter((m) => m.startsWith('Users: ')).map((m) => Number(/^Users: ([\d,]+) of 620 written\.$/.exec(m)?.[1].replace(/,/g, '')));
    expect(written).toContain(500);
    expect(written.every((n) => n % 50 === 0 || n === 620)).toBe(true);
    expect(written.every((n, i) => i === 0 || n > written[i - 1])).toBe(true);
  }, 25 * 60_000);
});
