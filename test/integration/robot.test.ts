// The `wecom-robot` channel: a real app with NocoBase's notification manager, the sandbox's group robots over HTTP.
// The robot's limit is 3 messages per 1.5 s here (sandbox and app alike), so the waits stay short.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroupMessage } from '../../sandbox';
import { createWecomApp, testConfig, WecomApp } from '../helpers/wecom-app';

interface SendLog {
  status: 'success' | 'failure';
  reason?: string | null;
  channelName: string;
}

type Json = Record<string, unknown>;

const KEY = '5c3a1f0e-7d2b-4c8a-9e6f-0a1b2c3d4e5f';
const GROUP = '项目群 Project group';
const WEBHOOK = (key: string) => `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`;

describe('WeCom group-robot channel', () => {
  let w: WecomApp;
  let sent = 0;
  const users: Record<string, number> = {};

  async function createUser(nickname: string, phone?: string): Promise<number> {
    const user = await w.t.app.db.getRepository('users').create({ values: { nickname, username: `r_${nickname.replace(/\W/g, '_').toLowerCase()}`, phone } });
    return Number(user.get('id'));
  }

  async function group(name = GROUP): Promise<GroupMessage[]> {
    const res = await fetch(`${w.sandbox.url}/__sandbox/groups/${encodeURIComponent(name)}`);
    return ((await res.json()) as { messages: GroupMessage[] }).messages;
  }

  async function createChannel(name: string, options: Json) {
    return w.admin.post('notificationChannels:create', { name, title: `Robot ${name}`, notificationType: 'wecom-robot', options });
  }

  async function logOf(triggerFrom: string): Promise<SendLog> {
    for (;;) {
      const logs = await w.admin.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) });
      if (logs.length) return logs[0];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** messages:send as an API client does, then the send log once the queue has run it. */
  async function send(body: Json): Promise<SendLog> {
    const triggerFrom = `robot-${++sent}`;
    await w.admin.post('messages:send', { channelName: 'group', ...body, triggerFrom });
    return logOf(triggerFrom);
  }

  const to = (...names: string[]) => ({ type: 'userId', value: names.map((n) => users[n]) });

  beforeAll(async () => {
    const config = testConfig();
    config.robots = [
      { key: KEY, name: 'NocoBase 通知', group: GROUP },
      { key: 'removed-robot-key', name: 'Gone', group: 'Old group', status: 'removed' },
      { key: 'disabled-robot-key', name: 'Off', group: 'Quiet group', status: 'disabled' },
      { key: 'outside-robot-key', name: 'Out', group: 'Left group', status: 'notInGroup' },
    ];
    config.robotLimit = { perWindow: 3, windowMs: 1500 };
    w = await createWecomApp(config, { WECOM_ROBOT_RATE_LIMIT: '3', WECOM_ROBOT_RATE_WINDOW_MS: '1500', WECOM_TIMEOUT_MS: '5000' }, ['notification-manager']);
    await w.addAuthenticator('wecom');
    // The whole webhook address pasted, as an admin copies it from the group's robot.
    await createChannel('group', { webhookKey: WEBHOOK(KEY), authenticator: 'wecom' });
    await createChannel('no-authenticator', { webhookKey: KEY });
    users.zhangsan = await createUser('Zhang San', '13800000001');
    await w.t.app.db.getRepository('usersAuthenticators').create({
      values: { authenticator: 'wecom', userId: users.zhangsan, uuid: 'zhangsan', nickname: 'zhangsan', avatar: '', meta: { corpId: 'wwdemo0000000001', userid: 'zhangsan' } },
    });
    users.lisi = await createUser('Li Si', '+86 139-0000-0002');
    users.nophone = await createUser('No Phone');
  });
  afterAll(async () => {
    await w?.destroy();
  });
  beforeEach(async () => {
    w.sandbox.reset();
    // The sandbox forgot the robots' windows: so does the app (its slots live in the same cache as the tokens).
    await (w.t.app.pm.get('@nocobase/plugin-auth-wecom') as unknown as { services: { tokenCache: { reset(): Promise<void> } } }).services.tokenCache.reset();
  });

  it('sends a text that mentions a linked user by userid, another by mobile, and names the one it cannot mention', async () => {
    const log = await send({ message: { msgtype: 'text', text: { content: 'Build 42 is broken' } }, receivers: to('zhangsan', 'lisi', 'nophone') });
    expect(log.status).toBe('success');
    expect(log.reason).toContain('Sent to the group.');
    expect(log.reason).toContain(`Mentioned: Zhang San (#${users.zhangsan}), Li Si (#${users.lisi}).`);
    expect(log.reason).toContain(`Not mentioned: No Phone (#${users.nophone}). They have no WeCom account linked to the chosen authenticator and no mobile number.`);
    const [message] = await group();
    expect(message.msgtype).toBe('text');
    expect(message.content).toEqual({ content: 'Build 42 is broken', mentioned_list: ['zhangsan'], mentioned_mobile_list: ['13900000002'] });
    expect(message.mentions).toEqual({ userids: ['zhangsan'], mobiles: ['13900000002'], all: false });
  });

  it('mentions everyone with the @all option, and sends without receivers to the group alone', async () => {
    expect((await send({ message: { msgtype: 'text', text: { content: 'Lunch!' }, mentionAll: true } })).reason).toContain('Mentioned everyone (@all).');
    expect((await send({ message: { msgtype: 'text', text: { content: 'Just so you know' } } })).status).toBe('success');
    const messages = await group();
    expect(messages.map((m) => [m.content.content, m.mentions])).toEqual([
      ['Lunch!', { userids: [], mobiles: [], all: true }],
      ['Just so you know', { userids: [], mobiles: [], all: false }],
    ]);
  });

  it('sends markdown with <@userid> mentions; a user known by mobile only is named as not mentionable there', async () => {
    const log = await send({ message: { msgtype: 'markdown', markdown: { content: '**Deploy** done: [open](/admin/deploys/3)' } }, receivers: to('zhangsan', 'lisi') });
    expect(log.status).toBe('success');
    expect(log.reason).toContain(`Not mentioned: Li Si (#${users.lisi}). A markdown message mentions by WeCom account only`);
    const [message] = await group();
    expect(message.content.content).toBe(
      `**Deploy** done: [open](${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/deploys/3)\n<@zhangsan>`,
    );
    expect(message.mentions.userids).toEqual(['zhangsan']);
  });

  it('sends news (its article links made signed-in links of the app) and a text_notice template card', async () => {
    const news = await send({
      message: {
        msgtype: 'news',
        news: { articles: [{ title: 'Q3 report', description: 'Numbers are in', url: '/admin/reports/3', picurl: `${w.t.url}/storage/q3.png` }, { title: 'Q2', url: `${w.t.url}/admin/reports/2` }] },
      },
    });
    expect(news.status).toBe('success');
    const card = await send({
      message: { msgtype: 'template_card', template_card: { main_title: { title: 'Leave request', desc: 'Zhang San, 2 days' }, sub_title_text: 'Needs your approval', card_action: { url: '/admin/leaves/7' } } },
    });
    expect(card.status).toBe('success');
    const [first, second] = await group();
    expect(first.content).toEqual({
      articles: [
        { title: 'Q3 report', description: 'Numbers are in', url: `${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/reports/3`, picurl: `${w.t.url}/storage/q3.png` },
        { title: 'Q2', url: `${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/reports/2` },
      ],
    });
    expect(second.content).toEqual({
      card_type: 'text_notice',
      main_title: { title: 'Leave request', desc: 'Zhang San, 2 days' },
      sub_title_text: 'Needs your approval',
      card_action: { type: 1, url: `${w.t.url}/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/leaves/7` },
    });
  });

  it('refuses what WeCom would refuse, before sending: byte limits, article count, links off the app, @all outside text', async () => {
    const cases: [Json, string][] = [
      [{ msgtype: 'text', text: { content: '中'.repeat(683) } }, 'Content is longer than WeCom allows (2048 bytes).'],
      [{ msgtype: 'markdown', markdown: { content: 'a'.repeat(4097) } }, 'Content is longer than WeCom allows (4096 bytes).'],
      [{ msgtype: 'news', news: { articles: Array.from({ length: 9 }, (_, i) => ({ title: `t${i}`, url: '/admin' })) } }, 'Articles: from 1 to 8 entries.'],
      [{ msgtype: 'news', news: { articles: [{ title: 'x'.repeat(129), url: '/admin' }] } }, 'Article title is longer than WeCom allows (128 bytes).'],
      [{ msgtype: 'news', news: { articles: [{ title: 'Bad', url: 'https://evil.example/x' }] } }, `Article link must be a path of this app (like /admin) or an address on ${w.t.url}.`],
      [{ msgtype: 'template_card', template_card: { main_title: { title: 'No link' } } }, 'The message has no Link.'],
      [{ msgtype: 'markdown', markdown: { content: 'hi' }, mentionAll: true }, 'Mentioning everyone (@all) works with text messages only.'],
    ];
    for (const [message, reason] of cases) {
      const log = await send({ message });
      expect(log, reason).toMatchObject({ status: 'failure', reason });
    }
    expect(await group()).toEqual([]);
    expect(w.sandbox.stats().calls['webhook/send'] ?? 0).toBe(0);
  });

  it('without an authenticator, mentions by mobile and takes http(s) links as written', async () => {
    const log = await send({
      channelName: 'no-authenticator',
      message: { msgtype: 'text', text: { content: 'See https://status.example.com' } },
      receivers: to('zhangsan'),
    });
    expect(log.status).toBe('success');
    const [message] = await group();
    expect(message.content).toEqual({ content: 'See https://status.example.com', mentioned_mobile_list: ['13800000001'] });
    const refused = await send({ channelName: 'no-authenticator', message: { msgtype: 'news', news: { articles: [{ title: 'x', url: '/admin' }] } } });
    expect(refused.reason).toBe('Article link must be an http(s) address. Choose a WeCom authenticator for the channel to link to pages of this app by their path.');
    const script = await send({ channelName: 'no-authenticator', message: { msgtype: 'markdown', markdown: { content: '[open](javascript:alert(1))' } } });
    expect(script.reason).toBe(
      'The link javascript:alert(1) in Content must be an http(s) address. Choose a WeCom authenticator for the channel to link to pages of this app by their path.',
    );
  });

  it('logs each errcode WeCom refuses with for good with the fix, and sends nothing twice', async () => {
    const expected: [string, string][] = [
      ['removed-robot-key', 'WeCom does not accept this webhook key (error 93000): the key is wrong, or the robot was removed from its group.'],
      ['disabled-robot-key', 'The robot is disabled (error 93004).'],
      ['outside-robot-key', 'The robot is not in its group any more (error 93008).'],
    ];
    for (const [i, [key, reason]] of expected.entries()) {
      await createChannel(`refused-${i}`, { webhookKey: key });
      const log = await send({ channelName: `refused-${i}`, message: { msgtype: 'text', text: { content: 'hello' } } });
      expect(log.status).toBe('failure');
      expect(log.reason).toContain(reason);
    }
    w.sandbox.inject({ endpoint: 'webhook/send', errcode: 40058, errmsg: 'invalid parameter' });
    const malformed = await send({ message: { msgtype: 'text', text: { content: 'hello' } } });
    expect(malformed).toMatchObject({ status: 'failure', reason: expect.stringContaining('WeCom refused the message as empty, too long or malformed (error 40058).') });
    expect(w.sandbox.stats().calls['webhook/send']).toBe(4);
  });

  it('waits and tries again after 45009 (a robot shared with others) and after -1, and the log says so', async () => {
    w.sandbox.inject({ endpoint: 'webhook/send', errcode: 45009, times: 2 });
    const log = await send({ message: { msgtype: 'text', text: { content: 'eventually' } } });
    expect(log.status).toBe('success');
    expect(log.reason).toMatch(/WeCom answered 2 times that the robot was over its limit \(45009\): the message waited [\d.]+ s and was sent then\./);
    w.sandbox.inject({ endpoint: 'webhook/send', errcode: -1 });
    expect((await send({ message: { msgtype: 'text', text: { content: 'after busy' } } })).status).toBe('success');
    expect((await group()).map((m) => m.content.content)).toEqual(['eventually', 'after busy']);
  });

  it('holds the robot limit: 8 messages sent at once all arrive, none refused by WeCom, the later ones after a wait', async () => {
    const triggers = Array.from({ length: 8 }, () => `robot-${++sent}`);
    await Promise.all(
      triggers.map((triggerFrom, i) => w.admin.post('messages:send', { channelName: 'group', message: { msgtype: 'text', text: { content: `#${i}` } }, triggerFrom })),
    );
    const logs = [];
    for (const trigger of triggers) logs.push(await logOf(trigger));
    expect(logs.map((l) => l.status)).toEqual(Array(8).fill('success'));
    // 8 messages at 3 per 1.5 s: at least the last two windows were waited for.
    expect(logs.some((l) => /Waited [\d.]+ s for the robot's limit \(3 messages per 2 s\)\./.test(l.reason ?? ''))).toBe(true);
    const messages = await group();
    expect(messages.map((m) => m.content.content).sort()).toEqual(['#0', '#1', '#2', '#3', '#4', '#5', '#6', '#7']);
    expect(w.sandbox.stats().calls['webhook/send:45009'] ?? 0).toBe(0);
    // No window of 1.5 s holds more than 3 of them.
    const times = messages.map((m) => m.at);
    for (const at of times) expect(times.filter((t) => t >= at && t < at + 1500).length).toBeLessThanOrEqual(3);
  });

  it('never answers the webhook key: reads list it as saved, an update without it keeps it, a new one replaces it', async () => {
    const channel = await w.admin.get<{ options: Json }>('notificationChannels:get', { filterByTk: 'group' });
    expect(channel.options).toEqual({ authenticator: 'wecom', savedSecrets: ['webhookKey'] });
    const list = await w.admin.get<{ name: string; options: Json }[]>('notificationChannels:list', { paginate: 'false' });
    expect(JSON.stringify(list)).not.toContain(KEY);
    await w.admin.post('notificationChannels:update?filterByTk=group', { options: { authenticator: 'wecom', webhookKey: '' } });
    const stored = await w.t.app.db.getRepository('notificationChannels').findOne({ filter: { name: 'group' } });
    // The pasted address was stored as its key.
    expect((stored!.get('options') as Json).webhookKey).toBe(KEY);
    expect((await send({ message: { msgtype: 'text', text: { content: 'still here' } } })).status).toBe('success');
  });

  it('refuses to save a channel without a key, with a malformed one, or with an unknown authenticator', async () => {
    const attempts: [Json, string][] = [
      [{}, "Webhook key is not set: paste the robot's webhook address or its key."],
      [{ webhookKey: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' }, "Webhook key is not set: paste the robot's webhook address or its key."],
      [{ webhookKey: 'has spaces in it' }, "Webhook key is not valid: paste the robot's webhook address"],
      [{ webhookKey: KEY, authenticator: 'missing' }, 'The WeCom authenticator "missing" does not exist or is disabled.'],
    ];
    for (const [options, message] of attempts) {
      const res = await fetch(`${w.t.url}/api/notificationChannels:create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bad-${++sent}`, title: 'Bad', notificationType: 'wecom-robot', options }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { message: string }[] }).errors[0].message).toContain(message);
    }
    expect(await w.t.app.db.getRepository('notificationChannels').count({ filter: { name: { $like: 'bad-%' } } })).toBe(0);
  });

  it('"Send a test message" says what WeCom answered, with the typed key or the saved one', async () => {
    const typed = await w.admin.post<{ ok: boolean; message: string }>('wecom:testRobot', { webhookKey: WEBHOOK(KEY), title: 'Robot group' });
    expect(typed).toEqual({ ok: true, message: 'WeCom accepted the test message (errcode 0): it shows in the group now.' });
    const saved = await w.admin.post<{ ok: boolean }>('wecom:testRobot', { channel: 'group' });
    expect(saved.ok).toBe(true);
    const wrong = await w.admin.post<{ ok: boolean; errcode: number; message: string }>('wecom:testRobot', { webhookKey: 'removed-robot-key' });
    expect(wrong.ok).toBe(false);
    expect(wrong.errcode).toBe(93000);
    expect(wrong.message).toMatch(/^WeCom answered errcode 93000 \(invalid webhook url.*\)\. WeCom does not accept this webhook key/);
    expect((await group()).map((m) => m.content.content)).toEqual([
      'Test message from NocoBase: the channel "Robot group" can send to this group.',
      'Test message from NocoBase: the channel "wecom-robot" can send to this group.',
    ]);
  });

  it('wrote no webhook key to any log line: channels saved, messages sent and refused, test messages', async () => {
    // Everything above ran: a key typed into a test message, pasted into a channel, sent with, refused (93000).
    expect(w.sandbox.stats().calls).toBeDefined();
    let logs = w.t.logs();
    // The logs once the file transport has flushed (the size no longer grows).
    for (let i = 0; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = w.t.logs();
      if (again.length === logs.length && i > 1) break;
      logs = again;
    }
    expect(logs.length).toBeGreaterThan(0);
    const leaks = (key: string) => logs.split('\n').filter((line) => line.includes(key)).map((line) => line.slice(0, 300));
    for (const key of [KEY, 'removed-robot-key', 'disabled-robot-key', 'outside-robot-key']) expect(leaks(key), key).toEqual([]);
  });
});
