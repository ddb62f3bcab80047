// The save-time checks of WeCom sync sources (src/server/sync/source-rule.ts) and notification channels
// (src/server/notification/channel-rule.ts) hold on every way the API writes records: an update addressed by
// `filter` instead of `filterByTk` (NocoBase's bulk edit), and a create whose `values` is an array.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWecomApp, WecomApp } from '../helpers/wecom-app';

describe('save-time checks of sources and channels', () => {
  let w: WecomApp;

  /** An authenticated POST, answered with its status and parsed body. */
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${w.t.url}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${w.admin.token}`, 'x-locale': 'en-US' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as { errors?: { message: string }[] } | undefined };
  };
  const filter = (value: unknown) => encodeURIComponent(JSON.stringify(value));
  const stored = async (collection: string, name: string) =>
    (await w.t.app.db.getRepository(collection).findOne({ filter: { name } }))?.get('options') as Record<string, unknown> | undefined;

  beforeAll(async () => {
    w = await createWecomApp(undefined, {}, ['user-data-sync', 'notification-manager']);
    await w.addAuthenticator('wecom');
    await w.admin.post('authenticators:create', { name: 'password', authType: 'Email/Password', enabled: true, options: { public: {} } });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  describe('sync sources', () => {
    const source = (name: string, authenticator: string) => ({ name, sourceType: 'wecom', enabled: false, options: { authenticator } });

    it('refuses an update by filter that points a source at an authenticator that is not WeCom', async () => {
      expect((await post('userDataSyncSources:create', source('by-filter', 'wecom'))).status).toBe(200);
      const res = await post(`userDataSyncSources:update?filter=${filter({ name: 'by-filter' })}`, { options: { authenticator: 'password' } });
      expect(res.status).toBe(400);
      expect(res.body?.errors?.[0].message).toBe('There is no WeCom authenticator named "password".');
      expect(await stored('userDataSyncSources', 'by-filter')).toEqual({ authenticator: 'wecom' });
    });

    it('refuses an update by filter that leaves one of the callback pair', async () => {
      const res = await post(`userDataSyncSources:update?filter=${filter({ name: 'by-filter' })}`, { options: { authenticator: 'wecom', callbackToken: 'onlyTheToken1' } });
      expect(res.status).toBe(400);
      expect(res.body?.errors?.[0].message).toBe('The callback needs both the Token and the EncodingAESKey.');
      expect(await stored('userDataSyncSources', 'by-filter')).toEqual({ authenticator: 'wecom' });
    });

    it('refuses a create with an array of sources when one of them is not usable, and saves none', async () => {
      const res = await post('userDataSyncSources:create', [source('array-good', 'wecom'), source('array-bad', 'missing')]);
      expect(res.status).toBe(400);
      expect(res.body?.errors?.[0].message).toBe('There is no WeCom authenticator named "missing".');
      expect(await stored('userDataSyncSources', 'array-good')).toBeUndefined();
      expect(await stored('userDataSyncSources', 'array-bad')).toBeUndefined();
    });

    it('saves an update by filter and an array create whose sources are usable', async () => {
      expect((await post('userDataSyncSources:create', [source('array-one', 'wecom'), source('array-two', 'wecom')])).status).toBe(200);
      const res = await post(`userDataSyncSources:update?filter=${filter({ name: { $in: ['array-one', 'array-two'] } })}`, { enabled: false, options: { authenticator: 'wecom' } });
      expect(res.status).toBe(200);
      expect(await stored('userDataSyncSources', 'array-two')).toEqual({ authenticator: 'wecom' });
    });
  });

  describe('notification channels', () => {
    const channel = (name: string, authenticator: string) => ({ name, title: name, notificationType: 'wecom', options: { authenticator } });

    it('refuses an update by filter that points a channel at an authenticator that is not WeCom', async () => {
      // Another plugin's channel first: the rule must look at the channels the filter selects, not the first one.
      expect((await post('notificationChannels:create', { name: 'a-mail', title: 'Mail', notificationType: 'email', options: {} })).status).toBe(200);
      expect((await post('notificationChannels:create', channel('channel-by-filter', 'wecom'))).status).toBe(200);
      const res = await post(`notificationChannels:update?filter=${filter({ name: 'channel-by-filter' })}`, { options: { authenticator: 'password' } });
      expect(res.status).toBe(400);
      expect(res.body?.errors?.[0].message).toBe('The authenticator "password" is not a WeCom authenticator.');
      expect(await stored('notificationChannels', 'channel-by-filter')).toEqual({ authenticator: 'wecom' });
    });

    it('refuses a create with an array of channels when one of them cannot send, and saves none', async () => {
      const res = await post('notificationChannels:create', [channel('channel-good', 'wecom'), channel('channel-bad', 'missing')]);
      expect(res.status).toBe(400);
      expect(res.body?.errors?.[0].message).toBe('The WeCom authenticator "missing" does not exist or is disabled.');
      expect(await stored('notificationChannels', 'channel-good')).toBeUndefined();
      expect(await stored('notificationChannels', 'channel-bad')).toBeUndefined();
    });
  });
});
