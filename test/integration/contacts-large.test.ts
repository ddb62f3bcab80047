// Contacts sync of a department too large for the WeCom client's default 1 MiB answer: user/list has no
// paging, so one department is one answer. 800 members with the custom attributes a company fills in (a
// dozen links and text fields each, as on a staff profile) make about 2 MB: the size of ~3,500 plain members.
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, SandboxConfig } from '../../sandbox';
import { createWecomApp, WecomApp } from '../helpers/wecom-app';

const SOURCE = 'wecom-large';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const MEMBERS = 800;

type Row = Record<string, unknown>;

function largeConfig(): SandboxConfig {
  const config = structuredClone(defaultConfig);
  const corp = config.corps[0];
  corp.departments = [
    { id: 1, name: 'Large Corp', parentid: 0, order: 100000000 },
    { id: 2, name: 'Warehouse', parentid: 1, order: 100000000 },
  ];
  corp.members = Array.from({ length: MEMBERS }, (_, i) => {
    const n = String(i).padStart(4, '0');
    return {
      userid: `picker${n}`,
      name: `Picker ${n}`,
      mobile: `1360000${n}`,
      biz_mail: `picker${n}@warehouse.example`,
      department: [2],
      position: 'Order picker, night shift',
      address: 'Building 7, 1 Logistics Road, Suzhou Industrial Park',
      avatar: `https://wework.qpic.cn/wwpic/sandbox/${n}/0?avatar=picker${n}&size=640x640&format=png&version=2`,
      extattr: {
        attrs: [
          ...['Badge', 'Locker', 'Forklift licence', 'Shift'].map((name, j) => ({ type: 0, name, text: { value: `${name.slice(0, 3).toUpperCase()}-${n}-${j}` } })),
          ...['Training record', 'Safety certificate', 'Rota', 'Payslips', 'Handbook', 'Site map', 'Incident form', 'Equipment log'].map((title, j) => ({
            type: 1,
            name: title,
            web: { url: `https://intranet.warehouse.example/staff/picker${n}/${title.toLowerCase().replace(/ /g, '-')}?site=suzhou-industrial-park&ref=wecom-profile&v=${j}`, title },
          })),
        ],
      },
    };
  });
  corp.apps[0].visibleTo = 'all';
  return config;
}

describe('contacts sync of a large department', () => {
  let w: WecomApp;
  let sourceId: number;

  beforeAll(async () => {
    w = await createWecomApp(largeConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('answers user/list of the 800-member department in more than 1 MiB (what the test is about)', async () => {
    const token = (await (await fetch(`${w.sandbox.url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=${CONTACTS_SECRET}`)).json()) as { access_token: string };
    const res = await fetch(`${w.sandbox.url}/cgi-bin/user/list?access_token=${token.access_token}&department_id=2`);
    const body = await res.text();
    expect(JSON.parse(body).userlist).toHaveLength(800);
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
  });

  it('pulls a department of 800 members in a 2 MB answer: every member a user, linked, in the department', async () => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    const tasks = w.t.app.db.getRepository('userDataSyncTasks');
    const deadline = Date.now() + 25 * 60_000;
    let task: Row | undefined;
    for (;;) {
      task = (await tasks.findOne({ filter: { sourceId } }))?.toJSON() as Row | undefined;
      if (task && (task.status === 'success' || task.status === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`the pull did not finish: ${JSON.stringify(task)}`);
      // A real query answering: the app is alive and the task row is read again.
      await w.t.app.db.sequelize.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(task.message).toBe(
      'Read 800 members in 2 departments from WeCom. Users: 800 created. Departments: 2 created.',
    );
    expect(task.status).toBe('success');

    const db = w.t.app.db;
    expect(await db.getRepository('usersAuthenticators').count({ filter: { authenticator: 'wecom' } })).toBe(800);
    const last = (await db.getRepository('users').findOne({ filter: { nickname: 'Picker 0799' } }))?.toJSON() as Row & { id: number };
    expect(last).toMatchObject({ phone: '13600000799', email: 'picker0799@warehouse.example' });
    const link = (await db.getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid: 'picker0799' } }))?.toJSON() as Row;
    expect(link).toMatchObject({ userId: last.id, meta: { corpId: 'wwdemo0000000001', userid: 'picker0799' } });
    const warehouse = await db.getRepository('departments').findOne({ filter: { title: 'Warehouse' } });
    expect(await db.getRepository('departmentsUsers').count({ filter: { departmentId: warehouse?.get('id') as number } })).toBe(800);
    expect((await db.getRepository('departmentsUsers').find({ filter: { userId: last.id } })).map((m: Model) => m.get('departmentId'))).toEqual([warehouse?.get('id')]);
  }, 30 * 60_000);
});
