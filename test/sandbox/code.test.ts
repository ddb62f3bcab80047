import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { codeFor, getToken, getuserinfo, inClientLogin, post, qrLogin, twoAppConfig } from './helpers';

describe('getuserinfo codes', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  it('answers the member of an in-client code', async () => {
    const body = await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhangsan'));
    expect(body).toMatchObject({ errcode: 0, errmsg: 'ok', userid: 'zhangsan' });
  });

  it('accepts a code once: the second use is 40029', async () => {
    const token = await getToken(sb);
    const code = await codeFor(sb, 'zhangsan');
    expect(await getuserinfo(sb, token, code)).toMatchObject({ errcode: 0 });
    const again = await getuserinfo(sb, token, code);
    expect(again).toMatchObject({ errcode: 40029 });
    expect(again.errmsg).toMatch(/^invalid code, hint: /);
  });

  it('expires a code 5 minutes after issue', async () => {
    const token = await getToken(sb);
    const young = await codeFor(sb, 'zhangsan');
    sb.advanceClock(299_000);
    expect(await getuserinfo(sb, token, young)).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    const old = await codeFor(sb, 'zhangsan');
    sb.advanceClock(300_000);
    expect(await getuserinfo(sb, await getToken(sb), old)).toMatchObject({ errcode: 40029 });
  });

  it('refuses an unknown code with 40029 and a missing code with 41008', async () => {
    const token = await getToken(sb);
    expect(await getuserinfo(sb, token, 'made-up')).toMatchObject({ errcode: 40029 });
    expect(await getuserinfo(sb, token, '')).toMatchObject({ errcode: 41008 });
  });

  it('answers 50001 when the redirect domain is no longer trusted by the app', async () => {
    const code = await codeFor(sb, 'zhangsan');
    const domains = sb.config.corps[0].apps[0].trustedDomains;
    sb.config.corps[0].apps[0].trustedDomains = ['nocobase.example'];
    try {
      expect(await getuserinfo(sb, await getToken(sb), code)).toMatchObject({ errcode: 50001 });
    } finally {
      sb.config.corps[0].apps[0].trustedDomains = domains;
    }
  });

  it('answers 50002 for a member outside the app visible range', async () => {
    expect(await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhaoliu'))).toMatchObject({ errcode: 50002 });
  });
});

describe('user_ticket', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  it('comes with an in-client snsapi_privateinfo code with agentid, valid 1800 s', async () => {
    const body = await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhangsan'));
    expect(body).toMatchObject({ errcode: 0, userid: 'zhangsan', expires_in: 1800 });
    expect(typeof body.user_ticket).toBe('string');
  });

  it('is absent for snsapi_base', async () => {
    const body = await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhangsan', { scope: 'snsapi_base' }));
    expect(body).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(body).not.toHaveProperty('user_ticket');
  });

  it('is absent without agentid (WeCom falls back to snsapi_base silently)', async () => {
    const callback = await inClientLogin(sb, 'zhangsan', { agentid: null });
    const body = await getuserinfo(sb, await getToken(sb), callback.searchParams.get('code') ?? '');
    expect(body).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(body).not.toHaveProperty('user_ticket');
  });

  it('is absent for a web/QR login code', async () => {
    const callback = await qrLogin(sb, 'zhangsan');
    const body = await getuserinfo(sb, await getToken(sb), callback.searchParams.get('code') ?? '');
    expect(body).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(body).not.toHaveProperty('user_ticket');
  });

  it('is absent for a member outside the visible range', async () => {
    const body = await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhaoliu'));
    expect(body).not.toHaveProperty('user_ticket');
  });

  it('gives the private fields through getuserdetail', async () => {
    const token = await getToken(sb);
    const { user_ticket } = await getuserinfo(sb, token, await codeFor(sb, 'lisi'));
    const detail = await post(sb, `/cgi-bin/auth/getuserdetail?access_token=${token}`, { user_ticket });
    expect(detail).toMatchObject({
      errcode: 0,
      userid: 'lisi',
      gender: '2',
      mobile: '+86 139-0000-0002',
      email: '',
      biz_mail: 'lisi@demo.example',
      address: '',
    });
    expect(detail.avatar).toMatch(/^data:image\/svg\+xml,/);
    expect(detail).toHaveProperty('qr_code');
  });

  it('expires 1800 s after issue', async () => {
    const token = await getToken(sb);
    const { user_ticket } = await getuserinfo(sb, token, await codeFor(sb, 'zhangsan'));
    sb.advanceClock(1799_000);
    const path = `/cgi-bin/auth/getuserdetail?access_token=${token}`;
    expect(await post(sb, path, { user_ticket })).toMatchObject({ errcode: 0, mobile: '13800000001' });
    sb.advanceClock(1_000);
    const expired = await post(sb, path, { user_ticket });
    expect(expired).toMatchObject({ errcode: 40029 });
    expect(expired.errmsg).toMatch(/^invalid user_ticket, hint: /);
  });

  it('refuses an unknown ticket with 40029, a GET with 43002 and a non-JSON body with 47001', async () => {
    const token = await getToken(sb);
    const path = `/cgi-bin/auth/getuserdetail?access_token=${token}`;
    expect(await post(sb, path, { user_ticket: 'made-up' })).toMatchObject({ errcode: 40029 });
    expect(await (await fetch(`${sb.url}${path}`)).json()).toMatchObject({ errcode: 43002 });
    const bad = await fetch(`${sb.url}${path}`, { method: 'POST', body: '{"user_ticket":' });
    expect(await bad.json()).toMatchObject({ errcode: 47001 });
  });
});

describe('codes are bound to the app that issued them', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox(twoAppConfig());
  });
  afterAll(() => sb.close());

  it('refuses a code of app 1000010 presented with the token of app 1000011 (40029)', async () => {
    const code = await codeFor(sb, 'alice', { appid: 'wwtest0000000002', agentid: '1000010' });
    const otherToken = await getToken(sb, 'wwtest0000000002', 'old-app-secret');
    expect(await getuserinfo(sb, otherToken, code)).toMatchObject({ errcode: 40029 });
    const ownToken = await getToken(sb, 'wwtest0000000002', 'new-app-secret');
    expect(await getuserinfo(sb, ownToken, code)).toMatchObject({ errcode: 0, userid: 'alice' });
  });

  it('keeps one token per app', async () => {
    const a = await getToken(sb, 'wwtest0000000002', 'new-app-secret');
    const b = await getToken(sb, 'wwtest0000000002', 'old-app-secret');
    expect(a).not.toBe(b);
  });

  it('answers openid (and external_userid) but no userid for a non-member', async () => {
    const code = await codeFor(sb, 'openid:oGuest01', { appid: 'wwtest0000000002', agentid: '1000010' });
    const body = await getuserinfo(sb, await getToken(sb, 'wwtest0000000002', 'new-app-secret'), code);
    expect(body).toEqual({ errcode: 0, errmsg: 'ok', openid: 'oGuest01', external_userid: 'wmExternal01' });
  });
});
