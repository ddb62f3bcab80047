// The WeCom notification channel in the v1 client: an admin adds it in the notification manager, a text
// card sent over it reaches the member's inbox in the sandbox.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { WECOM_UA } from './world';

const NAME = 'wecom_notify';
const CHANNEL = 'wecom_e2e';

const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });

interface Channel {
  name: string;
  notificationType: string;
  options: { authenticator?: string };
}

describe('WeCom notification channel (v1 client)', () => {
  let browser: Browser;
  let page: Page;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  async function removeChannel() {
    const api = await adminApi();
    const channels = await api.get<Channel[]>('notificationChannels:list', { filter: JSON.stringify({ name: CHANNEL }) });
    for (const channel of channels) await api.post(`notificationChannels:destroy?filterByTk=${channel.name}`, {});
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom notify');
    await removeChannel();
    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1200 } }));
    // The shared test machine is often busy: NocoBase's first page can take longer than the default 20 s.
    page.setDefaultTimeout(90_000);
    await signInAsAdmin(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await removeChannel();
    await removeAuthenticator(NAME);
  });

  it('adds a WeCom channel in Settings → Notification manager, choosing the authenticator', async () => {
    screenshotOnFailure(page, 'notification-add-channel');
    await page.goto(`${appUrl}/admin/settings/notification-manager/channels`);
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom', exact: true }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'WeCom authenticator' });
    await drawer.waitFor();
    await item(drawer, 'Channel name').locator('input').fill(CHANNEL);
    await item(drawer, 'Channel display name').locator('input').fill('WeCom (e2e)');
    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option').filter({ hasText: 'WeCom notify' }).click();
    await screenshot(page, 'notification-01-channel-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });

    const api = await adminApi();
    await expect
      .poll(async () => (await api.get<Channel[]>('notificationChannels:list', { filter: JSON.stringify({ name: CHANNEL }) }))[0])
      .toMatchObject({ notificationType: 'wecom', options: { authenticator: NAME } });
  });

  it("delivers a text card to the member's WeCom inbox", async () => {
    // The member links to his user Zhang San (same phone) with a first sign-in in the WeCom client.
    const linked = await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan');
    expect(linked.status).toBe(200);

    const api = await adminApi();
    const triggerFrom = `e2e-${Date.now()}`;
    await api.post('messages:send', {
      channelName: CHANNEL,
      triggerFrom,
      receivers: { type: 'userId', value: [await zhangSanId(api)] },
      message: { msgtype: 'textcard', title: 'Leave request approved', description: 'Your leave on 2 December was approved.', url: '/admin', btntxt: 'Open' },
    });
    await expect
      .poll(async () => (await api.get<{ status: string }[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) }))[0]?.status, { timeout: 30_000 })
      .toBe('success');

    const member = await newVisitor(browser, { wecom: true });
    screenshotOnFailure(member.page, 'notification-inbox');
    await member.page.goto(`${sandboxUrl}/inbox/zhangsan`);
    const card = member.page.locator('[data-message][data-msgtype="textcard"]').first();
    expect(await visibleText(card.locator('h2'))).toBe('Leave request approved');
    // The link opens the page signed in when tapped in the WeCom client (test/e2e/19-signed-in-links.test.ts).
    expect(await card.locator('a[data-link]').getAttribute('href')).toBe(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none&fallback=page&redirect=/admin`);
    await screenshot(member.page, 'notification-02-inbox');
    await member.context.close();
  });
});
