import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WECOM_UA, WecomUser } from '../helpers/wecom-user';
import { addZhangSan, callsDuring, createWecomApp, WecomApp, ZHANG_SAN } from '../helpers/wecom-app';

describe('WeCom sign-in', () => {
  let w: WecomApp;
  beforeAll(async () => {
    w = await createWecomApp();
    await addZhangSan(w.admin);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('signup', { public: { autoSignup: true } });
  });
  afterAll(async () => {
    await w?.destroy();
  });
  beforeEach(() => w.sandbox.reset());

  it('links an existing user by phone on the first in-client login, then needs one WeCom call for a QR login', async () => {
    const first = await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'zhangsan');
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body.data.user.email).toBe(ZHANG_SAN.email);
    expect(body.data.redirect).toBe('/admin');
    expect(body.data.token).toMatch(/^ey/);

    const { result: qr, calls } = await callsDuring(w.sandbox, () =>
      new WecomUser(w.t.url).signInWithQr('wecom', 'zhangsan', { redirect: '/admin/settings' }),
    );
    expect(qr.status).toBe(200);
    const again = await qr.json();
    expect(again.data.user.email).toBe(ZHANG_SAN.email);
    expect(again.data.redirect).toBe('/admin/settings');
    expect(calls).toEqual({ 'auth/getuserinfo': 1 });
  });

  it('tells an unlinked member on QR login to open the app once in WeCom', async () => {
    const res = await new WecomUser(w.t.url).signInWithQr('wecom', 'lisi');
    expect(res.status).toBe(401);
    const { errors } = await res.json();
    expect(errors[0].code).toBe('WECOM_NOT_LINKED');
    expect(errors[0].message).toContain('Open this app once from the WeCom workbench');
  });

  it('creates a user on a first login when auto sign-up is on', async () => {
    const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('signup', 'lisi');
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.user).toMatchObject({ nickname: 'Li Si', phone: '13900000002', email: 'lisi@demo.example' });
    const users = await w.admin.get<{ id: number }[]>('users:list', { 'filter[phone]': '13900000002' });
    expect(users).toHaveLength(1);
  });

  it('refuses a first login without auto sign-up when no user has the phone', async () => {
    const res = await new WecomUser(w.t.url, WECOM_UA).signInInClient('wecom', 'nobody');
    const { errors } = await res.json();
    expect(res.status).toBe(401);
    expect(errors[0].code).toBe('WECOM_NO_MATCH');
  });
});
