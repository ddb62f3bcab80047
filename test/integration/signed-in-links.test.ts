// Links in WeCom messages that open the page signed in (#21, part 2): the app channel sends each link to a page
// as the start URL with prompt=none; followed in the WeCom client it signs the member in through the sandbox's
// silent OAuth and lands on the page, followed elsewhere it goes to the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../sandbox';
import { addZhangSan, createWecomApp, WecomApp, ZHANG_SAN } from '../helpers/wecom-app';
import { DESKTOP_UA, WECOM_UA, WecomUser } from '../helpers/wecom-user';

interface SendLog {
  status: 'success' | 'failure';
  reason?: string | null;
}

describe('links in WeCom messages that open signed in', () => {
  let w: WecomApp;
  let sent = 0;
  /** The user (no root role) zhangsan is linked to. */
  let zhang: number;

  /** messages:send through the `wecom` channel to Zhang San's user (linked to zhangsan), then its send log. */
  async function send(message: Record<string, unknown>): Promise<SendLog> {
    const triggerFrom = `signed-in-links-${++sent}`;
    await w.admin.post('messages:send', { channelName: 'wecom', message, receivers: { type: 'userId', value: [zhang] }, triggerFrom });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const logs = await w.admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) });
      if (logs.length) return logs[0];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no send log for ${triggerFrom}`);
  }

  async function lastMessage(): Promise<InboxMessage> {
    const res = await fetch(`${w.sandbox.url}/__sandbox/inbox/zhangsan`);
    return ((await res.json()) as { messages: InboxMessage[] }).messages.at(-1)!;
  }

  /**
   * A tap on `link` in the WeCom client, as the member's WebView follows it: the start URL, WeCom's silent OAuth,
   * the callback page's auth:signIn. Answers the callback page's path and what auth:signIn answered.
   */
  async function tapInClient(link: string) {
    const phone = new WecomUser(w.t.url, WECOM_UA);
    const query = Object.fromEntries(new URL(link).searchParams);
    const back = await phone.inClientLogin(query.authenticator, 'zhangsan', query);
    const res = await phone.signIn(query.authenticator, { code: back.code, state: back.state });
    const body = (await res.json()) as { data: { token: string; redirect: string }; errors?: { code: string; message: string }[] };
    return { callback: back.url.pathname, status: res.status, data: body.data, error: body.errors?.[0] };
  }

  async function signedInAs(token: string): Promise<string> {
    const res = await fetch(`${w.t.url}/api/auth:check`, { headers: { authorization: `Bearer ${token}`, 'x-authenticator': 'wecom' } });
    return ((await res.json()) as { data: { email: string } }).data.email;
  }

  /** The same link opened in a browser outside WeCom: the start URL's answer. */
  const openOutside = (link: string) => fetch(link, { redirect: 'manual', headers: { 'user-agent': DESKTOP_UA } });

  beforeAll(async () => {
    w = await createWecomApp(undefined, {}, ['notification-manager']);
    zhang = await addZhangSan(w.admin);
    await w.addAuthenticator('wecom');
    await w.admin.post('notificationChannels:create', { name: 'wecom', title: 'WeCom', notificationType: 'wecom', options: { authenticator: 'wecom' } });
    // zhangsan's first in-client sign-in links him to his user (same mobile number).
    expect((await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'zhangsan')).status).toBe(200);
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('sends a text card whose link, tapped in the WeCom client, signs the member in and lands on the page, query and hash kept', async () => {
    expect(await send({ msgtype: 'textcard', title: 'Leave 7', description: 'Approved', url: '/admin/leaves/7?tab=2#note' })).toMatchObject({ status: 'success' });
    const link = (await lastMessage()).content.url as string;
    expect(link).toBe(`${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/leaves/7%3Ftab%3D2%23note`);

    const tap = await tapInClient(link);
    expect(tap).toMatchObject({ callback: '/wecom/callback', status: 200, data: { redirect: '/admin/leaves/7?tab=2#note' } });
    expect(await signedInAs(tap.data.token)).toBe(ZHANG_SAN.email);
  });

  it('opens the page outside the WeCom client, starting no login', async () => {
    await send({ msgtype: 'textcard', title: 'Leave 8', description: 'Approved', url: '/admin/leaves/8#note' });
    const res = await openOutside((await lastMessage()).content.url as string);
    expect([res.status, res.headers.get('location')]).toEqual([302, '/admin/leaves/8#note']);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('sends markdown whose /v/ link signs in through the modern callback page and lands on the /v/ page', async () => {
    expect(await send({ msgtype: 'markdown', content: 'Leave **9**: [open](/v/admin/leaves/9)' })).toMatchObject({ status: 'success' });
    const content = (await lastMessage()).content.content as string;
    const link = /\((.*)\)/.exec(content)![1];
    expect(link).toBe(`${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v/admin/leaves/9`);

    const tap = await tapInClient(link);
    expect(tap).toMatchObject({ callback: '/v/wecom/callback', status: 200, data: { redirect: '/v/admin/leaves/9' } });
    expect(await signedInAs(tap.data.token)).toBe(ZHANG_SAN.email);
    const outside = await openOutside(link);
    expect(outside.headers.get('location')).toBe('/v/admin/leaves/9');
  });

  it('sends the links of a text message and a template card signed in, the address of a stored file as it is', async () => {
    await send({ msgtype: 'text', content: `Leave 10: <a href="/m/leaves/10">open</a>, file ${w.t.url}/storage/uploads/leave.pdf` });
    expect((await lastMessage()).content.content).toBe(
      `Leave 10: <a href="${w.t.url}/api/wecom:authorize?authenticator=wecom&amp;prompt=none&amp;fallback=page&amp;redirect=/m/leaves/10">open</a>, file ${w.t.url}/storage/uploads/leave.pdf`,
    );
    await send({ msgtype: 'template_card', template_card: { main_title: { title: 'Leave 11' }, card_action: { url: `${w.t.url}/admin/leaves/11` } } });
    const url = ((await lastMessage()).content.card_action as { url: string }).url;
    expect((await tapInClient(url)).data.redirect).toBe('/admin/leaves/11');
  });

  it('signs no one in when the tapping member is linked to a user with the root role: refused on this app\'s callback page, no token', async () => {
    await send({ msgtype: 'textcard', title: 'Leave 12', description: 'Approved', url: '/admin/leaves/12' });
    const link = (await lastMessage()).content.url as string;
    const rolesUsers = w.t.app.db.getModel('rolesUsers');
    // NocoBase's own saves refuse the root role (plugin-acl's rolesUsers.beforeSave): it is given in the database.
    await rolesUsers.create({ userId: zhang, roleName: 'root' }, { hooks: false });
    try {
      const tap = await tapInClient(link);
      expect(tap).toMatchObject({ callback: '/wecom/callback', status: 403, error: { code: 'WECOM_ROOT_USER' } });
      expect(tap.data).toBeUndefined();
    } finally {
      await rolesUsers.destroy({ where: { userId: zhang, roleName: 'root' }, hooks: false });
    }
    expect(await signedInAs((await tapInClient(link)).data.token)).toBe(ZHANG_SAN.email);
  });

  it('refuses a text or markdown message with a javascript: or off-site link, sending nothing', async () => {
    const before = await lastMessage();
    const text = await send({ msgtype: 'text', content: 'Open <a href="javascript:alert(1)">this</a>' });
    expect(text).toMatchObject({ status: 'failure', reason: `The link javascript:alert(1) in Content must be a path of this app (like /admin) or an address on ${w.t.url}.` });
    const markdown = await send({ msgtype: 'markdown', content: '[Open](https://evil.example/leave)' });
    expect(markdown).toMatchObject({ status: 'failure', reason: `The link https://evil.example/leave in Content must be a path of this app (like /admin) or an address on ${w.t.url}.` });
    expect(await lastMessage()).toEqual(before);
  });

  it('sends a made-up link outside the client to a page of this site only, and leaves the sign-in button unchanged', async () => {
    const start = (query: string) => openOutside(`${w.t.url}/api/wecom:authorize?${query}`);
    for (const query of [
      'authenticator=wecom&prompt=none&fallback=page&redirect=//evil.example/x',
      'authenticator=wecom&prompt=none&fallback=page&redirect=https://evil.example',
      'authenticator=wecom&prompt=none&fallback=page&redirect=/%5Cevil.example',
      'authenticator=nosuch&prompt=none&fallback=page&redirect=javascript:alert(1)',
    ]) {
      expect((await start(query)).headers.get('location'), query).toBe('/admin');
    }
    // The callback page's "Try again" (prompt=none, no fallback) still leads to WeCom's web login outside the client.
    const retry = await start('authenticator=wecom&prompt=none&redirect=/admin/x');
    expect(new URL(retry.headers.get('location')!).pathname).toBe('/wwlogin/sso/login');
  });
});
