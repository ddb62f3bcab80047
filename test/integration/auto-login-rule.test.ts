// At most one enabled WeCom authenticator has automatic login, whatever the write path: create (one or an
// array), update by filterByTk or by filter, enabling one that has it, or the repository itself.
import { Model } from '@nocobase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORP_ID, createWecomApp, SECRET, WecomApp } from '../helpers/wecom-app';

const REFUSED_EN = 'Only one WeCom authenticator can have automatic login. "WeCom holder" already has it: turn it off there first.';
const REFUSED_ZH = '只能有一个企业微信认证器开启自动登录。“WeCom holder”已开启，请先在那里关闭。';

interface Authenticator {
  id: number;
  name: string;
  enabled: boolean;
  options: { public?: { autoLogin?: boolean } };
}

describe('automatic login rule', () => {
  let w: WecomApp;

  const options = (autoLogin: boolean) => ({
    corpId: CORP_ID,
    agentId: '1000002',
    corpSecret: SECRET,
    origin: w.t.url,
    redirectPath: '/admin',
    public: { autoSignup: false, autoLogin },
  });
  const wecom = (name: string, autoLogin: boolean, enabled = true) => ({ name, authType: 'WeCom', title: `WeCom ${name}`, enabled, options: options(autoLogin) });

  /** An admin call answering the raw status and first error message, in the given language. */
  const call = async (action: string, body: unknown, locale = 'en-US') => {
    const res = await fetch(`${w.t.url}/api/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.admin.token}`, 'x-locale': locale },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { errors?: { message: string }[] };
    return { status: res.status, message: json.errors?.[0]?.message };
  };
  /** What the database holds: name → automatic login, for enabled WeCom authenticators. */
  const holders = async () => {
    const all: Authenticator[] = (await w.t.app.db.getRepository('authenticators').find({ filter: { authType: 'WeCom' }, sort: ['name'] })).map(
      (a: Model) => a.toJSON() as Authenticator,
    );
    return all.filter((a) => a.enabled && a.options?.public?.autoLogin === true).map((a) => a.name);
  };
  const names = async () => (await w.t.app.db.getRepository('authenticators').find({ sort: ['name'] })).map((a: Model) => a.get('name'));
  const idOf = async (name: string) => (await w.t.app.db.getRepository('authenticators').findOne({ filter: { name } }))!.get('id') as number;

  beforeAll(async () => {
    w = await createWecomApp();
    await w.addAuthenticator('holder', { public: { autoLogin: true } });
    await w.addAuthenticator('plain');
    await w.addAuthenticator('dormant', { public: { autoLogin: true } }, { enabled: false });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('refuses to create a second WeCom authenticator with automatic login (400, localized, nothing written)', async () => {
    const before = await names();
    expect(await call('authenticators:create', wecom('second', true))).toEqual({ status: 400, message: REFUSED_EN });
    expect(await call('authenticators:create', wecom('second', true), 'zh-CN')).toEqual({ status: 400, message: REFUSED_ZH });
    expect(await names()).toEqual(before);
    expect(await holders()).toEqual(['holder']);
  });

  it('refuses an update addressed by filterByTk that turns automatic login on', async () => {
    const id = await idOf('plain');
    expect(await call(`authenticators:update?filterByTk=${id}`, { enabled: true, options: options(true) })).toEqual({ status: 400, message: REFUSED_EN });
    expect(await holders()).toEqual(['holder']);
  });

  it('refuses an update addressed by filter that turns automatic login on', async () => {
    const filter = encodeURIComponent(JSON.stringify({ name: 'plain' }));
    expect(await call(`authenticators:update?filter=${filter}`, { enabled: true, options: options(true) }, 'zh-CN')).toEqual({ status: 400, message: REFUSED_ZH });
    expect(await holders()).toEqual(['holder']);
  });

  it('refuses a create with an array body holding a second automatic login, and writes none of the array', async () => {
    const before = await names();
    expect(await call('authenticators:create', [wecom('batch-a', false), wecom('batch-b', true)])).toEqual({ status: 400, message: REFUSED_EN });
    expect(await names()).toEqual(before);
    expect(await holders()).toEqual(['holder']);
  });

  it('refuses to enable a disabled authenticator that has automatic login', async () => {
    const id = await idOf('dormant');
    expect(await call(`authenticators:update?filterByTk=${id}`, { enabled: true })).toEqual({ status: 400, message: REFUSED_EN });
    expect(await holders()).toEqual(['holder']);
  });

  it('holds for a write through the repository, outside any action', async () => {
    await expect(w.t.app.db.getRepository('authenticators').create({ values: wecom('direct', true) })).rejects.toThrow(REFUSED_EN);
    await expect(w.t.app.db.getRepository('authenticators').update({ filter: { name: 'plain' }, values: { options: options(true) } })).rejects.toThrow(REFUSED_EN);
    expect(await holders()).toEqual(['holder']);
    expect(await names()).not.toContain('direct');
  });

  it('lets the holder be saved again, and another take it over once the holder turned it off', async () => {
    const holder = await idOf('holder');
    expect(await call(`authenticators:update?filterByTk=${holder}`, { enabled: true, title: 'WeCom holder', options: options(true) })).toMatchObject({ status: 200 });
    expect(await call(`authenticators:update?filterByTk=${holder}`, { enabled: true, options: options(false) })).toMatchObject({ status: 200 });
    expect(await call(`authenticators:update?filterByTk=${await idOf('plain')}`, { enabled: true, options: options(true) })).toMatchObject({ status: 200 });
    expect(await holders()).toEqual(['plain']);
  });
});
