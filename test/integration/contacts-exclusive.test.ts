// One pull of a sync source at a time: a second pull started while one runs ends at once with its task failed
// and a clear message; a callback's change arriving meanwhile waits its turn and is applied. (Across two
// instances: test/cluster/contacts.test.ts.)
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const TOKEN = 'cbToken123';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
/** WeCom calls of this suite's app give up after this: well past the time a test holds a pull. */
const WECOM_TIMEOUT_MS = '90000';
const RUNNING = /^A pull of this source is already running; started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/;

type Row = Record<string, unknown>;

describe('contacts sync: one pull at a time', () => {
  let w: WecomApp;
  let sourceId: number;
  const db = () => w.t.app.db;
  const tasks = async (): Promise<Row[]> =>
    (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
  const finished = async (index: number): Promise<Row> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const task = (await tasks())[index];
      if (task && (task.status === 'success' || task.status === 'failed')) return task;
      if (Date.now() > deadline) throw new Error(`task ${index} did not finish: ${JSON.stringify(await tasks())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const calls = (endpoint: string) => w.sandbox.stats().calls[endpoint] ?? 0;
  /**
   * Starts a pull whose department/list is answered only when the test calls the returned release(), and
   * resolves once WeCom was asked: the pull is running until then.
   */
  const startHeldPull = async (): Promise<() => void> => {
    const before = calls('department/list');
    let release!: () => void;
    w.sandbox.inject({ endpoint: 'department/list', until: new Promise<void>((resolve) => (release = resolve)) });
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    await expect.poll(() => calls('department/list'), { timeout: 60_000, interval: 20 }).toBe(before + 1);
    return release;
  };

  beforeAll(async () => {
    // Schedules are looked at every second (every minute in production).
    w = await createWecomApp(testConfig(), { WECOM_TIMEOUT_MS, WECOM_SYNC_SCHEDULE_TICK: '* * * * * *' }, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: 'demo-contacts-secret-0123456789abcdef', callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY });
    w.sandbox.config.corps[0].contacts!.callback = { url: `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`, token: TOKEN, encodingAESKey: AES_KEY };
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('ends a second pull at once while one runs: its task fails saying when the running one started, and WeCom is read once', async () => {
    const listsBefore = calls('department/list');
    const release = await startHeldPull();
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    const second = await finished(1);
    expect(second.status).toBe('failed');
    expect(second.message).toMatch(RUNNING);
    // The first is still running when the second has already ended.
    expect((await tasks())[0].status).toBe('processing');
    release();
    const first = await finished(0);
    expect(first.status).toBe('success');
    expect(calls('department/list') - listsBefore).toBe(1);
  });

  it('says it in the language of the admin who started the second pull', async () => {
    const release = await startHeldPull();
    await w.admin.post(`userData:pull?name=${SOURCE}`, {}, { 'x-locale': 'zh-CN' });
    const second = await finished(3);
    expect(second.message).toMatch(/^此同步源已有一次拉取正在运行，开始于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC。$/);
    release();
    expect((await finished(2)).status).toBe('success');
  });

  it('lets a callback that arrives during a pull wait its turn, and applies it', async () => {
    const release = await startHeldPull();
    // The sandbox waits longer than WeCom's 5 s here: on a busy machine the answer due at 3 s can come later.
    const report = await w.sandbox.changeContact(
      { changeType: 'create_user', user: { userid: 'late', name: 'Late Comer', department: [3], mobile: '13800000099' } },
      { timeoutMs: 15_000 },
    );
    // Answered in time for WeCom (the change waits for the pull), not refused.
    expect(report.attempts).toHaveLength(1);
    expect(report.attempts[0].status).toBe(200);
    // The pull still holds the source: the change has not been applied yet.
    expect((await tasks())[4].status).toBe('processing');
    expect(await db().getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom', uuid: 'late' } })).toBe(0);
    release();
    expect((await finished(4)).status).toBe('success');
    await expect
      .poll(async () => (await db().getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid: 'late' } }))?.get('uuid'), { timeout: 60_000 })
      .toBe('late');
  });

  it('runs the next pull normally once the running one is done', async () => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    const task = await finished(5);
    expect(task.status).toBe('success');
  });

  // Last: it lets the schedule run.
  it('pulls a source with a schedule by itself, listed with its tasks, and once in each minute it is due though the instance looks every second', async () => {
    const setSchedule = (schedule: string | null) => w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', schedule } });
    const minutes = () =>
      w.t
        .logs()
        .split('\n')
        .filter((line) => line.includes('"wecom contacts scheduled pull"'))
        .map((line) => /"minute":"([^"]+)"/.exec(line)?.[1]);
    await setSchedule('* * * * *');
    try {
      const scheduledTask = await finished(6);
      expect(scheduledTask.status).toBe('success');
      // The instance goes on looking (every second here) after that pull: NocoBase's cron job fires again.
      const tick = [...(w.t.app.cronJobManager.jobs as Set<{ cronTime?: { source?: unknown }; lastDate(): Date | undefined }>)].find(
        (job) => job.cronTime?.source === '* * * * * *',
      );
      const after = Date.now();
      await expect.poll(() => tick?.lastDate()?.getTime() ?? 0, { timeout: 30_000, interval: 100 }).toBeGreaterThan(after + 2_000);
    } finally {
      await setSchedule(null);
    }
    const ran = minutes();
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ran).size).toBe(ran.length);
    for (let i = 6; i < 6 + ran.length; i++) expect((await finished(i)).status).toBe('success');
    expect((await tasks()).length).toBe(6 + ran.length);
  });
});
