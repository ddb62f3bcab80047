// WeCom sign-in inside sub-apps of NocoBase's multi-app manager. The test app serves through NocoBase's
// gateway (as `nocobase start` does), which picks the app of each request; the sub-apps are created by the
// admin through `applications:create`, each with its own database, users, authenticators and this plugin.
// Browser navigations carry no X-App header: the start URL names the app in its path
// (`/api/__app/<name>/`), WeCom's redirect_uri in its page path (`/apps/<name>/wecom/callback`), and the
// callback page's API calls carry X-App as NocoBase's clients send it.
import PluginMultiAppManagerServer from '@nocobase/plugin-multi-app-manager';
import { AppSupervisor } from '@nocobase/server';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../sandbox';
import { ADMIN, PLUGINS } from '../helpers/app';
import { untilSubAppRunning } from '../helpers/sub-apps';
import { addZhangSan, AGENT_ID, callsDuring, CORP_ID, createWecomApp, SECRET, testConfig, WecomApp } from '../helpers/wecom-app';
import { DESKTOP_UA, WECOM_UA, WecomUser } from '../helpers/wecom-user';

const CORP_B = 'wwsubappcorp0000b';
const AGENT_B = '1000021';
const SECRET_B = 'sub-app-b-secret-0123456789abcdef';
const STATE_INVALID = 'WECOM_STATE_INVALID';
/** Starts per minute per client in every app of this file (WECOM_START_RATE_LIMIT, read by each app's plugin). */
const START_LIMIT = 60;
/** The sub-apps' plugins: the test app's, with the notification manager before this plugin. */
const SUB_APP_PLUGINS = [...PLUGINS.filter((name) => name !== '@nocobase/plugin-auth-wecom'), 'notification-manager', '@nocobase/plugin-auth-wecom'];

/** The sub-apps' names: unique per run, since on PostgreSQL each sub-app is a database of that name. */
const suffix = randomBytes(3).toString('hex');
const CRM = `crm${suffix}`;
const HR = `hr${suffix}`;
/** HR signs its sessions with a JWT secret of its own (options.authManager.jwt.secret); CRM shares the main app's. */
const HR_JWT_SECRET = randomBytes(32).toString('hex');
const SHARED_SECRET_WARNING =
  'This sub-app shares its sign-in secret with the main app or another app: a sign-in token or API key of one of them is accepted by the other as the user with the same ID, so a person who signs in here through WeCom can act there. Give this sub-app its own secret: in the main app, Multi-app manager → edit this app → Authentication options → JWT secret (options.authManager.jwt.secret), then restart NocoBase. Everyone signed in to this sub-app will have to sign in again.';
const SHARED_SECRET_WARNING_ZH =
  '此子应用与主应用或其他应用共用登录密钥：其中一个应用的登录令牌或 API 密钥，会被另一个应用当作 ID 相同的用户接受，因此在这里通过企业微信登录的人可以在那里操作。请为此子应用设置独立的密钥：在主应用的“多应用管理”中编辑此应用，填写“认证选项 → JWT 密钥”（options.authManager.jwt.secret），然后重启 NocoBase。此子应用中已登录的用户都需要重新登录。';

/** An admin's API in one app: `main`, or a sub-app (X-App, as NocoBase's client sends it). */
class AppApi {
  token?: string;
  constructor(
    readonly url: string,
    readonly app?: string,
  ) {}

