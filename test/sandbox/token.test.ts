import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { getToken, json } from './helpers';

describe('gettoken', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  const get = (query: string) => json(fetch(`${sb.url}/cgi-bin/gettoken?${query}`));
  const userGet = (token: string) => json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${token}&userid=zhangsan`));

  it('issues a long random token valid for 7200 s', async () => {
    const body = await get('corpid=wwdemo0000000001&corpsecret=demo-secret-0123456789abcdef');
    expect(body).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(String(body.access_token).length).toBeGreaterThanOrEqual(64);
  });

  it('returns the same token while it is valid and a new one after 7200 s', async () => {
    const first = await getToken(sb);
    sb.advanceClock(7199_000);
    expect(await getToken(sb)).toBe(first);
    expect(await userGet(first)).toMatchObject({ errcode: 0 });
    sb.advanceClock(1_000);
    expect(await userGet(first)).toMatchObject({ errcode: 42001 });
    const second = await getToken(sb);
    expect(second).not.toBe(first);
    expect(await userGet(second)).toMatchObject({ errcode: 0 });
  });

  it('refuses an unknown corpid with 40013 and a wrong secret with 40001', async () => {
    expect(await get('corpid=wwnobody&corpsecret=demo-secret-0123456789abcdef')).toMatchObject({ errcode: 40013 });
    expect(await get('corpid=wwdemo0000000001&corpsecret=wrong')).toMatchObject({ errcode: 40001 });
  });

  it('writes errmsg like WeCom: text, hint, caller IP, link', async () => {
    const body = await get('corpid=wwdemo0000000001&corpsecret=wrong');
    expect(body.errmsg).toMatch(
      /^invalid credential, hint: \[\d+_\d+_[0-9a-f]+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40001$/,
    );
  });

  it('answers 41001 without access_token and 40014 for an unknown one', async () => {
    expect(await json(fetch(`${sb.url}/cgi-bin/user/get?userid=zhangsan`))).toMatchObject({ errcode: 41001 });
    expect(await userGet('not-a-token')).toMatchObject({ errcode: 40014 });
  });

  it('expireToken(42001): the next call with the current token fails once it is presented, gettoken then issues a new one', async () => {
    const token = await getToken(sb);
    sb.expireToken();
    expect(await userGet(token)).toMatchObject({ errcode: 42001 });
    const fresh = await getToken(sb);
    expect(fresh).not.toBe(token);
    expect(await userGet(fresh)).toMatchObject({ errcode: 0 });
  });

  it('expireToken(40014) answers 40014', async () => {
    const token = await getToken(sb);
    sb.expireToken(40014);
    expect(await userGet(token)).toMatchObject({ errcode: 40014 });
    expect(await getToken(sb)).not.toBe(token);
  });
});
