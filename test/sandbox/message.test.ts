import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, startSandbox, type Sandbox } from '../../sandbox/index';
import { AGENT, getToken, json, type Json } from './helpers';

describe('message/send', () => {
  let sb: Sandbox;
  let token: string;
  beforeAll(async () => {
    const config = structuredClone(defaultConfig);
    const corp = config.corps[0];
    corp.apps.push({ agentId: '1000009', secret: 'second-app-secret', name: 'Second', trustedDomains: [] });
    corp.members.push({ userid: 'NoLicence', name: 'No Licence', licensed: false });
    (corp.apps[0].visibleTo as string[]).push('NoLicence');
    sb = await startSandbox(config);
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    sb.reset();
    token = await getToken(sb);
  });

  const send = (body: Json, accessToken = token) =>
    json(fetch(`${sb.url}/cgi-bin/message/send?access_token=${accessToken}`, { method: 'POST', body: JSON.stringify({ agentid: Number(AGENT), ...body }) }));
  const inbox = async (userid: string) => ((await json(fetch(`${sb.url}/__sandbox/inbox/${userid}`))).messages as Json[]);

  it('delivers to the members and lists the unknown, out-of-range and unlicensed ones with errcode 0, lowercased', async () => {
    const body = await send({ touser: 'zhangsan|ZhaoLiu|ghost|NoLicence', msgtype: 'text', text: { content: 'hi' } });
    expect(body).toMatchObject({ errcode: 0, invaliduser: 'zhaoliu|ghost', unlicenseduser: 'nolicence' });
    expect(typeof body.msgid).toBe('string');
    expect(await inbox('zhangsan')).toMatchObject([{ msgtype: 'text', content: { content: 'hi' }, agentId: AGENT }]);
    expect(await inbox('zhaoliu')).toEqual([]);
  });

  it('answers 81013 when no recipient is reachable, and delivers nothing', async () => {
    expect(await send({ touser: 'zhaoliu|ghost', msgtype: 'text', text: { content: 'hi' } })).toMatchObject({ errcode: 81013 });
  });

  it("answers 301002 for another app's agentid and 40056 for an unknown one", async () => {
    expect(await send({ agentid: 1000009, touser: 'zhangsan', msgtype: 'text', text: { content: 'hi' } })).toMatchObject({ errcode: 301002 });
    expect(await send({ agentid: 1234567, touser: 'zhangsan', msgtype: 'text', text: { content: 'hi' } })).toMatchObject({ errcode: 40056 });
  });

  it('cuts a text at 2,048 bytes without splitting a character, and refuses an empty one with 44004', async () => {
    await send({ touser: 'zhangsan', msgtype: 'text', text: { content: '长'.repeat(700) } });
    const [message] = await inbox('zhangsan');
    expect((message.content as Json).content).toBe('长'.repeat(682));
    expect(await send({ touser: 'zhangsan', msgtype: 'text', text: { content: ' ' } })).toMatchObject({ errcode: 44004 });
  });

  it('refuses a text card over its byte limits with 45002, an unknown msgtype with 40008, and more than 1,000 users', async () => {
    expect(await send({ touser: 'zhangsan', msgtype: 'textcard', textcard: { title: 'x'.repeat(129), description: 'd', url: 'https://a.example' } })).toMatchObject({ errcode: 45002 });
    expect(await send({ touser: 'zhangsan', msgtype: 'news', news: {} })).toMatchObject({ errcode: 40008 });
    const many = Array.from({ length: 1001 }, (_, i) => `u${i}`).join('|');
    expect(await send({ touser: many, msgtype: 'text', text: { content: 'hi' } })).toMatchObject({ errcode: 40031 });
  });

  it('drops messages silently beyond 30 per minute for one member, and delivers again a minute later', async () => {
    for (let i = 0; i < 31; i++) expect(await send({ touser: 'lisi', msgtype: 'text', text: { content: `n${i}` } })).toMatchObject({ errcode: 0 });
    expect(await inbox('lisi')).toHaveLength(30);
    sb.advanceClock(60_000);
    await send({ touser: 'lisi', msgtype: 'text', text: { content: 'later' } });
    expect((await inbox('lisi')).map((m) => (m.content as Json).content).slice(-1)).toEqual(['later']);
  });

  it('shows what arrived on the member\'s inbox page, newest first, escaped', async () => {
    await send({ touser: 'zhangsan', msgtype: 'textcard', textcard: { title: 'Leave <approved>', description: 'See it', url: 'http://127.0.0.1:13000/admin', btntxt: 'Open' } });
    await send({ touser: 'zhangsan', msgtype: 'markdown', markdown: { content: '**second**' } });
    const res = await fetch(`${sb.url}/inbox/zhangsan`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Leave &lt;approved&gt;');
    expect(page).toContain('href="http://127.0.0.1:13000/admin"');
    expect(page.indexOf('**second**')).toBeLessThan(page.indexOf('Leave &lt;approved&gt;'));
    expect((await fetch(`${sb.url}/inbox/nobody-here`)).status).toBe(404);
  });
});
