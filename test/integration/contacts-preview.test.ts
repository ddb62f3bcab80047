// Preview of a contacts pull (POST /api/wecom:previewSync?source=NAME): what a pull would do, writing nothing, and
// a pull right after does exactly that (both go through the pull's one planning step).
import type { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import type { SandboxMember } from '../../sandbox';
import { callsDuring, WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';

type Row = Record<string, unknown>;
interface Group {
  count: number;
  entries: { id: string; name?: string; user?: string }[];
}
interface Preview {
  ok: boolean;
  recipe?: string;
  read: { members: number; departments: number };
  users: { create: Group; update: Group; link: Group; remove: Group; unlink: Group; unchanged: number };
  departments: { create: Group; update: Group; remove: Group; unchanged: number };
  skipped: { count: number; entries: { id: string; name?: string; reason: string; user?: string }[] };
  refusal?: { field: string; message: string };
  code?: string;
  field?: string;
  message?: string;
}

const ids = (group: Group) => group.entries.map((e) => e.id).sort();

describe('contacts sync preview', () => {
  let w: WecomApp;
  let sourceId: number;
  let taskCount = 0;
  /** Members of the corp taken out before the first pull, added back for the previewed one. */
  const later = new Map<string, SandboxMember>();
  const db = () => w.t.app.db;
  const corp = () => w.sandbox.config.corps[0];
  const preview = (name = SOURCE, headers: Record<string, string> = {}, api?: Api) =>
    (api ?? w.admin).post<Preview>(`wecom:previewSync?source=${encodeURIComponent(name)}`, {}, headers);
  const waitForTask = async (count: number): Promise<Row> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const tasks = (await db().getRepository('userDataSyncTasks').find({ filter: { sourceId }, sort: ['id'] })).map((t: Model) => t.toJSON() as Row);
      const last = tasks[count - 1];
      if (last && (last.status === 'success' || last.status === 'failed')) return last;
      if (Date.now() > deadline) throw new Error(`sync task ${count} did not finish: ${JSON.stringify(tasks)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const pull = async () => {
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    taskCount += 1;
    return waitForTask(taskCount);
  };
  const rows = async (collection: string, sort: string[]) =>
    (await db().getRepository(collection).find({ sort })).map((r: Model) => {
      const json = r.toJSON() as Row;
      delete json.updatedAt;
      return json;
    });
  const snapshot = async () => ({
    users: await rows('users', ['id']),
    departments: await rows('departments', ['id']),
    memberships: await rows('departmentsUsers', ['userId', 'departmentId']),
    links: await rows('usersAuthenticators', ['userId', 'uuid']),
    records: await rows('userDataSyncRecords', ['id']),
    resources: await rows('userDataSyncRecordsResources', ['recordId', 'resource']),
    tasks: await rows('userDataSyncTasks', ['id']),
  });
  const userId = async (filter: object) => Number((await db().getRepository('users').findOne({ filter: filter as never }))?.get('id'));

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    // Two users share Twin's number; the root user's email is No Body's WeCom email.
    await w.admin.post('users:create', { nickname: 'Twin A', username: 'twin_a', phone: '13800000055' });
    await w.admin.post('users:create', { nickname: 'Twin B', username: 'twin_b', phone: '+86 138-0000-0055' });
    // Zhang San, Zhao Liu and Dashed join WeCom after the first pull.
    for (const userid of ['zhangsan', 'zhaoliu', 'dashed']) {
      const index = corp().members.findIndex((m) => m.userid === userid);
      later.set(userid, corp().members.splice(index, 1)[0]);
    }
    sourceId = await w.addSyncSource(SOURCE, { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET });
    expect((await pull()).status).toBe('success');

    // What changed since: Zhang San joins WeCom and has a user with his mobile number (linked), Zhao Liu joins and
    // a user has only his email (left out, suggested), Dashed joins with the root user's number (left out), Spaced
    // leaves (removed: the sync created that user), Li Si is renamed (updated), and New Bie joins a new department.
    await w.admin.post('users:create', { nickname: 'Old Zhang', username: 'old_zhang', phone: '138 0000 0001' });
    await w.admin.post('users:create', { nickname: 'Liu (mail)', username: 'liu_mail', email: 'zhaoliu@demo.example' });
    await db().getRepository('users').update({ filter: { email: 'admin@nocobase.com' }, values: { phone: '13800000022' } });
    corp().members.push(...later.values());
    corp().members.splice(corp().members.findIndex((m) => m.userid === 'spaced'), 1);
    corp().members.find((m) => m.userid === 'lisi')!.name = 'Li Si Jr';
    corp().departments!.push({ id: 4, name: 'Support', parentid: 1, order: 99998000 });
    corp().members.push({ userid: 'newbie', name: 'New Bie', mobile: '13900007701', department: [4] });
  }, 300_000);
  afterAll(async () => {
    await w?.destroy();
  });

  it('answers what the pull would do, group by group, with names', async () => {
    const answer = await preview();
    expect(answer).toEqual({
      ok: true,
      recipe: 'A-contacts',
      read: { members: 9, departments: 4 },
      users: {
        create: { count: 1, entries: [{ id: 'newbie', name: 'New Bie' }] },
        update: { count: 1, entries: [{ id: 'lisi', name: 'Li Si Jr', user: expect.stringMatching(/\(#\d+\)$/) }] },
        link: { count: 1, entries: [{ id: 'zhangsan', name: 'Zhang San', user: `old_zhang (#${await userId({ username: 'old_zhang' })})` }] },
        remove: { count: 1, entries: [{ id: 'spaced', name: 'Spaced', user: expect.stringMatching(/\(#\d+\)$/) }] },
        unlink: { count: 0, entries: [] },
        unchanged: 2,
      },
      departments: {
        create: { count: 1, entries: [{ id: '4', name: 'Support' }] },
        update: { count: 0, entries: [] },
        remove: { count: 0, entries: [] },
        unchanged: 3,
      },
      skipped: {
        count: 4,
        entries: expect.arrayContaining([
          { id: 'twin', name: 'Twin', reason: 'phone-ambiguous' },
          { id: 'nobody', name: 'No Body', reason: 'root' },
          { id: 'zhaoliu', name: 'Zhao Liu', reason: 'email-only', user: `liu_mail (#${await userId({ username: 'liu_mail' })})` },
          { id: 'dashed', name: 'Dashed', reason: 'root', user: expect.stringMatching(new RegExp(`\\(#${await userId({ email: 'admin@nocobase.com' })}\\)$`)) },
        ]),
      },
    });
  });

  it('writes nothing: users, departments, memberships, links, sync records and tasks are as before', async () => {
    const before = await snapshot();
    const { calls } = await callsDuring(w.sandbox, () => preview());
    expect(await snapshot()).toEqual(before);
    // It did read WeCom.
    expect(calls['department/list']).toBe(1);
  });

  it('answers for the test corp within 5 seconds', async () => {
    const started = Date.now();
    await preview();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is followed by a pull that does exactly what it said', async () => {
    const said = await preview();
    const before = await snapshot();
    const task = await pull();
    expect(task.status).toBe('success');
    const after = await snapshot();

    type Link = { userId: number; uuid: string; meta: { syncCreated?: boolean } };
    const linksBefore = before.links as unknown as Link[];
    const linksAfter = after.links as unknown as Link[];
    const userIds = (list: Row[]) => new Set(list.map((u) => Number(u.id)));
    const usersBefore = userIds(before.users);
    const usersAfter = userIds(after.users);
    const uuidOf = (links: Link[], id: number) => links.find((l) => l.userId === id)?.uuid;
    // Users created: new users, each linked to its member.
    const created = [...usersAfter].filter((id) => !usersBefore.has(id)).map((id) => uuidOf(linksAfter, id));
    // Users removed: gone, by their member's link.
    const removed = [...usersBefore].filter((id) => !usersAfter.has(id)).map((id) => uuidOf(linksBefore, id));
    // Users linked: existing users with a new link.
    const linked = linksAfter.filter((l) => usersBefore.has(l.userId) && !linksBefore.some((b) => b.userId === l.userId && b.uuid === l.uuid)).map((l) => l.uuid);
    // Users unlinked: kept, their link gone.
    const unlinked = linksBefore.filter((l) => usersAfter.has(l.userId) && !linksAfter.some((a) => a.userId === l.userId && a.uuid === l.uuid)).map((l) => l.uuid);
    // Users updated: kept and linked, with another nickname, phone, email or departments.
    const view = (snap: { users: Row[]; memberships: Row[] }, id: number) => {
      const u = snap.users.find((r) => Number(r.id) === id)!;
      const departments = snap.memberships.filter((m) => Number(m.userId) === id).map((m) => Number(m.departmentId)).sort();
      return JSON.stringify([u.nickname, u.phone, u.email, departments]);
    };
    const updated = linksBefore
      .filter((l) => usersAfter.has(l.userId) && linksAfter.some((a) => a.userId === l.userId && a.uuid === l.uuid) && view(before, l.userId) !== view(after, l.userId))
      .map((l) => l.uuid);
    const titles = (list: Row[]) => list.map((d) => String(d.title));
    const departmentsCreated = titles(after.departments).filter((t) => !titles(before.departments).includes(t));
    const departmentsRemoved = titles(before.departments).filter((t) => !titles(after.departments).includes(t));

    expect({
      create: created.sort(),
      update: updated.sort(),
      link: linked.sort(),
      remove: removed.sort(),
      unlink: unlinked.sort(),
      departmentsCreated,
      departmentsRemoved,
    }).toEqual({
      create: ids(said.users.create),
      update: ids(said.users.update),
      link: ids(said.users.link),
      remove: ids(said.users.remove),
      unlink: ids(said.users.unlink),
      departmentsCreated: said.departments.create.entries.map((e) => e.name),
      departmentsRemoved: said.departments.remove.entries.map((e) => e.name),
    });
    // The scenario is not empty: each of these groups had someone in it.
    expect(created).toEqual(['newbie']);
    expect(updated).toEqual(['lisi']);
    expect(linked).toEqual(['zhangsan']);
    expect(removed).toEqual(['spaced']);
    expect(departmentsCreated).toEqual(['Support']);
    // And a preview now has nothing left to do.
    const next = await preview();
    expect([next.users.create.count, next.users.update.count, next.users.link.count, next.users.remove.count, next.users.unlink.count]).toEqual([0, 0, 0, 0, 0]);
    expect(next.users.unchanged).toBe(5);
    expect(next.departments.create.count + next.departments.update.count + next.departments.remove.count).toBe(0);
  });

  it('says when the pull would stop over Maximum removals, with the message of the pull, and lists who', async () => {
    const removedIds = ['lisi', 'wangwu', 'fullwidth', 'newbie'];
    const removed = corp().members.filter((m) => removedIds.includes(m.userid));
    corp().members = corp().members.filter((m) => !removedIds.includes(m.userid));
    await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: '2' } });
    try {
      const answer = await preview();
      expect(answer.refusal).toEqual({
        field: 'maxRemovals',
        message:
          'Nothing written: this pull would remove 4 of 5 users, over the limit of 2. If they left WeCom, raise Maximum removals and sync again; if not, check the visible range and the Secret.',
      });
      expect(ids(answer.users.remove)).toEqual(['fullwidth', 'lisi', 'newbie', 'wangwu']);
      const task = await pull();
      expect(task.status).toBe('failed');
      expect(task.message).toBe(answer.refusal?.message);
    } finally {
      corp().members.push(...removed);
      await w.admin.post(`userDataSyncSources:update?filterByTk=${sourceId}`, { options: { authenticator: 'wecom', maxRemovals: '' } });
    }
  });

  it('says when the pull would stop on an empty read, in the language of the request', async () => {
    const members = corp().members;
    corp().members = [];
    try {
      const answer = await preview(SOURCE, { 'x-locale': 'en-US' });
      expect(answer).toEqual({
        ok: false,
        code: 'WECOM_CONFIG',
        field: 'contactsSecret',
        message: "WeCom returned no members for this corp, so nothing was removed. Check the app's visible range and the contacts-sync Secret.",
      });
    } finally {
      corp().members = members;
    }
  });

  it("says when the pull would stop because the authenticator's Company ID changed, and writes nothing", async () => {
    const other = structuredClone(corp());
    other.corpId = 'wwother000000002';
    w.sandbox.config.corps.push(other);
    const authenticator = await db().getRepository('authenticators').findOne({ filter: { name: 'wecom' } });
    const options = authenticator?.get('options') as Row;
    await w.admin.post(`authenticators:update?filterByTk=${authenticator?.get('id')}`, { enabled: true, options: { ...options, corpId: 'wwother000000002' } });
    try {
      const before = await snapshot();
      expect(await preview()).toEqual({
        ok: false,
        code: 'WECOM_CONFIG',
        field: 'authenticator',
        message:
          'Nothing written: this source synced the company wwdemo0000000001, but its authenticator now reads wwother000000002. Set the Company ID back, or sync wwother000000002 with a new source of another name.',
      });
      expect(await snapshot()).toEqual(before);
    } finally {
      await w.admin.post(`authenticators:update?filterByTk=${authenticator?.get('id')}`, { enabled: true, options });
      w.sandbox.config.corps.pop();
    }
  });

  it('is refused to a user who may not manage user data sync (HTTP 403), without reading WeCom', async () => {
    await w.admin.post('users:create', { email: 'member@example.com', password: 'member-pass-123', nickname: 'Member', roles: ['member'] });
    const member = await Api.signIn(w.t.url, 'member@example.com', 'member-pass-123');
    const { result, calls } = await callsDuring(w.sandbox, () => preview(SOURCE, {}, member).then(() => 'allowed', (error: Error) => error.message));
    expect(result).toMatch(/HTTP 403/);
    expect(calls).toEqual({});
  });

  it('refuses an unknown source and a source of another type with a clear, localized error', async () => {
    await expect(preview('nope')).rejects.toThrow('HTTP 400 There is no sync source named "nope".');
    await expect(preview('nope', { 'x-locale': 'zh-CN' })).rejects.toThrow('HTTP 400 不存在名为“nope”的同步源。');
    await db().getRepository('userDataSyncSources').create({ values: { name: 'other-type', sourceType: 'ldap', enabled: true, options: {} } });
    await expect(preview('other-type')).rejects.toThrow('HTTP 400 The sync source "other-type" is not a WeCom source.');
  });
});
