import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createTestApp, TestApp } from '../helpers/app';

describe('plugin registration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('lists WeCom among the authenticator types for an admin', async () => {
    const signIn = await fetch(`${t.url}/api/auth:signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-authenticator': 'basic' },
      body: JSON.stringify({ account: ADMIN.email, password: ADMIN.password }),
    });
    expect(signIn.status).toBe(200);
    const { data } = await signIn.json();
    const res = await fetch(`${t.url}/api/authenticators:listTypes`, {
      headers: { authorization: `Bearer ${data.token}`, 'x-authenticator': 'basic' },
    });
    expect(res.status).toBe(200);
    const types = (await res.json()).data;
    expect(types).toContainEqual({ name: 'WeCom', title: expect.any(String) });
  });

  it('refuses the contacts callback as for any unknown source (403) while user data sync is not enabled', async () => {
    const res = await fetch(`${t.url}/api/wecom:contactsCallback?source=wecom&msg_signature=x&timestamp=1&nonce=1`, { method: 'POST', body: '<xml/>' });
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0].code).toBe('WECOM_CALLBACK_REFUSED');
  });
});
