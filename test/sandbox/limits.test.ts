import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { codeFor, getToken, getuserinfo, json } from './helpers';

describe('trusted IP and rate limit', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => {
    sb.reset();
    sb.config.corps[0].apps[0].trustedIps = [];
    sb.config.rateLimit = { perMinute: 10000 };
  });

  it('answers 60020 naming the caller IP when it is not a trusted IP, while gettoken still works', async () => {
    sb.config.corps[0].apps[0].trustedIps = ['203.0.113.7'];
    const token = await getToken(sb);
    const body = await getuserinfo(sb, token, await codeFor(sb, 'zhangsan'));
    expect(body.errcode).toBe(60020);
    expect(body.errmsg).toMatch(/^not allow to access from your ip, hint: \[.+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=60020$/);
  });

  it('lets a trusted IP through', async () => {
    sb.config.corps[0].apps[0].trustedIps = ['127.0.0.1'];
    expect(await getuserinfo(sb, await getToken(sb), await codeFor(sb, 'zhangsan'))).toMatchObject({ errcode: 0 });
  });

  it('sees an IPv4 client of a dual-stack listener as 127.0.0.1, not ::ffff:127.0.0.1', async () => {
    const dual = await startSandbox(undefined, { host: '::' });
    try {
      const base = dual.url.replace('[::]', '127.0.0.1');
      dual.config.corps[0].apps[0].trustedIps = ['127.0.0.1'];
      const token = await getToken({ ...dual, url: base });
      const body = await json(fetch(`${base}/cgi-bin/user/get?access_token=${token}&userid=zhangsan`));
      expect(body).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    } finally {
      await dual.close();
    }
  });

  it('answers 45009 beyond the per-minute budget of an endpoint, and serves again a minute later', async () => {
    sb.config.rateLimit = { perMinute: 3 };
    const token = await getToken(sb);
    const userGet = () => json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${token}&userid=zhangsan`));
    for (let i = 0; i < 3; i++) expect(await userGet()).toMatchObject({ errcode: 0 });
    expect(await userGet()).toMatchObject({ errcode: 45009 });
    expect(await getToken(sb)).toBe(token);
    sb.advanceClock(60_000);
    expect(await userGet()).toMatchObject({ errcode: 0 });
  });

  it('counts gettoken against the budget too', async () => {
    sb.config.rateLimit = { perMinute: 2 };
    await getToken(sb);
    await getToken(sb);
    const third = await json(fetch(`${sb.url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-0123456789abcdef`));
    expect(third).toMatchObject({ errcode: 45009 });
  });
});
