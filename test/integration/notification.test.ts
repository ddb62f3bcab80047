// The `wecom` notification channel: a real app with NocoBase's notification manager, the sandbox over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../sandbox';
import { AGENT_ID, callsDuring, CORP_ID, createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';
import { WecomUser } from '../helpers/wecom-user';

interface SendLog {
  status: 'success' | 'failure';
  reason?: string | null;
  channelName: string;
}

type Json = Record<string, unknown>;

describe('WeCom notification channel', () => {
  let w: WecomApp;
  let sent = 0;
  /** NocoBase user ids by sandbox userid */
  const users: Record<string, number> = {};

  async function createUser(nickname: string): Promise<number> {
    const user = await w.t.app.db.getRepository('users').create({ values: { nickname, username: `u_${nickname.replace(/\W/g, '_').toLowerCase()}` } });
    return Number(user.get('id'));
  }

  /** The link a first WeCom sign-in leaves behind (uuid = userid, meta.corpId). */
  async function link(userId: number, userid: string, authenticator = 'wecom', corpId = CORP_ID) {
    await w.t.app.db.getRepository('usersAuthenticators').create({
      values: { authenticator, userId, uuid: userid, nickname: userid, avatar: '', meta: { corpId, userid } },
    });
  }

  async function inbox(userid: string): Promise<InboxMessage[]> {
    const res = await fetch(`${w.sandbox.url}/__sandbox/inbox/${userid}`);
    return ((await res.json()) as { messages: InboxMessage[] }).messages;
  }

  async function createChannel(name: string, authenticator: unknown, headers: Record<string, string> = {}) {
    return w.admin.post('notificationChannels:create', { name, title: `WeCom ${name}`, notificationType: 'wecom', options: { authenticator } }, headers);
  }

  /** messages:send as an API client does, then the send log once the queue has run it. */
  async function send(body: Json): Promise<SendLog> {
    const triggerFrom = `test-${++sent}`;
    await w.admin.post('messages:send', { channelName: 'wecom', ...body, triggerFrom });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const logs = await w.admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) });
      if (logs.length) return logs[0];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no send log for ${triggerFrom}`);
  }

  const to = (...userids: string[]) => ({ type: 'userId', value: userids.map((u) => users[u]) });

  beforeAll(async () => {
    const config = testConfig();
    const corp = config.corps[0];
    corp.apps.push({ agentId: '1000003', secret: 'other-app-secret-0123456789', name: 'Other app', trustedDomains: [], visibleTo: 'all' });
    corp.members.push({ userid: 'unlicensed', name: 'No Licence', licensed: false });
    corp.apps[0].visibleTo = [...(corp.apps[0].visibleTo as string[]), 'unlicensed'];
    // 1,001 members for the batching test, all visible.
    for (let i = 0; i < 1001; i++) corp.members.push({ userid: `bulk${i}`, name: `Bulk ${i}` });
    corp.apps[0].visibleTo = [...(corp.apps[0].visibleTo as string[]), ...Array.from({ length: 1001 }, (_, i) => `bulk${i}`)];

    w = await createWecomApp(config, { WECOM_TIMEOUT_MS: '2000' }, ['notification-manager']);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('other-agent', { agentId: '1000003' });
    await w.addAuthenticator('disabled', {}, { enabled: false });
    await createChannel('wecom', 'wecom');
    await createChannel('other-agent', 'other-agent');

    for (const [userid, name] of [
      ['zhangsan', 'Zhang San'],
      ['lisi', 'Li Si'],
      ['zhaoliu', 'Zhao Liu'],
      ['unlicensed', 'No Licence'],
    ]) {
      users[userid] = await createUser(name);
      await link(users[userid], userid);
    }
    users.unlinked = await createUser('Not Linked');
    users.elsewhere = await createUser('Other Corp');
    await link(users.elsewhere, 'wangwu', 'wecom', 'wwanothercorp00001');
  });
  afterAll(async () => {
    await w?.destroy();
  });
  beforeEach(async () => {
    w.sandbox.reset();
    // The sandbox forgot its tokens: so does the app, for exact call counts.
    await (w.t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { services: { tokenCache: { reset(): Promise<void> } } }).services.tokenCache.reset();
  });

  /** The signed-in link of a page of the app (src/server/common/signed-in-links.ts), written out. */
  const signedIn = (redirect: string, v2 = false) =>
    `${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none${v2 ? '&client=v2' : ''}&fallback=page&redirect=${redirect}`;

  it('delivers a text card over a channel created through the API, its path made a signed-in link on the Origin', async () => {
    await createChannel('acceptance', 'wecom');
    const { result: log, calls } = await callsDuring(w.sandbox, () =>
      send({
        channelName: 'acceptance',
        message: { msgtype: 'textcard', title: 'Leave approved', description: 'Your leave on 2 Dec was approved.', url: '/admin/leaves/7', btntxt: 'Open' },
        receivers: to('zhangsan'),
      }),
    );
    expect(log).toMatchObject({ status: 'success', channelName: 'acceptance' });
    expect(calls).toEqual({ gettoken: 1, 'message/send': 1 });
    const [message] = await inbox('zhangsan');
    expect(message.msgtype).toBe('textcard');
    expect(message.agentId).toBe(AGENT_ID);
    expect(message.content).toEqual({ title: 'Leave approved', description: 'Your leave on 2 Dec was approved.', url: signedIn('/admin/leaves/7'), btntxt: 'Open' });
  });

  it('delivers a text message', async () => {
    const log = await send({ message: { msgtype: 'text', content: '你好, a reminder:\nsubmit the report.' }, receivers: to('zhangsan') });
    expect(log.status).toBe('success');
    const [message] = await inbox('zhangsan');
    expect(message).toMatchObject({ msgtype: 'text', content: { content: '你好, a reminder:\nsubmit the report.' } });
  });

  it('delivers a markdown message', async () => {
    const log = await send({ message: { msgtype: 'markdown', content: '# Weekly report\n**3** tasks open' }, receivers: to('lisi') });
    expect(log.status).toBe('success');
    const [message] = await inbox('lisi');
    expect(message).toMatchObject({ msgtype: 'markdown', content: { content: '# Weekly report\n**3** tasks open' } });
  });

  it('delivers text and markdown whose links lead into the app, each made a signed-in link', async () => {
    const text = await send({
      message: { msgtype: 'text', content: `Approved: <a href="/admin/leaves/7">leave #7</a>, or ${w.t.url}/v/admin/leaves` },
      receivers: to('zhangsan'),
    });
    expect(text).toMatchObject({ status: 'success', reason: null });
    const markdown = await send({ message: { msgtype: 'markdown', content: `[Open](/admin/leaves/7) or [v2](${w.t.url}/v/admin)` }, receivers: to('zhangsan') });
    expect(markdown).toMatchObject({ status: 'success', reason: null });
    expect((await inbox('zhangsan')).map((m) => m.content.content)).toEqual([
      `Approved: <a href="${signedIn('/admin/leaves/7').replace(/&/g, '&amp;')}">leave #7</a>, or ${signedIn('/v/admin/leaves', true)}`,
      `[Open](${signedIn('/admin/leaves/7')}) or [v2](${signedIn('/v/admin', true)})`,
    ]);
  });

  it('delivers a text_notice template card with its action linking into the app', async () => {
    const log = await send({
      message: {
        msgtype: 'template_card',
        template_card: { main_title: { title: 'Purchase request', desc: 'Needs your approval' }, sub_title_text: '3 laptops', card_action: { url: '/admin/approvals' } },
      },
      receivers: to('zhangsan'),
    });
    expect(log.status).toBe('success');
    const [message] = await inbox('zhangsan');
    expect(message.msgtype).toBe('template_card');
    expect(message.content).toEqual({
      card_type: 'text_notice',
      main_title: { title: 'Purchase request', desc: 'Needs your approval' },
      sub_title_text: '3 laptops',
      card_action: { type: 1, url: signedIn('/admin/approvals') },
    });
  });

  it('logs a partial delivery as sent, naming who was reached and who was not (unlinked, linked under another Company ID) and why', async () => {
    const { result: log, calls } = await callsDuring(w.sandbox, () =>
      send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan', 'lisi', 'unlinked', 'elsewhere') }),
    );
    expect(log.status).toBe('success');
    expect(log.reason).toBe(
      `Sent to 2 of 4 recipients: Zhang San (#${users.zhangsan}), Li Si (#${users.lisi}).\n` +
        `Not sent to Not Linked (#${users.unlinked}). They are not linked to WeCom: they have not signed in with this WeCom authenticator yet.\n` +
        `Not sent to Other Corp (#${users.elsewhere}). They are linked to a member of another Company ID: they signed in before the authenticator's Company ID changed.`,
    );
    expect(calls['message/send']).toBe(1);
    expect(await inbox('zhangsan')).toHaveLength(1);
    expect(await inbox('lisi')).toHaveLength(1);
    expect(await inbox('wangwu')).toHaveLength(0);
  });

  it("reports WeCom's invaliduser and unlicenseduser as not reached, and delivers to the rest", async () => {
    const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan', 'zhaoliu', 'unlicensed') });
    expect(log.status).toBe('success');
    expect(log.reason).toBe(
      `Sent to 1 of 3 recipients: Zhang San (#${users.zhangsan}).\n` +
        `Not sent to Zhao Liu (#${users.zhaoliu}). WeCom listed them as invalid users (invaliduser): WeCom does not know them, or they are not in the app's visible range.\n` +
        `Not sent to No Licence (#${users.unlicensed}). WeCom listed them as unlicensed (unlicenseduser): they have no WeCom account licence.`,
    );
    expect(await inbox('zhangsan')).toHaveLength(1);
    expect(await inbox('zhaoliu')).toHaveLength(0);
  });

  it('sends 1,001 recipients in two message/send calls, their links read in one query', { timeout: 120_000 }, async () => {
    // Plain inserts: the users repository's hooks take a minute and a half for 1,001 users on this machine.
    const created = await w.t.app.db
      .getModel('users')
      .bulkCreate(Array.from({ length: 1001 }, (_, i) => ({ nickname: `Bulk ${i}`, username: `bulk_${i}` })), { hooks: false, returning: true });
    const ids = created.map((user) => Number(user.get('id')));
    await w.t.app.db.getModel('usersAuthenticators').bulkCreate(
      ids.map((userId, i) => ({ authenticator: 'wecom', userId, uuid: `bulk${i}`, nickname: `bulk${i}`, avatar: '', meta: { corpId: CORP_ID, userid: `bulk${i}` } })),
      { hooks: false },
    );
    const lookups: string[] = [];
    w.t.app.db.sequelize.addHook('afterQuery', 'link-lookups', (_options, query) => {
      const sql = String((query as unknown as { sql?: string }).sql);
      // `usersAuthenticators` on SQLite, "public"."usersAuthenticators" or "usersAuthenticators" on PostgreSQL.
      if (/FROM\s+\S*usersAuthenticators\S*\s[\s\S]* IN \(/.test(sql)) lookups.push(sql);
    });
    try {
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ message: { msgtype: 'text', content: 'all hands' }, receivers: { type: 'userId', value: ids } }));
      expect(log).toMatchObject({ status: 'success' });
      expect(calls).toEqual({ gettoken: 1, 'message/send': 2 });
    } finally {
      w.t.app.db.sequelize.removeHook('afterQuery', 'link-lookups');
    }
    expect(lookups).toHaveLength(1);
    expect(await inbox('bulk0')).toHaveLength(1);
    expect(await inbox('bulk1000')).toHaveLength(1);
  });

  describe("WeCom's refusals become the sign-in's reasons in the send log", () => {
    it('60020: names the server IP missing from the Corporate Trusted IP list', async () => {
      w.sandbox.config.corps[0].apps[0].trustedIps = ['203.0.113.9'];
      try {
        const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan') });
        expect(log.status).toBe('failure');
        expect(log.reason).toBe(
          `Sent to 0 of 1 recipients.\nNot sent to Zhang San (#${users.zhangsan}). ` +
            "This server's IP address 127.0.0.1 is not in the app's Corporate Trusted IP list. Add it in the WeCom admin console.",
        );
      } finally {
        w.sandbox.config.corps[0].apps[0].trustedIps = [];
      }
    });

    it('48002: the Secret is not the app\'s or lacks the permission', async () => {
      w.sandbox.inject({ endpoint: 'message/send', errcode: 48002 });
      const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan') });
      expect(log.reason).toContain("WeCom refused the call: the Secret is not the app's Secret, or the app lacks the permission.");
    });

    it('81013: none of the recipients is in the visible range', async () => {
      const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhaoliu') });
      expect(log.status).toBe('failure');
      expect(log.reason).toContain("None of the recipients can receive messages from this WeCom app: they are not members, or not in the app's visible range.");
    });

    it('301002: the AgentId is not the app of the Secret', async () => {
      await link(users.zhangsan, 'zhangsan', 'other-agent');
      const log = await send({ channelName: 'other-agent', message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan') });
      expect(log.status).toBe('failure');
      expect(log.reason).toContain('The AgentId is not valid for this Secret. Check the AgentId in the authenticator settings.');
      expect(await inbox('zhangsan')).toHaveLength(0);
    });

    it.each([45009, 45033])('%i: WeCom is busy', async (errcode) => {
      w.sandbox.inject({ endpoint: 'message/send', errcode });
      const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan') });
      expect(log.status).toBe('failure');
      expect(log.reason).toContain('WeCom is busy. Please try again in a minute.');
    });

    it('42001: refreshes the token once and delivers', async () => {
      await send({ message: { msgtype: 'text', content: 'warm the token' }, receivers: to('lisi') });
      w.sandbox.expireToken(42001);
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ message: { msgtype: 'text', content: 'after expiry' }, receivers: to('zhangsan') }));
      expect(log.status).toBe('success');
      expect(calls).toEqual({ gettoken: 1, 'message/send': 2 });
      expect((await inbox('zhangsan')).map((m) => m.content.content)).toEqual(['after expiry']);
    });

    it('a WeCom that does not answer ends as a failure in the log within the timeout', async () => {
      w.sandbox.inject({ endpoint: 'message/send', delayMs: 10_000 });
      const log = await send({ message: { msgtype: 'text', content: 'hello' }, receivers: to('zhangsan') });
      expect(log.status).toBe('failure');
      expect(log.reason).toContain('WeCom did not answer in time. Please try again.');
    });
  });

  describe('bad input: a clear reason and nothing sent', () => {
    it.each([
      ['an empty text', { msgtype: 'text', content: '  ' }, 'The message has no Content.'],
      ['a text over 2,048 bytes', { msgtype: 'text', content: '长'.repeat(683) }, 'Content is longer than WeCom allows (2048 bytes).'],
      ['an unknown msgtype', { msgtype: 'news', content: 'x' }, 'The message type must be text, textcard, markdown or template_card.'],
      ['an off-site link', { msgtype: 'textcard', title: 't', description: 'd', url: 'https://evil.example/phish' }, 'Link must be a path of this app (like /admin) or an address on '],
      ['a protocol-relative link', { msgtype: 'textcard', title: 't', description: 'd', url: '//evil.example' }, 'Link must be a path of this app'],
      ['a button text over 4 characters', { msgtype: 'textcard', title: 't', description: 'd', btntxt: 'Open it' }, 'Button text is longer than WeCom allows (4 characters).'],
      ['a title over 128 bytes', { msgtype: 'textcard', title: 'x'.repeat(129), description: 'd' }, 'Title is longer than WeCom allows (128 bytes).'],
      ['a card of another type', { msgtype: 'template_card', template_card: { card_type: 'news_notice', main_title: { title: 't' }, card_action: { url: '/' } } }, 'Only template cards of type text_notice can be sent.'],
    ])('refuses %s', async (_, message, reason) => {
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ message, receivers: to('zhangsan') }));
      expect(log.status).toBe('failure');
      expect(log.reason).toContain(reason);
      expect(calls).toEqual({});
    });

    it.each([
      ['a text with an <a href> to javascript:', 'text', 'Your leave: <a href="javascript:alert(1)">open</a>', 'javascript:alert(1)'],
      ['a text with an <a href> to another site', 'text', "Your leave: <a href='https://evil.example/phish'>open</a>", 'https://evil.example/phish'],
      ['a text with a bare address on another site', 'text', 'Sign in again at https://evil.example/login.', 'https://evil.example/login'],
      ['a markdown link to javascript:', 'markdown', '**Leave** [open](javascript:alert(1))', 'javascript:alert(1)'],
      ['a protocol-relative markdown link', 'markdown', '[open](//evil.example/x)', '//evil.example/x'],
      ['a markdown link to another site', 'markdown', '[open](https://evil.example/phish "Your leave")', 'https://evil.example/phish'],
    ])('refuses %s, and sends nothing', async (_, msgtype, content, link) => {
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ message: { msgtype, content }, receivers: to('zhangsan') }));
      expect(log.status).toBe('failure');
      expect(log.reason).toBe(`The link ${link} in Content must be a path of this app (like /admin) or an address on ${w.t.url}.`);
      expect(calls).toEqual({});
      expect(await inbox('zhangsan')).toEqual([]);
    });

    it.each([
      ['user names instead of ids', { type: 'userId', value: ['zhangsan'] }],
      ['another receiver type', { type: 'email', value: [1] }],
      ['a bare list', [1, 2]],
    ])('refuses receivers given as %s', async (_, receivers) => {
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ message: { msgtype: 'text', content: 'x' }, receivers }));
      expect(log.reason).toBe('The recipients must be given as { type: "userId", value: [user IDs] }.');
      expect(calls).toEqual({});
    });

    it('refuses to save a channel without a WeCom authenticator it can send as', async () => {
      await expect(createChannel('unknown', 'nope')).rejects.toThrow('The WeCom authenticator "nope" does not exist or is disabled.');
      await expect(createChannel('disabled', 'disabled')).rejects.toThrow('The WeCom authenticator "disabled" does not exist or is disabled.');
      await expect(createChannel('basic', 'basic')).rejects.toThrow('The authenticator "basic" is not a WeCom authenticator.');
      await expect(createChannel('none', '')).rejects.toThrow('Choose the WeCom authenticator this channel sends as.');
      await expect(createChannel('zh', 'nope', { 'x-locale': 'zh-CN' })).rejects.toThrow('企业微信认证器“nope”不存在或已禁用。');
      const channels = await w.admin.get<{ name: string }[]>('notificationChannels:list', { filter: JSON.stringify({ notificationType: 'wecom' }) });
      expect(channels.map((c) => c.name).sort()).toEqual(['acceptance', 'other-agent', 'wecom']);
    });

    it('refuses a {{$env.X}} authenticator without rendering it: the refusal does not hold the value', async () => {
      const value = 'db-password-Hq27wLm4';
      await w.admin.post('environmentVariables:create', { name: 'WECOM_CHANNEL_DB_PASSWORD', type: 'secret', value });
      const refusal = await createChannel('variable', '{{$env.WECOM_CHANNEL_DB_PASSWORD}}').then(
        () => 'saved',
        (error: Error) => error.message,
      );
      expect(refusal).toContain('The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.');
      expect(refusal).not.toContain(value);
      const channels = await w.admin.get<{ name: string }[]>('notificationChannels:list', { filter: JSON.stringify({ name: 'variable' }) });
      expect(channels).toEqual([]);
    });

    it('tells in the log when the authenticator was disabled after the channel was saved', async () => {
      await w.addAuthenticator('later-disabled');
      await createChannel('later', 'later-disabled');
      await w.t.app.db.getRepository('authenticators').update({ filter: { name: 'later-disabled' }, values: { enabled: false } });
      const { result: log, calls } = await callsDuring(w.sandbox, () => send({ channelName: 'later', message: { msgtype: 'text', content: 'x' }, receivers: to('zhangsan') }));
      expect(log.reason).toBe('The WeCom authenticator "later-disabled" does not exist or is disabled.');
      expect(calls).toEqual({});
    });
  });

  it("takes the recipients of a workflow's notification node: its user selection in the message", async () => {
    // What plugin-workflow-notification sends: no `receivers`, the node's config (user ids and user queries) in the message.
    const log = await send({ message: { msgtype: 'text', content: 'from a workflow', receivers: [users.zhangsan, { filter: { nickname: 'Li Si' } }] } });
    expect(log.status).toBe('success');
    expect((await inbox('zhangsan')).map((m) => m.content.content)).toEqual(['from a workflow']);
    expect((await inbox('lisi')).map((m) => m.content.content)).toEqual(['from a workflow']);
  });

  it("writes the send log in the app's language", async () => {
    const settings = w.t.app.db.getRepository('systemSettings');
    await settings.update({ filterByTk: 1, values: { appLang: 'zh-CN' } });
    try {
      const log = await send({ message: { msgtype: 'text', content: '你好' }, receivers: to('unlinked') });
      expect(log.reason).toBe(`已发送给 1 个接收人中的 0 个。\n未发送给 Not Linked (#${users.unlinked})。他们未关联企业微信：尚未通过此企业微信认证器登录过。`);
      const partial = await send({ message: { msgtype: 'text', content: '你好' }, receivers: to('zhangsan', 'unlinked') });
      expect(partial).toMatchObject({
        status: 'success',
        reason: `已发送给 2 个接收人中的 1 个：Zhang San (#${users.zhangsan})。\n未发送给 Not Linked (#${users.unlinked})。他们未关联企业微信：尚未通过此企业微信认证器登录过。`,
      });
      const bad = await send({ message: { msgtype: 'textcard', title: 't', description: 'd', url: 'https://evil.example' }, receivers: to('zhangsan') });
      expect(bad.reason).toBe(`链接必须是本应用的路径（如 /admin）或 ${w.t.url} 上的地址。`);
      const markdown = await send({ message: { msgtype: 'markdown', content: '[x](javascript:alert(1))' }, receivers: to('zhangsan') });
      expect(markdown.reason).toBe(`内容 中的链接 javascript:alert(1) 必须是本应用的路径（如 /admin）或 ${w.t.url} 上的地址。`);
    } finally {
      await settings.update({ filterByTk: 1, values: { appLang: 'en-US' } });
    }
  });

  it('shares one access token per app with the sign-in', async () => {
    await send({ message: { msgtype: 'text', content: 'first' }, receivers: to('zhangsan') });
    const { result, calls } = await callsDuring(w.sandbox, () => new WecomUser(w.t.url).signInWithQr('wecom', 'zhangsan'));
    expect(result.status).toBe(200);
    expect(calls).toEqual({ 'auth/getuserinfo': 1 });
  });
});
