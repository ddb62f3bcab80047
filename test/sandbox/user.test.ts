import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, startSandbox, type Sandbox } from '../../sandbox/index';
import { AGENT, getToken, json, post, twoAppConfig } from './helpers';

describe('user/get and user/getuserid', () => {
  let demo: Sandbox;
  let test: Sandbox;
  beforeAll(async () => {
    demo = await startSandbox();
    test = await startSandbox(twoAppConfig());
  });
  afterAll(async () => {
    await demo.close();
    await test.close();
  });

  const userGet = async (sb: Sandbox, userid: string, corpid?: string, secret?: string) =>
    json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${await getToken(sb, corpid, secret)}&userid=${userid}`));

  it('hides mobile, email, biz_mail, avatar and gender from apps created after 2022-06-20', async () => {
    const body = await userGet(test, 'alice', 'wwtest0000000002', 'new-app-secret');
    expect(body).toMatchObject({ errcode: 0, userid: 'alice', name: 'Alice', department: [7], status: 1 });
    for (const field of ['mobile', 'email', 'biz_mail', 'avatar', 'gender']) expect(body).not.toHaveProperty(field);
  });

  it('gives them to apps created before', async () => {
    const body = await userGet(test, 'alice', 'wwtest0000000002', 'old-app-secret');
    expect(body).toMatchObject({
      errcode: 0,
      userid: 'alice',
      mobile: '13700000001',
      email: 'alice@test.example',
      biz_mail: 'alice@corp.test.example',
      avatar: '',
      gender: '2',
    });
  });

  it('answers 60111 for an unknown userid and 60011 outside the visible range', async () => {
    expect(await userGet(demo, 'nobody')).toMatchObject({ errcode: 60111 });
    expect(await userGet(demo, 'zhaoliu')).toMatchObject({ errcode: 60011 });
  });

  it('finds a userid by mobile, whatever its formatting, and answers 46004 otherwise', async () => {
    const path = `/cgi-bin/user/getuserid?access_token=${await getToken(demo)}`;
    expect(await post(demo, path, { mobile: '13800000001' })).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(await post(demo, path, { mobile: '13900000002' })).toMatchObject({ errcode: 0, userid: 'lisi' });
    expect(await post(demo, path, { mobile: '13000000000' })).toMatchObject({ errcode: 46004 });
    expect(await post(demo, path, { mobile: '' })).toMatchObject({ errcode: 46004 });
  });
});

describe('agent/get', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    const config = structuredClone(defaultConfig);
    config.corps[0].apps.push({ agentId: '1000003', secret: 'other-app-secret', name: 'Other', trustedDomains: [] });
    sb = await startSandbox(config);
  });
  afterAll(() => sb.close());

  it('describes the app the token belongs to', async () => {
    const token = await getToken(sb);
    expect(await json(fetch(`${sb.url}/cgi-bin/agent/get?access_token=${token}&agentid=${AGENT}`))).toMatchObject({ errcode: 0, agentid: 1000002, name: 'NocoBase' });
  });

  it('refuses another app of the corp with 301002 and an unknown agentid with 40056', async () => {
    const token = await getToken(sb);
    expect((await json(fetch(`${sb.url}/cgi-bin/agent/get?access_token=${token}&agentid=1000003`))).errcode).toBe(301002);
    expect((await json(fetch(`${sb.url}/cgi-bin/agent/get?access_token=${token}&agentid=1000099`))).errcode).toBe(40056);
  });
});