  async request<T>(method: string, action: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; data?: T; errors?: { code?: string; message: string }[] }> {
    const res = await fetch(`${this.url}/api/${action}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.app ? { 'x-app': this.app } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { data?: T; errors?: { code?: string; message: string }[] };
    return { status: res.status, ...json };
  }

  async post<T>(action: string, body: unknown): Promise<T> {
    const res = await this.request<T>('POST', action, body);
    if (res.status !== 200) throw new Error(`${this.app ?? 'main'} ${action}: HTTP ${res.status} ${JSON.stringify(res.errors)}`);
    return res.data as T;
  }

  async signIn() {
    const res = await this.request<{ token: string }>('POST', 'auth:signIn', { account: ADMIN.email, password: ADMIN.password }, { 'x-authenticator': 'basic' });
    if (res.status !== 200) throw new Error(`${this.app} sign-in: HTTP ${res.status}`);
    this.token = res.data!.token;
    return this;
  }

  async addAuthenticator(name: string, options: Record<string, unknown>) {
    await this.post('authenticators:create', {
      name,
      authType: 'WeCom',
      title: `WeCom ${name}`,
      enabled: true,
      options: { redirectPath: '/admin', public: { autoSignup: false, autoLogin: false }, ...options },
    });
  }
}

/** On PostgreSQL, multi-app-manager created a database per sub-app (named after it): dropped at the end. */
async function dropSubAppDatabases(names: string[]) {
  if (process.env.DB_DIALECT !== 'postgres') return;
  type PgClient = { connect(): Promise<void>; query(sql: string): Promise<unknown>; end(): Promise<void> };
  const { Client } = createRequire(import.meta.url)('pg') as { Client: new (config: Record<string, unknown>) => PgClient };
  const client = new Client({
    host: process.env.DB_HOST || '127.0.0.1',
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USER || 'postgres',
    password: process.env.DB_PASSWORD || '',
    database: process.env.DB_DATABASE || 'postgres',
  });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

interface SignInAnswer {
  status: number;
  body: { data?: { user: { id: number; phone?: string }; token: string; redirect: string }; errors?: { code: string }[] };
}
const answer = async (res: Response): Promise<SignInAnswer> => ({ status: res.status, body: (await res.json()) as SignInAnswer['body'] });

describe('WeCom sign-in in sub-apps of the multi-app manager', () => {
  let w: WecomApp;
  let main: AppApi;
  let crm: AppApi;
  let hr: AppApi;
  /** Each app's user (no root role) with the phone of "its" zhangsan. */
  const zhang = new Map<AppApi, number>();
  const origin = () => w.t.url;

  beforeAll(async () => {
    const config = testConfig();
    config.corps.push({
      corpId: CORP_B,
      name: 'Sub-app Corp',
      apps: [{ agentId: AGENT_B, secret: SECRET_B, name: 'CRM app', trustedDomains: [] }],
      members: [{ userid: 'zhangsan', name: 'Zhang San of B', mobile: '13800000091' }],
    });
    // What `nocobase start` does before it creates the main app (runPluginStaticImports): multi-app-manager
    // installs the app supervisor's adapter that runs sub-apps in this process.
    PluginMultiAppManagerServer.staticImport();
    w = await createWecomApp(config, { WECOM_START_RATE_LIMIT: String(START_LIMIT) }, ['multi-app-manager', 'notification-manager'], true);
    main = await new AppApi(w.t.url).signIn();
    for (const name of [CRM, HR]) {
      // On SQLite the main test app is in memory, and so would be the sub-app's database, one per connection:
      // a file of its own in the app's storage instead. On PostgreSQL multi-app-manager creates a database.
      const database = process.env.DB_DIALECT === 'postgres' ? {} : { database: { storage: join(w.t.storage, `${name}.sqlite`) } };
      const jwt = name === HR ? { authManager: { jwt: { secret: HR_JWT_SECRET } } } : {};
      await main.post('applications:create', { name, displayName: name, options: { plugins: SUB_APP_PLUGINS, autoStart: true, ...jwt, ...database } });
    }
    for (const name of [CRM, HR]) await untilSubAppRunning(w.t.url, name);
    crm = await new AppApi(w.t.url, CRM).signIn();
    hr = await new AppApi(w.t.url, HR).signIn();

    // main: the demo corp; CRM: another corp; HR: the same WeCom app as main.
    await w.addAuthenticator('wecom');
    await crm.addAuthenticator('wecom', { corpId: CORP_B, agentId: AGENT_B, corpSecret: SECRET_B, origin: origin() });
    await hr.addAuthenticator('wecom', { corpId: CORP_ID, agentId: AGENT_ID, corpSecret: SECRET, origin: origin() });
    // Each app has a user (no root role) with the phone of "its" zhangsan: corp B's in CRM, the demo corp's in main and HR.
    zhang.set(main, await addZhangSan(main));
    zhang.set(crm, await addZhangSan(crm, { phone: '13800000091' }));
    zhang.set(hr, await addZhangSan(hr));
  }, 900_000);

  afterAll(async () => {
    for (const name of [CRM, HR]) await AppSupervisor.getInstance().removeApp(name).catch(() => undefined);
    await w?.destroy();
    await dropSubAppDatabases([CRM, HR]);
  }, 600_000);

  describe('start URL', () => {
    it("sends WeCom back to the sub-app's callback page (v1), with the sub-app's own pending-login cookie", async () => {
      const user = new WecomUser(w.t.url, DESKTOP_UA, CRM);
      const res = await user.start({ authenticator: 'wecom', redirect: '/admin/orders' });
      expect(res.status).toBe(302);
      const login = new URL(res.headers.get('location')!);
      expect(login.searchParams.get('appid')).toBe(CORP_B);
      expect(login.searchParams.get('agentid')).toBe(AGENT_B);
      expect(login.searchParams.get('redirect_uri')).toBe(`${w.t.url}/apps/${CRM}/wecom/callback?authenticator=wecom`);
      expect(user.app.get(`nocobase_wecom_login_${CRM}`)).toBeTruthy();
      expect(user.app.get('nocobase_wecom_login')).toBeUndefined();
    });

    it("sends WeCom back to the sub-app's modern callback page (/v/apps/<name>/wecom/callback) for a login started in /v/", async () => {
      const res = await new WecomUser(w.t.url, DESKTOP_UA, CRM).start({ authenticator: 'wecom', client: 'v2' });
      const login = new URL(res.headers.get('location')!);
      expect(login.searchParams.get('redirect_uri')).toBe(`${w.t.url}/v/apps/${CRM}/wecom/callback?authenticator=wecom`);
    });

    it("shows a start that cannot begin on the sub-app's own callback page", async () => {
      const res = await new WecomUser(w.t.url, DESKTOP_UA, CRM).start({ authenticator: 'nosuch' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/apps/${CRM}/wecom/callback?authenticator=nosuch&error=WECOM_BAD_REQUEST`);
    });

    it('leaves the main app as it was: its own callback page and cookie', async () => {
      const user = new WecomUser(w.t.url);
      const res = await user.start({ authenticator: 'wecom' });
      const login = new URL(res.headers.get('location')!);
      expect(login.searchParams.get('appid')).toBe(CORP_ID);
      expect(login.searchParams.get('redirect_uri')).toBe(`${w.t.url}/wecom/callback?authenticator=wecom`);
      expect(user.app.get('nocobase_wecom_login')).toBeTruthy();
    });
  });

  describe('sign-in', () => {
    it("links and signs in the sub-app's user at the first in-client login, then by QR code; the main app gets no link", async () => {
      const phone = new WecomUser(w.t.url, WECOM_UA, CRM);
      const first = await phone.inClientLogin('wecom', 'zhangsan');
      expect(first.url.pathname).toBe(`/apps/${CRM}/wecom/callback`);
      const signedIn = await answer(await phone.signIn('wecom', { code: first.code, state: first.state }));
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.data!.user.phone).toBe('13800000091');

      const desktop = new WecomUser(w.t.url, DESKTOP_UA, CRM);
      const qr = await desktop.qrLogin('wecom', 'zhangsan');
      expect(qr.url.pathname).toBe(`/apps/${CRM}/wecom/callback`);
      const byQr = await answer(await desktop.signIn('wecom', { code: qr.code, state: qr.state }));
      expect(byQr.status).toBe(200);
      expect(byQr.body.data!.user.id).toBe(signedIn.body.data!.user.id);

      // The session is the sub-app's.
      const check = await fetch(`${w.t.url}/api/auth:check`, {
        headers: { 'x-app': CRM, 'x-authenticator': 'wecom', authorization: `Bearer ${byQr.body.data!.token}` },
      });
      expect(((await check.json()) as { data: { phone: string } }).data.phone).toBe('13800000091');
      // Corp B's member is linked in the sub-app's database only.
      const crmApp = await AppSupervisor.getInstance().getApp(CRM);
      const crmLinks = await crmApp.db.getRepository('usersAuthenticators').find({ filter: { authenticator: 'wecom' } });
      expect(crmLinks.map((l: { get(key: string): unknown }) => [l.get('uuid'), (l.get('meta') as { corpId: string }).corpId])).toEqual([['zhangsan', CORP_B]]);
      const mainLinks = await w.t.app.db.getRepository('usersAuthenticators').find({ filter: { authenticator: 'wecom' } });
      expect(mainLinks.map((l: { get(key: string): unknown }) => (l.get('meta') as { corpId: string }).corpId)).not.toContain(CORP_B);
    });

    it('returns to the v1 return path in the sub-app, and to the /v/apps/<name>/ path of a modern login', async () => {
      const v1 = await answer(await new WecomUser(w.t.url, WECOM_UA, CRM).signInInClient('wecom', 'zhangsan', { redirect: '/admin/orders' }));
      expect(v1.status).toBe(200);
      // The v1 client's return paths are the app's (its getHref adds /apps/<name>/).
      expect(v1.body.data!.redirect).toBe('/admin/orders');
      // NocoBase's v1 sign-in page writes ?redirect= with the sub-app's basename: kept as it is.
      const fromSignIn = await answer(await new WecomUser(w.t.url, WECOM_UA, CRM).signInInClient('wecom', 'zhangsan', { redirect: `/apps/${CRM}/admin/orders` }));
      expect(fromSignIn.body.data!.redirect).toBe(`/apps/${CRM}/admin/orders`);

      const modern = new WecomUser(w.t.url, WECOM_UA, CRM);
      const back = await modern.inClientLogin('wecom', 'zhangsan', { client: 'v2', redirect: `/v/apps/${CRM}/admin` });
      expect(back.url.pathname).toBe(`/v/apps/${CRM}/wecom/callback`);
      const v2 = await answer(await modern.signIn('wecom', { code: back.code, state: back.state }));
      expect(v2.status).toBe(200);
      expect(v2.body.data!.redirect).toBe(`/v/apps/${CRM}/admin`);

      // The page WeCom returns to is served: the modern client's index for /v/apps/<name>/wecom/callback.
      const page = await fetch(back.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    });
  });

  describe('login states are per app', () => {
    it('refuses in the main app a state started in a sub-app (same browser, same authenticator name)', async () => {
      const browser = new WecomUser(w.t.url, DESKTOP_UA, CRM);
      await answer(await browser.signInWithQr('wecom', 'zhangsan')); // linked above: signs in
      const back = await browser.qrLogin('wecom', 'zhangsan');
      const inMain = new WecomUser(w.t.url, DESKTOP_UA);
      inMain.app.set(`nocobase_wecom_login_${CRM}`, browser.app.get(`nocobase_wecom_login_${CRM}`)!);
      const refused = await answer(await inMain.signIn('wecom', { code: back.code, state: back.state }));
      expect(refused.status).toBe(400);
      expect(refused.body.errors![0].code).toBe(STATE_INVALID);
    });

    it("refuses a sub-app's sealed pending logins presented under the main app's cookie name", async () => {
      const browser = new WecomUser(w.t.url, DESKTOP_UA, HR);
      const back = await browser.qrLogin('wecom', 'zhangsan');
      const forged = new WecomUser(w.t.url, DESKTOP_UA);
      forged.app.set('nocobase_wecom_login', browser.app.get(`nocobase_wecom_login_${HR}`)!);
      const refused = await answer(await forged.signIn('wecom', { code: back.code, state: back.state }));
      expect(refused.status).toBe(400);
      expect(refused.body.errors![0].code).toBe(STATE_INVALID);
    });

    it("refuses in one sub-app a state of another, even under that sub-app's cookie name", async () => {
      const browser = new WecomUser(w.t.url, DESKTOP_UA, HR);
      const back = await browser.qrLogin('wecom', 'zhangsan');
      const other = new WecomUser(w.t.url, DESKTOP_UA, CRM);
      other.app.set(`nocobase_wecom_login_${CRM}`, browser.app.get(`nocobase_wecom_login_${HR}`)!);
      const refused = await answer(await other.signIn('wecom', { code: back.code, state: back.state }));
      expect(refused.status).toBe(400);
      expect(refused.body.errors![0].code).toBe(STATE_INVALID);
    });

    it("keeps one browser's pending logins of two apps apart: both finish", async () => {
      const jar = new WecomUser(w.t.url, WECOM_UA);
      expect((await answer(await jar.signInInClient('wecom', 'zhangsan'))).status).toBe(200); // links main's Zhang San
      const inHr = new WecomUser(w.t.url, WECOM_UA, HR);
      // The same browser: one cookie jar for both apps.
      Object.assign(inHr, { app: jar.app });
      expect((await answer(await inHr.signInInClient('wecom', 'zhangsan'))).status).toBe(200); // links HR's Zhang San
      // Two logins started, one per app, both pending at once in this browser.
      const inMain = await jar.inClientLogin('wecom', 'zhangsan');
      const hrBack = await inHr.inClientLogin('wecom', 'zhangsan');
      expect(jar.app.get('nocobase_wecom_login')).toBeTruthy();
      expect(jar.app.get(`nocobase_wecom_login_${HR}`)).toBeTruthy();
      expect((await answer(await jar.signIn('wecom', { code: inMain.code, state: inMain.state }))).status).toBe(200);
      expect((await answer(await inHr.signIn('wecom', { code: hrBack.code, state: hrBack.state }))).status).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('fetches one token per app and WeCom app, and reuses it: main and HR share a WeCom app, CRM has its own corp', async () => {
      // Every app has signed in above: each holds its token now.
      const again = await callsDuring(w.sandbox, async () => {
        expect((await answer(await new WecomUser(w.t.url, DESKTOP_UA).signInWithQr('wecom', 'zhangsan'))).status).toBe(200);
        expect((await answer(await new WecomUser(w.t.url, WECOM_UA, HR).signInInClient('wecom', 'zhangsan'))).status).toBe(200);
        expect((await answer(await new WecomUser(w.t.url, DESKTOP_UA, CRM).signInWithQr('wecom', 'zhangsan'))).status).toBe(200);
      });
      // Linked members: one getuserinfo each, no gettoken.
      expect(again.calls).toEqual({ 'auth/getuserinfo': 3 });
      // Over the whole file: one gettoken per app. Each app keeps its tokens in its own cache (NocoBase
      // prefixes a sub-app's cache with its name); WeCom hands out the same token while it is valid, so the
      // main app's and HR's copies are the same token and neither refresh invalidates the other's.
      expect(w.sandbox.stats().calls.gettoken).toBe(3);
    });
  });

  describe('notifications', () => {
    interface SendLog {
      status: 'success' | 'failure';
      reason?: string | null;
    }
    let sent = 0;

    /** messages:send in `api`'s app over its channel `wecom` to its Zhang San, then the send log once the queue ran it. */
    async function send(api: AppApi, message: Record<string, unknown>): Promise<SendLog> {
      const triggerFrom = `sub-apps-${++sent}`;
      await api.post('messages:send', { channelName: 'wecom', message, receivers: { type: 'userId', value: [zhang.get(api)] }, triggerFrom });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const res = await api.request<SendLog[]>('GET', `notificationSendLogs:list?filter=${encodeURIComponent(JSON.stringify({ triggerFrom }))}`);
        if (res.data?.length) return res.data[0];
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no send log for ${triggerFrom}`);
    }

    /** The messages corp `corpId`'s member `userid` received, titled `title`. */
    async function received(corpId: string, userid: string, title: string): Promise<InboxMessage[]> {
      const res = await fetch(`${w.sandbox.url}/__sandbox/inbox/${userid}`);
      const { messages } = (await res.json()) as { messages: InboxMessage[] };
      return messages.filter((m) => m.corpId === corpId && (m.content.title === title || (m.content.main_title as { title?: string })?.title === title));
    }

    beforeAll(async () => {
      // Each app's Zhang San is linked to "its" zhangsan by an in-client sign-in.
      expect((await answer(await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'zhangsan'))).status).toBe(200);
      expect((await answer(await new WecomUser(w.t.url, WECOM_UA, CRM).signInInClient('wecom', 'zhangsan'))).status).toBe(200);
      for (const api of [main, crm]) await api.post('notificationChannels:create', { name: 'wecom', title: 'WeCom', notificationType: 'wecom', options: { authenticator: 'wecom' } });
    }, 120_000);

    /** The signed-in link of a page (src/server/common/signed-in-links.ts): the start URL of `app` with prompt=none. */
    const signedIn = (app: string | undefined, redirect: string, v2 = false) =>
      `${w.t.url}/api/${app ? `__app/${app}/` : ''}wecom:authorize?authenticator=wecom&prompt=none${v2 ? '&client=v2' : ''}&fallback=page&redirect=${redirect}`;

    it("sends a text card from a sub-app's channel with the sub-app's signed-in link: a path of its pages, not doubled when it already has /apps/<name>/", async () => {
      const log = await send(crm, { msgtype: 'textcard', title: 'Order 7 (CRM)', description: 'Needs your approval', url: '/admin/orders/7' });
      expect(log).toMatchObject({ status: 'success' });
      const [card] = await received(CORP_B, 'zhangsan', 'Order 7 (CRM)');
      expect(card.content.url).toBe(signedIn(CRM, `/apps/${CRM}/admin/orders/7`));

      expect((await send(crm, { msgtype: 'textcard', title: 'Order 8 (CRM)', description: 'D', url: `/apps/${CRM}/admin/orders/8` })).status).toBe('success');
      expect((await received(CORP_B, 'zhangsan', 'Order 8 (CRM)'))[0].content.url).toBe(signedIn(CRM, `/apps/${CRM}/admin/orders/8`));
    });

    it("leads a sub-app's text card without a link to the sub-app's home, and a template card's modern and absolute links into it", async () => {
      expect((await send(crm, { msgtype: 'textcard', title: 'Home (CRM)', description: 'D' })).status).toBe('success');
      expect((await received(CORP_B, 'zhangsan', 'Home (CRM)'))[0].content.url).toBe(signedIn(CRM, `/apps/${CRM}/admin`));

      const log = await send(crm, {
        msgtype: 'template_card',
        template_card: {
          main_title: { title: 'Weekly (CRM)' },
          card_action: { url: '/v/admin/reports' },
          jump_list: [
            { type: 1, title: 'v2, already in the app', url: `/v/apps/${CRM}/admin/x` },
            { type: 1, title: 'an address on the Origin', url: `${w.t.url}/apps/${CRM}/admin/y` },
          ],
        },
      });
      expect(log.status).toBe('success');
      const [card] = await received(CORP_B, 'zhangsan', 'Weekly (CRM)');
      expect(card.content.card_action).toEqual({ type: 1, url: signedIn(CRM, `/v/apps/${CRM}/admin/reports`, true) });
      expect(card.content.jump_list).toEqual([
        { type: 1, title: 'v2, already in the app', url: signedIn(CRM, `/v/apps/${CRM}/admin/x`, true) },
        { type: 1, title: 'an address on the Origin', url: signedIn(CRM, `/apps/${CRM}/admin/y`) },
      ]);
    });

    it("opens a sub-app's links signed in in the WeCom client (v1 and /v/ pages of the sub-app), and outside it goes to the page", async () => {
      const v1 = (await received(CORP_B, 'zhangsan', 'Order 7 (CRM)'))[0].content.url as string;
      const v2 = ((await received(CORP_B, 'zhangsan', 'Weekly (CRM)'))[0].content.card_action as { url: string }).url;
      for (const [link, callback, page] of [
        [v1, `/apps/${CRM}/wecom/callback`, `/apps/${CRM}/admin/orders/7`],
        [v2, `/v/apps/${CRM}/wecom/callback`, `/v/apps/${CRM}/admin/reports`],
      ]) {
        const phone = new WecomUser(w.t.url, WECOM_UA, CRM);
        const query = Object.fromEntries(new URL(link).searchParams);
        const back = await phone.inClientLogin(query.authenticator, 'zhangsan', query);
        expect(back.url.pathname).toBe(callback);
        const signedIn = await answer(await phone.signIn(query.authenticator, { code: back.code, state: back.state }));
        expect(signedIn.status).toBe(200);
        expect(signedIn.body.data!.redirect).toBe(page);
        const check = await fetch(`${w.t.url}/api/auth:check`, { headers: { 'x-app': CRM, authorization: `Bearer ${signedIn.body.data!.token}` } });
        expect(((await check.json()) as { data: { phone: string } }).data.phone).toBe('13800000091');

        const desktop = await fetch(link, { redirect: 'manual', headers: { 'user-agent': DESKTOP_UA } });
        expect([desktop.status, desktop.headers.get('location')]).toEqual([302, page]);
      }
    });

    it("refuses in a sub-app a link off the site, and sends nothing", async () => {
      const log = await send(crm, { msgtype: 'textcard', title: 'Elsewhere (CRM)', description: 'D', url: 'https://elsewhere.example/apps/x' });
      expect(log.status).toBe('failure');
      expect(log.reason).toBe(`Link must be a path of this app (like /admin) or an address on ${w.t.url}.`);
      expect(await received(CORP_B, 'zhangsan', 'Elsewhere (CRM)')).toEqual([]);
    });

    it("leads the main app's links to its own start URL: a path from the site's root", async () => {
      expect((await send(main, { msgtype: 'textcard', title: 'Order 7 (main)', description: 'D', url: '/admin/orders/7' })).status).toBe('success');
      expect((await received(CORP_ID, 'zhangsan', 'Order 7 (main)'))[0].content.url).toBe(signedIn(undefined, '/admin/orders/7'));
      expect((await send(main, { msgtype: 'textcard', title: 'Home (main)', description: 'D' })).status).toBe('success');
      expect((await received(CORP_ID, 'zhangsan', 'Home (main)'))[0].content.url).toBe(signedIn(undefined, '/admin'));
    });
  });

  describe('sign-in secret shared with the main app (NocoBase signs every app\'s tokens with one secret unless a sub-app has its own)', () => {
    const accepted = 'WeCom accepted the Company ID, AgentId and the saved Secret.';

    it('warns, with the option to set, in a sub-app that shares the main app\'s secret: the form\'s question and Check configuration, in the UI language', async () => {
      expect(await crm.request('GET', 'wecom:signInSecret', undefined, { 'x-locale': 'en-US' })).toEqual({ status: 200, data: { shared: true, message: SHARED_SECRET_WARNING } });
      expect(await crm.request('GET', 'wecom:signInSecret', undefined, { 'x-locale': 'zh-CN' })).toEqual({ status: 200, data: { shared: true, message: SHARED_SECRET_WARNING_ZH } });
      const check = await crm.request('POST', 'wecom:checkConfig', { name: 'wecom', options: { corpId: CORP_B, agentId: AGENT_B, origin: origin() } }, { 'x-locale': 'en-US' });
      expect(check).toEqual({ status: 200, data: { ok: true, secret: 'saved', message: accepted, warning: SHARED_SECRET_WARNING } });
      // A failed check says it too.
      const failed = await crm.request<{ ok: boolean; warning?: string }>('POST', 'wecom:checkConfig', { name: 'wecom', options: { corpId: CORP_B, agentId: '1000999', origin: origin() } }, { 'x-locale': 'en-US' });
      expect({ ok: failed.data!.ok, warning: failed.data!.warning }).toEqual({ ok: false, warning: SHARED_SECRET_WARNING });
    });

    it('says nothing in a sub-app with a secret of its own, nor in the main app', async () => {
      expect(await hr.request('GET', 'wecom:signInSecret', undefined, { 'x-locale': 'en-US' })).toEqual({ status: 200, data: { shared: false } });
      expect(await main.request('GET', 'wecom:signInSecret', undefined, { 'x-locale': 'en-US' })).toEqual({ status: 200, data: { shared: false } });
      const check = await hr.request('POST', 'wecom:checkConfig', { name: 'wecom', options: { corpId: CORP_ID, agentId: AGENT_ID, origin: origin() } }, { 'x-locale': 'en-US' });
      expect(check).toEqual({ status: 200, data: { ok: true, secret: 'saved', message: accepted } });
    });

    it('refuses the question to an anonymous caller', async () => {
      expect((await new AppApi(w.t.url, CRM).request('GET', 'wecom:signInSecret')).status).toBe(401);
    });

    it("refuses in the main app (401) the WeCom sign-in token of a sub-app with its own secret, where a sharing sub-app's token passes as the main app's user with the same id", async () => {
      const check = (token: string, app?: string) =>
        fetch(`${w.t.url}/api/auth:check`, { headers: { ...(app ? { 'x-app': app } : {}), 'x-authenticator': 'wecom', authorization: `Bearer ${token}` } });
      const fromHr = await answer(await new WecomUser(w.t.url, WECOM_UA, HR).signInInClient('wecom', 'zhangsan'));
      expect(fromHr.status).toBe(200);
      const hrToken = fromHr.body.data!.token;
      expect((await check(hrToken, HR)).status).toBe(200);
      expect((await check(hrToken)).status).toBe(401);
      // What the warning is about (NocoBase's own behaviour): CRM's token is the user with the same id in the main app.
      const fromCrm = await answer(await new WecomUser(w.t.url, WECOM_UA, CRM).signInInClient('wecom', 'zhangsan'));
      expect(fromCrm.body.data!.user.id).toBe(zhang.get(crm));
      const inMain = await check(fromCrm.body.data!.token);
      expect(inMain.status).toBe(200);
      expect(((await inMain.json()) as { data: { id: number } }).data.id).toBe(zhang.get(crm));
    });
  });

  describe('rate limit on the start URL', () => {
    it("answers a sub-app's start over the limit with 429 and a retry link on the sub-app's /api/__app/<name>/ start URL", async () => {
      const limiter = ((await AppSupervisor.getInstance().getApp(CRM)).pm.get('@nocobase/plugin-auth-wecom') as unknown as { signIn: { startLimiter: { now: () => number } } })
        .signIn.startLimiter;
      const realNow = limiter.now;
      const now = Date.now();
      limiter.now = () => now; // the test does not depend on how fast the machine is
      try {
        const start = () =>
          fetch(`${w.t.url}/api/__app/${CRM}/wecom:authorize?authenticator=wecom&locale=en-US`, { redirect: 'manual', headers: { 'x-forwarded-for': '203.0.113.61' } });
        for (let i = 0; i < START_LIMIT; i++) expect((await start()).status).toBe(302);
        const res = await start();
        expect(res.status).toBe(429);
        expect(await res.text()).toContain(`<a href="/api/__app/${CRM}/wecom:authorize?authenticator=wecom&#38;locale=en-US">Try again</a>`);
      } finally {
        limiter.now = realNow;
      }
    });
  });
});
