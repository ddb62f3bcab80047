import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index';
import { getToken, json } from './helpers';

describe('faults', () => {
  let sb: Sandbox;
  let gettokenUrl: string;
  beforeAll(async () => {
    sb = await startSandbox();
    gettokenUrl = `${sb.url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-0123456789abcdef`;
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  it('errcode: answers it with a WeCom errmsg, once', async () => {
    sb.inject({ endpoint: 'gettoken', errcode: -1 });
    const body = await json(fetch(gettokenUrl));
    expect(body.errcode).toBe(-1);
    expect(body.errmsg).toMatch(/^system busy, hint: .*from ip: 127\.0\.0\.1/);
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
  });

  it('errcode with errmsg: answers both verbatim', async () => {
    sb.inject({ endpoint: 'gettoken', errcode: 48002, errmsg: 'api forbidden' });
    expect(await json(fetch(gettokenUrl))).toEqual({ errcode: 48002, errmsg: 'api forbidden' });
  });

  it('status: answers that HTTP status with a text body', async () => {
    sb.inject({ endpoint: 'gettoken', status: 502 });
    const response = await fetch(gettokenUrl);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('body malformed: truncated JSON', async () => {
    sb.inject({ endpoint: 'gettoken', body: 'malformed' });
    const response = await fetch(gettokenUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"errcode":0,"errmsg":"ok","access_tok');
  });

  it('body html: an HTML error page', async () => {
    sb.inject({ endpoint: 'gettoken', body: 'html' });
    const response = await fetch(gettokenUrl);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<html>');
  });

  it('body huge: about 10 MB of JSON', async () => {
    sb.inject({ endpoint: 'gettoken', body: 'huge' });
    const response = await fetch(gettokenUrl);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(10_000_000);
    expect((await response.text()).length).toBeGreaterThan(10_000_000);
  });

  it('body empty: HTTP 200 with no body', async () => {
    sb.inject({ endpoint: 'gettoken', body: 'empty' });
    const response = await fetch(gettokenUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('delayMs: answers normally after the delay', async () => {
    sb.inject({ endpoint: 'gettoken', delayMs: 300 });
    const started = Date.now();
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('hangUp: the connection is dropped', async () => {
    sb.inject({ endpoint: 'gettoken', hangUp: true });
    await expect(fetch(gettokenUrl)).rejects.toThrow();
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
  });

  it('times: applies to that many calls; -1 and Infinity until reset', async () => {
    sb.inject({ endpoint: 'gettoken', errcode: -1, times: 2 });
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: -1 });
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: -1 });
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
    for (const times of [-1, Infinity]) {
      sb.inject({ endpoint: 'gettoken', errcode: 45009, times });
      for (let i = 0; i < 5; i++) expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 45009 });
      sb.reset();
      expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
    }
  });

  it('applies faults in injection order, only to their endpoint, and "*" to any endpoint', async () => {
    const token = await getToken(sb);
    const userGet = () => json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${token}&userid=zhangsan`));
    sb.inject({ endpoint: 'user/get', errcode: 40001 });
    sb.inject({ endpoint: 'user/get', errcode: 40014 });
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: 0 });
    expect(await userGet()).toMatchObject({ errcode: 40001 });
    expect(await userGet()).toMatchObject({ errcode: 40014 });
    sb.inject({ endpoint: '*', errcode: -1 });
    expect(await json(fetch(gettokenUrl))).toMatchObject({ errcode: -1 });
    expect(await userGet()).toMatchObject({ errcode: 0 });
  });
});

describe('stats, reset and control endpoints', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.reset());

  const control = (path: string, body: unknown) =>
    fetch(`${sb.url}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });

  it('counts every API call, failed ones too, but no page', async () => {
    const token = await getToken(sb);
    await fetch(`${sb.url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=wrong`);
    await fetch(`${sb.url}/cgi-bin/auth/getuserinfo?access_token=${token}&code=nope`);
    await fetch(`${sb.url}/wwlogin/sso/login?login_type=CorpApp&appid=wwdemo0000000001&agentid=1000002&redirect_uri=x`);
    expect(await json(fetch(`${sb.url}/__sandbox/stats`))).toEqual({
      calls: { gettoken: 2, 'auth/getuserinfo': 1, 'auth/getuserdetail': 0, 'user/get': 0, 'user/getuserid': 0, 'agent/get': 0 },
    });
    expect(sb.stats().calls.gettoken).toBe(2);
  });

  it('reset clears stats, faults, tokens and the clock', async () => {
    const token = await getToken(sb);
    sb.inject({ endpoint: 'user/get', errcode: -1, times: -1 });
    sb.advanceClock(7300_000);
    expect(await (await control('reset', {})).json()).toEqual({ ok: true });
    expect(sb.stats().calls).toEqual({ gettoken: 0, 'auth/getuserinfo': 0, 'auth/getuserdetail': 0, 'user/get': 0, 'user/getuserid': 0, 'agent/get': 0 });
    expect(await json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${token}&userid=zhangsan`))).toMatchObject({ errcode: 40014 });
    const fresh = await getToken(sb);
    expect(await json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${fresh}&userid=zhangsan`))).toMatchObject({ errcode: 0 });
  });

  it('POST /__sandbox/inject takes a Fault, times -1 included', async () => {
    expect((await control('inject', { endpoint: 'gettoken', errcode: 45009, times: -1 })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await getToken(sb).catch((e: Error) => e.message))).toMatch(/45009/);
    expect((await control('inject', { errcode: 1 })).status).toBe(400);
    expect((await control('inject', { endpoint: 'gettoken', body: 'xml' })).status).toBe(400);
  });

  it('POST /__sandbox/inject with hold keeps the call waiting until POST /__sandbox/release names it', async () => {
    expect((await control('inject', { endpoint: 'gettoken', hold: 'h1' })).status).toBe(200);
    let answered = false;
    const call = getToken(sb).then((token) => ((answered = true), token));
    // The call reached the sandbox (counted) and waits.
    await expect.poll(() => sb.stats().calls.gettoken).toBe(1);
    expect(answered).toBe(false);
    expect((await control('release', { hold: 'h1' })).status).toBe(200);
    expect(typeof (await call)).toBe('string');
    expect((await control('release', { hold: 'h1' })).status).toBe(404);
    expect((await control('inject', { endpoint: 'gettoken', hold: 1 })).status).toBe(400);
  });

  it('reset sets the sandbox clock back to real time', async () => {
    const advanced = (await (await control('clock', { advanceMs: 3600_000 })).json()) as { now: number };
    expect(advanced.now - Date.now()).toBeGreaterThan(3590_000);
    sb.reset();
    const now = (await (await control('clock', { advanceMs: 0 })).json()) as { now: number };
    expect(Math.abs(now.now - Date.now())).toBeLessThan(10_000);
  });

  it('POST /__sandbox/expire-token and /__sandbox/clock', async () => {
    const token = await getToken(sb);
    const userGet = (t: string) => json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${t}&userid=zhangsan`));
    expect(await (await control('expire-token', { errcode: 42001 })).json()).toEqual({ ok: true });
    expect(await userGet(token)).toMatchObject({ errcode: 42001 });
    const fresh = await getToken(sb);
    expect(await (await control('clock', { advanceMs: 7200_000 })).json()).toMatchObject({ ok: true });
    expect(await userGet(fresh)).toMatchObject({ errcode: 42001 });
    expect((await control('expire-token', { errcode: 40001 })).status).toBe(400);
  });
});
