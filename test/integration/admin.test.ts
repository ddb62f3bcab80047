import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { AGENT_ID, callsDuring, CORP_ID, createWecomApp, SECRET, WecomApp } from '../helpers/wecom-app';

describe('administration', () => {
  let w: WecomApp;
  beforeAll(async () => {
    w = await createWecomApp();
    await w.admin.post('environmentVariables:create', { name: 'WECOM_TEST_SECRET', type: 'secret', value: SECRET });
    await w.addAuthenticator('wecom', { public: { autoLogin: true } });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  const check = (body: unknown) => w.admin.post<{ ok: boolean; code?: string; field?: string; message: string }>('wecom:checkConfig', body);
  const options = (overrides: Record<string, unknown> = {}) => ({
    corpId: CORP_ID,
    agentId: AGENT_ID,
    corpSecret: SECRET,
    origin: w.t.url,
    redirectPath: '/admin',
    ...overrides,
  });

  it('shows anonymous visitors only the public options, never the secret', async () => {
    const res = await fetch(`${w.t.url}/api/authenticators:publicList`);
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    const wecom = JSON.parse(text).data.find((item: { name: string }) => item.name === 'wecom');
    expect(wecom).toMatchObject({ authType: 'WeCom', options: { autoSignup: false, autoLogin: true, tooltip: '' } });
    expect(Object.keys(wecom.options).sort()).toEqual(['autoLogin', 'autoSignup', 'tooltip']);
  });

  it('refuses a second WeCom authenticator with automatic login', async () => {
    await expect(w.addAuthenticator('second', { public: { autoLogin: true } })).rejects.toThrow(
      /HTTP 400 Only one WeCom authenticator can have automatic login\. "WeCom wecom" already has it/,
    );
    await w.addAuthenticator('third', { public: { autoLogin: false } });
    const list = await w.admin.get<{ id: number; name: string }[]>('authenticators:list');
    expect(list.map((item) => item.name)).not.toContain('second');
    const third = list.find((item) => item.name === 'third')!;
    await expect(w.admin.post(`authenticators:update?filterByTk=${third.id}`, { options: options({ public: { autoLogin: true } }) })).rejects.toThrow(
      /HTTP 400/,
    );
  });

  it('accepts a working configuration after asking WeCom', async () => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ options: options() }));
    expect(result).toEqual({ ok: true, secret: 'entered', message: 'WeCom accepted the Company ID, AgentId and the Secret you entered.' });
    expect(calls).toEqual({ gettoken: 1, 'agent/get': 1 });
  });

  it('resolves {{$env.X}} in the secret and names the variable it checked', async () => {
    const result = await check({ options: options({ corpSecret: '{{$env.WECOM_TEST_SECRET}}' }) });
    expect(result).toEqual({ ok: true, secret: 'variable', message: 'WeCom accepted the Company ID, AgentId and the Secret in the variable WECOM_TEST_SECRET.' });
  });

  it.each([
    ['empty', { corpSecret: '' }],
    ['null', { corpSecret: null }],
    ['absent, as read', { corpSecret: undefined, savedSecrets: ['corpSecret'] }],
  ])('uses the saved Secret when the form leaves it %s, and says so', async (_, secret) => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ name: 'wecom', options: options(secret) }));
    expect(result).toEqual({ ok: true, secret: 'saved', message: 'WeCom accepted the Company ID, AgentId and the saved Secret.' });
    expect(calls).toEqual({ gettoken: 1, 'agent/get': 1 });
  });

  it('says which Secret failed: the one entered, or the saved one', async () => {
    const entered = await check({ name: 'wecom', options: options({ corpSecret: 'wrong-secret' }) });
    expect(entered).toMatchObject({ ok: false, field: 'corpSecret', secret: 'entered' });
    expect(entered.message).toBe(
      'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings. Checked with the Secret you entered.',
    );
    const saved = await check({ name: 'wecom', options: options({ corpSecret: '', corpId: 'wwnotacorp000000' }) });
    expect(saved).toMatchObject({ ok: false, field: 'corpId', secret: 'saved' });
    expect(saved.message).toBe('The Company ID is not valid. Check the Company ID in the WeCom authenticator settings. Checked with the saved Secret.');
  });

  it.each([
    ['no authenticator is named', {}],
    ['the named authenticator does not exist', { name: 'not-saved-yet' }],
  ])('says the Secret is not set when the field is empty and %s', async (_, named) => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ ...named, options: options({ corpSecret: '' }) }));
    expect(result).toEqual({ ok: false, code: 'WECOM_CONFIG', field: 'corpSecret', message: 'Secret is not set in the WeCom authenticator settings.' });
    expect(calls).toEqual({});
  });

  it.each([
    ['a wrong Company ID', { corpId: 'wwnotacorp000000' }, 'corpId', /The Company ID is not valid/],
    ['a wrong Secret', { corpSecret: 'wrong-secret' }, 'corpSecret', /The Secret is not valid for this Company ID/],
    ['a wrong AgentId', { agentId: '1000099' }, 'agentId', /The AgentId is not valid/],
    ['a missing AgentId', { agentId: '' }, 'agentId', /AgentId is not set/],
    ['an Origin with a path', { origin: 'https://example.com/app' }, 'origin', /Origin must be an address like/],
    ['an off-site redirect link', { redirectPath: '//evil.example' }, 'redirectPath', /must be a path on this site/],
    ['an undefined environment variable', { corpSecret: '{{$env.NOT_DEFINED_ANYWHERE}}' }, 'corpSecret', /The value of Secret refers to the variable NOT_DEFINED_ANYWHERE, which is not defined/],
  ])('names the problem for %s', async (_, overrides, field, message) => {
    const result = await check({ options: options(overrides) });
    expect(result).toMatchObject({ ok: false, field });
    expect(result.message).toMatch(message);
  });

  it('names the IP to trust when the app has a trusted-IP list', async () => {
    w.sandbox.config.corps[0].apps[0].trustedIps = ['10.1.2.3'];
    try {
      const result = await check({ options: options() });
      expect(result).toMatchObject({ ok: false, code: 'WECOM_CONFIG' });
      expect(result.message).toContain('This server\'s IP address 127.0.0.1 is not in the app\'s Corporate Trusted IP list');
    } finally {
      w.sandbox.config.corps[0].apps[0].trustedIps = [];
    }
  });

  it('says when WeCom cannot be reached', async () => {
    w.sandbox.inject({ endpoint: 'gettoken', hangUp: true });
    const result = await check({ options: options() });
    expect(result).toMatchObject({ ok: false, code: 'WECOM_UNAVAILABLE' });
  });

  it('is not open to anonymous visitors', async () => {
    const res = await fetch(`${w.t.url}/api/wecom:checkConfig`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ options: options() }),
    });
    expect(res.status).toBe(401);
  });

  it('is refused to a signed-in user who may not manage authenticators, and allowed to an admin', async () => {
    await w.admin.post('users:create', { email: 'member@example.com', password: 'member-pass-123', nickname: 'Member', roles: ['member'] });
    const member = await Api.signIn(w.t.url, 'member@example.com', 'member-pass-123');
    const { result, calls } = await callsDuring(w.sandbox, () => member.post('wecom:checkConfig', { options: options() }).then(() => 'allowed', (error: Error) => error.message));
    expect(result).toMatch(/HTTP 403/);
    expect(calls).toEqual({});
    expect((await check({ options: options() })).ok).toBe(true);
  });

  it('answers in the admin\'s language', async () => {
    const res = await fetch(`${w.t.url}/api/wecom:checkConfig`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-locale': 'zh-CN', authorization: `Bearer ${w.admin.token}` },
      body: JSON.stringify({ options: options({ corpId: 'wwnotacorp000000' }) }),
    });
    expect((await res.json()).data.message).toBe('企业 ID 无效。请检查企业微信认证器设置中的企业 ID。检查使用的是您输入的 Secret。');
  });
});
