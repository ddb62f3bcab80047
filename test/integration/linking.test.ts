// Who a WeCom member becomes: links bound to (authenticator, corp, userid), phones matched in every format,
// the race of two first logins, sign-up without a mobile number, and what a link stores.
import { Model, Repository } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addZhangSan, callsDuring, CORP_ID, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';
import { WECOM_UA, WecomUser } from '../helpers/wecom-user';

const CORP_B = 'wwother000000002';
const AGENT_B = '1000009';
const SECRET_B = 'other-corp-secret-0123456789a';
const HTTPS_AVATAR = 'https://wework.qpic.cn/wwpic/123456_abcdef/0';

interface Link {
  userId: number;
  uuid: string;
  nickname: string;
  avatar: string;
  meta: { corpId?: string; userid?: string };
}

describe('linking WeCom members to users', () => {
  let w: WecomApp;
  let users: () => Repository;
  let links: () => Repository;
  /** The user (no root role) with zhangsan's mobile number. */
  let zhang: number;

  const counts = async () => ({ users: await users().count(), links: await links().count() });
  /** Everything a sign-in writes: users, links and NocoBase's issued tokens. */
  const written = async () => ({ ...(await counts()), tokens: await w.t.app.db.getRepository<Repository>('issuedTokens').count() });
  const rolesUsers = () => w.t.app.db.getRepository<Repository>('rolesUsers');
  const linksOf = async (authenticator: string): Promise<Link[]> =>
    (await links().find({ filter: { authenticator }, sort: ['userId'] })).map((l: Model) => l.toJSON() as Link);
  const createUser = (values: Record<string, unknown>) => w.admin.post<{ id: number }>('users:create', values);

  /** Answer body of a sign-in that must have worked. */
  const signedIn = async (res: Response) => {
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    return (JSON.parse(text) as { data: { user: { id: number; nickname: string; phone: string | null; email: string | null } } }).data;
  };
  const refused = async (res: Response) => {
    const text = await res.text();
    const body = JSON.parse(text) as { data?: unknown; errors?: { code: string; message: string }[] };
    expect(body.data).toBeUndefined();
    return { status: res.status, code: body.errors?.[0]?.code, message: body.errors?.[0]?.message };
  };

  /** What an admin does when the authenticator moves to another Company ID (with that corp's app). */
  const moveToCorpB = async (name: string) => {
    const [record] = await w.admin.get<{ id: number; options: Record<string, unknown> }[]>('authenticators:list', { 'filter[name]': name });
    await w.admin.post(`authenticators:update?filterByTk=${record.id}`, {
      enabled: true,
      options: { ...record.options, corpId: CORP_B, agentId: AGENT_B, corpSecret: SECRET_B },
    });
  };

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.members.push(
      { userid: 'migrant', name: 'Migrant A', mobile: '13800000092' },
      { userid: 'first93', name: 'First 93', mobile: '13800000093' },
      { userid: 'second93', name: 'Second 93', mobile: '13800000093' },
      { userid: 'racer', name: 'Racer', mobile: '13800000094' },
      { userid: 'fw31', name: 'Fw 31', mobile: '13800000031' },
      { userid: 'sp32', name: 'Sp 32', mobile: '13800000032' },
      { userid: 'dot33', name: 'Dot 33', mobile: '13800000033' },
      { userid: 'br34', name: 'Br 34', mobile: '+86 138 0000 0034' },
      { userid: 'cc35', name: 'Cc 35', mobile: '13800000035' },
      { userid: 'cc36', name: 'Cc 36', mobile: '13800000036' },
      { userid: 'fw37', name: 'Fw 37', mobile: '13800000037' },
      { userid: 'last4', name: 'Last Four', mobile: '13800000041' },
      { userid: 'fw42', name: 'Fw 42', mobile: '13800000042' },
      { userid: 'nomobile', name: 'No Mobile', mobile: '', biz_mail: 'nomobile@corp.demo.example' },
      { userid: 'nomobile2', name: 'No Mobile Two', mobile: '' },
      { userid: 'pictured', name: 'Pictured', mobile: '13800000051', avatar: HTTPS_AVATAR },
      { userid: 'pictured2', name: 'Pictured Two', mobile: '13800000052', avatar: HTTPS_AVATAR },
      { userid: 'mailonly', name: 'Mail Only', mobile: '13800000053', biz_mail: '', email: 'mailonly@demo.example' },
      { userid: 'rootphone', name: 'Root Phone', mobile: '13800000095' },
      { userid: 'laterroot', name: 'Later Root', mobile: '13800000096' },
    );
    // Every member of corp A sees the app: this file is about linking, not the visible range.
    corp.apps[0].visibleTo = 'all';
    // Another corp whose members happen to have the same userids as corp A's.
    config.corps.push({
      corpId: CORP_B,
      name: 'Other Corp',
      apps: [{ agentId: AGENT_B, secret: SECRET_B, name: 'Other corp app', trustedDomains: [] }],
      members: [
        { userid: 'zhangsan', name: 'Zhang San of B', mobile: '13800000091' },
        { userid: 'migrant', name: 'Migrant B', mobile: '13800000092' },
      ],
    });
    w = await createWecomApp(config);
    users = () => w.t.app.db.getRepository<Repository>('users');
    links = () => w.t.app.db.getRepository<Repository>('usersAuthenticators');
    zhang = await addZhangSan(w.admin);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('signup', { public: { autoSignup: true } });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  describe('a link belongs to (authenticator, Company ID, userid)', () => {
    it('refuses a link made under another Company ID: a QR login of the new corp\'s zhangsan is WECOM_NOT_LINKED', async () => {
      await w.addAuthenticator('moving');
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('moving', 'zhangsan'))).user.id).toBe(zhang);
      await moveToCorpB('moving');
      const before = await counts();
      const res = await new WecomUser(w.t.url).signInWithQr('moving', 'zhangsan');
      expect(await refused(res)).toMatchObject({ status: 401, code: 'WECOM_NOT_LINKED' });
      expect(await counts()).toEqual(before);
    });

    it('links the new corp\'s member with the same userid anew by phone in the WeCom client, keeping uuid = userid and the corp in meta', async () => {
      await w.addAuthenticator('moving2');
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('moving2', 'zhangsan'))).user.id).toBe(zhang);
      await moveToCorpB('moving2');
      const other = await createUser({ nickname: 'Zhang San of B', phone: '13800000091' });
      const first = await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('moving2', 'zhangsan'));
      expect(first.user.id).toBe(other.id);
      const again = await signedIn(await new WecomUser(w.t.url).signInWithQr('moving2', 'zhangsan'));
      expect(again.user.id).toBe(other.id);
      expect((await linksOf('moving2')).map(({ userId, uuid, meta }) => ({ userId, uuid, corpId: meta.corpId, userid: meta.userid }))).toEqual([
        { userId: zhang, uuid: 'zhangsan', corpId: CORP_ID, userid: 'zhangsan' },
        { userId: other.id, uuid: 'zhangsan', corpId: CORP_B, userid: 'zhangsan' },
      ]);
    });

    it('replaces the user\'s stale link of another Company ID when the member links anew by phone (no "already linked")', async () => {
      const migrant = await createUser({ nickname: 'Migrant', phone: '13800000092' });
      await w.addAuthenticator('moving3');
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('moving3', 'migrant'))).user.id).toBe(migrant.id);
      await moveToCorpB('moving3');
      const before = await counts();
      const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('moving3', 'migrant');
      expect((await signedIn(res)).user.id).toBe(migrant.id);
      expect(await counts()).toEqual(before);
      const [link, ...rest] = await linksOf('moving3');
      expect(rest).toEqual([]);
      expect({ userId: link.userId, uuid: link.uuid, meta: link.meta }).toEqual({ userId: migrant.id, uuid: 'migrant', meta: { corpId: CORP_B, userid: 'migrant' } });
    });
  });

  describe('the user with the phone is already linked', () => {
    it('refuses to link a member when the user with its phone is linked to another member of the same corp (WECOM_ALREADY_LINKED)', async () => {
      const shared = await createUser({ nickname: 'Shared 93', phone: '13800000093' });
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'first93'))).user.id).toBe(shared.id);
      const before = await counts();
      const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'second93');
      expect(await refused(res)).toEqual({
        status: 409,
        code: 'WECOM_ALREADY_LINKED',
        message: 'The user with your mobile number is already linked to another WeCom account. Ask your administrator for help.',
      });
      expect(await counts()).toEqual(before);
      expect((await linksOf('wecom')).filter((l) => l.userId === shared.id).map((l) => l.uuid)).toEqual(['first93']);
    });

    it('signs in as the winner\'s user when another instance linked the same member between the phone match and the check', async () => {
      const racer = await createUser({ nickname: 'Racer', phone: '13800000094' });
      // Another instance's first login of the same member commits its link right after this one matched
      // the phone (the per-instance lock does not serialize instances): a real row, written through the DB.
      const model = w.t.app.db.getModel('users');
      let raced = false;
      model.addHook('afterFind', 'other-instance-wins', async (found: unknown) => {
        const rows = (Array.isArray(found) ? found : [found]) as (Model | null)[];
        if (raced || !rows.some((row) => row?.get('id') === racer.id)) return;
        raced = true;
        await links().create({
          values: { authenticator: 'wecom', userId: racer.id, uuid: 'racer', nickname: 'Racer', avatar: '', meta: { corpId: CORP_ID, userid: 'racer' } },
        });
      });
      try {
        const user = new WecomUser(w.t.url, WECOM_UA);
        const callback = await user.inClientLogin('wecom', 'racer');
        const data = await signedIn(await user.signIn('wecom', { code: callback.code, state: callback.state }));
        expect(raced).toBe(true);
        expect(data.user.id).toBe(racer.id);
      } finally {
        model.removeHook('afterFind', 'other-instance-wins');
      }
      expect((await linksOf('wecom')).filter((l) => l.uuid === 'racer').map((l) => l.userId)).toEqual([racer.id]);
    });
  });

  describe('a user with the root role never signs in with WeCom', () => {
    const ROOT_REFUSED_BY_PHONE = {
      status: 403,
      code: 'WECOM_ROOT_USER',
      message:
        'Your mobile number in WeCom belongs to a NocoBase root user. Root users sign in with their password only, never with WeCom. Ask your administrator to give that root user another mobile number (or none), or sign in with the password.',
    };
    const ROOT_REFUSED_BY_LINK = {
      status: 403,
      code: 'WECOM_ROOT_USER',
      message:
        'Your WeCom account is linked to a NocoBase root user. Root users sign in with their password only, never with WeCom. Sign in with the password, or ask your administrator to link your WeCom account to a user without the root role.',
    };

    it('refuses a first in-client login whose mobile number is the root user\'s, writing no user, link or token', async () => {
      await w.admin.post('users:update?filterByTk=1', { phone: '138 0000 0095' });
      try {
        for (const authenticator of ['wecom', 'signup']) {
          const before = await written();
          const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient(authenticator, 'rootphone');
          expect(await refused(res), authenticator).toEqual(ROOT_REFUSED_BY_PHONE);
          expect(await written(), authenticator).toEqual(before);
          expect((await linksOf(authenticator)).filter((l) => l.uuid === 'rootphone' || l.userId === 1)).toEqual([]);
        }
      } finally {
        await w.admin.post('users:update?filterByTk=1', { phone: null });
      }
    });

    it('refuses a member whose link leads to a user given the root role later, keeps the link, and signs in again once the role is gone', async () => {
      const later = await createUser({ nickname: 'Later Root', phone: '13800000096' });
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'laterroot'))).user.id).toBe(later.id);
      // NocoBase's own saves refuse the root role (plugin-acl's rolesUsers.beforeSave): it is given in the database.
      await rolesUsers().model.create({ userId: later.id, roleName: 'root' }, { hooks: false });
      const before = await written();
      expect(await refused(await new WecomUser(w.t.url).signInWithQr('wecom', 'laterroot'))).toEqual(ROOT_REFUSED_BY_LINK);
      expect(await refused(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'laterroot', { prompt: 'none' }))).toEqual(ROOT_REFUSED_BY_LINK);
      expect(await written()).toEqual(before);
      expect((await linksOf('wecom')).filter((l) => l.uuid === 'laterroot').map((l) => l.userId)).toEqual([later.id]);

      await rolesUsers().model.destroy({ where: { userId: later.id, roleName: 'root' }, hooks: false });
      expect((await signedIn(await new WecomUser(w.t.url).signInWithQr('wecom', 'laterroot'))).user.id).toBe(later.id);
    });

    it('refuses a member linked to the root user before this rule, and keeps the link', async () => {
      await links().create({ values: { authenticator: 'wecom', userId: 1, uuid: 'lisi', nickname: 'Li Si', avatar: '', meta: { corpId: CORP_ID, userid: 'lisi' } } });
      try {
        const before = await written();
        expect(await refused(await new WecomUser(w.t.url).signInWithQr('wecom', 'lisi'))).toEqual(ROOT_REFUSED_BY_LINK);
        expect(await written()).toEqual(before);
        expect((await linksOf('wecom')).filter((l) => l.uuid === 'lisi').map((l) => l.userId)).toEqual([1]);
      } finally {
        await links().destroy({ filter: { authenticator: 'wecom', uuid: 'lisi' } });
      }
    });
  });

  describe('phones stored in other forms', () => {
    it.each([
      ['full-width digits', 'fw31', '１３８００００００３１'],
      ['spaces', 'sp32', '138 0000 0032'],
      ['dots', 'dot33', '138.0000.0033'],
      ['brackets and a dash (member mobile +86 138 0000 0034)', 'br34', '(138) 0000-0034'],
      ['a +86 prefix', 'cc35', '+86 13800000035'],
      ['a 0086 prefix and dashes', 'cc36', '0086-138-0000-0036'],
      ['a full-width +86 and digits', 'fw37', '＋８６ １３８００００００３７'],
    ])('links a member to the user whose phone is stored with %s', async (_, userid, stored) => {
      const owner = await createUser({ nickname: `stored ${stored}`, phone: stored });
      const before = await counts();
      const data = await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', userid));
      expect(data.user.id).toBe(owner.id);
      expect(await counts()).toEqual({ users: before.users, links: before.links + 1 });
    });

    it('signs in the user stored with full-width digits instead of creating a duplicate when auto sign-up is on', async () => {
      const owner = await createUser({ nickname: 'Fw 42 user', phone: '１３８００００００４２' });
      const before = await counts();
      const data = await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'fw42'));
      expect(data.user.id).toBe(owner.id);
      expect(await counts()).toEqual({ users: before.users, links: before.links + 1 });
    });

    it('does not match a user who merely shares the last four digits of the phone', async () => {
      await createUser({ nickname: 'Same last four', phone: '13900000041' });
      await createUser({ nickname: 'Same last four, spaced', phone: '139 0000 0041' });
      const before = await counts();
      const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'last4');
      expect(await refused(res)).toMatchObject({ status: 401, code: 'WECOM_NO_MATCH' });
      expect(await counts()).toEqual(before);
    });
  });

  describe('no mobile number from WeCom', () => {
    it('creates a user without a phone (nickname = WeCom name) and links it when auto sign-up is on, in 3 WeCom calls', async () => {
      const before = await counts();
      const { result, calls } = await callsDuring(w.sandbox, () => new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'nomobile'));
      const data = await signedIn(result);
      expect(data.user).toMatchObject({ nickname: 'No Mobile', email: 'nomobile@corp.demo.example' });
      expect((await users().findOne({ filterByTk: data.user.id }))?.get('phone')).toBeNull();
      expect(calls).toEqual({ 'auth/getuserinfo': 1, 'auth/getuserdetail': 1, 'user/get': 1 });
      expect(await counts()).toEqual({ users: before.users + 1, links: before.links + 1 });
      const again = await signedIn(await new WecomUser(w.t.url).signInWithQr('signup', 'nomobile'));
      expect(again.user.id).toBe(data.user.id);
    });

    it('gives a second member without a mobile number a user of its own', async () => {
      const first = await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'nomobile2'));
      expect(first.user).toMatchObject({ nickname: 'No Mobile Two' });
      expect((await users().findOne({ filterByTk: first.user.id }))?.get('phone')).toBeNull();
      const link = (await linksOf('signup')).find((l) => l.uuid === 'nomobile2');
      expect(link?.userId).toBe(first.user.id);
      const others = (await linksOf('signup')).filter((l) => l.uuid === 'nomobile');
      expect(others.map((l) => l.userId)).not.toContain(first.user.id);
    });

    it('still refuses a member without a mobile number with WECOM_NO_MOBILE when auto sign-up is off', async () => {
      const before = await counts();
      const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'wangwu');
      expect(await refused(res)).toMatchObject({ status: 401, code: 'WECOM_NO_MOBILE' });
      expect(await counts()).toEqual(before);
    });
  });

  describe('what a link stores', () => {
    it('stores an https avatar URL and the WeCom name when the user is created', async () => {
      await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'pictured'));
      const link = (await linksOf('signup')).find((l) => l.uuid === 'pictured');
      expect(link).toMatchObject({ nickname: 'Pictured', avatar: HTTPS_AVATAR });
    });

    it('stores no cut data-URI and not the userid as the nickname when linking an existing user in 2 calls', async () => {
      await w.addAuthenticator('plain');
      const { result, calls } = await callsDuring(w.sandbox, () => new WecomUser(w.t.url, WECOM_UA).signInInClient('plain', 'zhangsan'));
      expect((await signedIn(result)).user.id).toBe(zhang);
      expect(calls).toEqual({ 'auth/getuserinfo': 1, 'auth/getuserdetail': 1 });
      const [link] = await linksOf('plain');
      // zhangsan's avatar in the sandbox is a data: URI; WeCom's user/get is not called, so no name.
      expect({ nickname: link.nickname, avatar: link.avatar }).toEqual({ nickname: '', avatar: '' });
    });

    it('stores the https avatar URL when linking an existing user', async () => {
      const owner = await createUser({ nickname: 'Pictured Two user', phone: '13800000052' });
      expect((await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'pictured2'))).user.id).toBe(owner.id);
      const link = (await linksOf('wecom')).find((l) => l.uuid === 'pictured2');
      expect(link?.avatar).toBe(HTTPS_AVATAR);
    });
  });

  it('gives a new user the personal email when WeCom has no business email (an empty biz_mail)', async () => {
    const data = await signedIn(await new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'mailonly'));
    expect(data.user).toMatchObject({ nickname: 'Mail Only', phone: '13800000053', email: 'mailonly@demo.example' });
  });

  it('answers a member outside the visible range (60011 from user/get) through auth:signIn with the localized reason, creating nothing', async () => {
    const before = await counts();
    const user = new WecomUser(w.t.url, WECOM_UA);
    const callback = await user.inClientLogin('signup', 'lisi');
    w.sandbox.inject({ endpoint: 'user/get', errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' });
    const { result, calls } = await callsDuring(w.sandbox, () =>
      fetch(`${w.t.url}/api/auth:signIn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-authenticator': 'signup', 'x-locale': 'zh-CN', cookie: user.app.header() },
        body: JSON.stringify({ code: callback.code, state: callback.state }),
      }),
    );
    expect(await refused(result)).toEqual({ status: 403, code: 'WECOM_NOT_VISIBLE', message: '你不在该企业微信应用的可见范围内。请联系管理员将你加入应用可见范围。' });
    expect(calls).toEqual({ 'auth/getuserinfo': 1, 'auth/getuserdetail': 1, 'user/get': 1 });
    expect(await counts()).toEqual(before);
    expect(await users().count({ filter: { phone: '13900000002' } })).toBe(0);
  });

  it('logs an expected refusal at info level without a stack trace', async () => {
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'lisi');
    expect(await refused(res)).toMatchObject({ code: 'WECOM_NOT_LINKED' });
    const message = 'Your WeCom account is not linked to a user yet.';
    let lines: { level?: string; err?: unknown; method?: string }[] = [];
    for (let i = 0; i < 50 && !lines.some((l) => l.method === 'error-handler'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      lines = w.t
        .logs()
        .split('\n')
        .filter((line) => line.includes(message))
        .map((line) => JSON.parse(line));
    }
    const handled = lines.filter((l) => l.method === 'error-handler');
    expect(handled.length).toBeGreaterThan(0);
    for (const line of handled) {
      expect(line.level).toBe('info');
      expect(JSON.stringify(line)).not.toMatch(/\bat .+:\d+:\d+/);
    }
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
