// Links in WeCom messages that open signed in (#21, part 2): a member taps a message's link in the WeCom client
// (the sandbox's inbox, with the client's User-Agent) and lands on the page signed in, in the classic client and
// in /v/, with no WeCom screen and no automatic login; outside the client the same link opens the page, which
// asks to sign in as usual and then shows it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, expectTokenNeverInUrls, onlyWeComAuthenticator, removeAuthenticator, sessionUser, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure } from './browser';
import { newV2Visitor } from './v2';
import { ADMIN, WECOM_UA, ZHANG_SAN } from './world';

const NAME = 'wecom_links';
const CHANNEL = 'wecom_links';
/** A page of each client, with a query and a hash that must survive the sign-in. */
const CLASSIC_PAGE = '/admin/settings/users-permissions/users?from=wecom#leave-7';
const MODERN_PAGE = '/v/admin/settings/auth/authenticators?from=wecom#leave-8';

describe('Links in WeCom messages open signed in', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  async function removeChannel() {
    const api = await adminApi();
    const channels = await api.get<{ name: string }[]>('notificationChannels:list', { filter: JSON.stringify({ name: CHANNEL }) });
    for (const channel of channels) await api.post(`notificationChannels:destroy?filterByTk=${channel.name}`, {});
  }

  /** A text card to Zhang San (zhangsan in WeCom), sent through the app channel; waits for its send log. */
  async function sendCard(title: string, url: string) {
    const api = await adminApi();
    const triggerFrom = `e2e-links-${Date.now()}`;
    await api.post('messages:send', { channelName: CHANNEL, triggerFrom, receivers: { type: 'userId', value: [await zhangSanId(api)] }, message: { msgtype: 'textcard', title, description: 'Tap to open', url, btntxt: 'Open' } });
    await expect
      .poll(async () => (await api.get<{ status: string }[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom }) }))[0]?.status, { timeout: 60_000 })
      .toBe('success');
  }

  /** Opens zhangsan's inbox in the sandbox and taps the card's link. */
  async function tapCard(page: Page, title: string) {
    await page.goto(`${sandboxUrl}/inbox/zhangsan`);
    await page.locator('[data-message][data-msgtype="textcard"]').filter({ hasText: title }).first().locator('a[data-link]').click();
  }

  beforeAll(async () => {
    // No automatic login: the link alone signs the member in.
    await onlyWeComAuthenticator(NAME, demoOptions({ autoLogin: false }), 'WeCom links');
    await removeChannel();
    const api = await adminApi();
    await api.post('notificationChannels:create', { name: CHANNEL, title: 'WeCom links', notificationType: 'wecom', options: { authenticator: NAME } });
    // zhangsan links to his user (same phone) with a first sign-in in the WeCom client.
    expect((await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan')).status).toBe(200);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await removeChannel();
    await removeAuthenticator(NAME);
  });

  it("lands signed in on the classic page of a card's link tapped in the WeCom client, with no WeCom screen", async () => {
    await sendCard('Leave 7 (links)', CLASSIC_PAGE);
    const { page, urls, shown } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'links-classic');
    await tapCard(page, 'Leave 7 (links)');

    await page.waitForURL(`${appUrl}${CLASSIC_PAGE}`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    // Through the start URL (prompt=none) and the v1 callback page; the only WeCom page shown was the inbox.
    expect(urls).toContain(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none&fallback=page&redirect=/admin/settings/users-permissions/users%3Ffrom%3Dwecom%23leave-7`);
    expect(shown.some((url) => new URL(url).pathname === '/wecom/callback')).toBe(true);
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toEqual([`${sandboxUrl}/inbox/zhangsan`]);
    await page.locator('.ant-table').first().waitFor();
    await screenshot(page, 'links-01-classic-signed-in');
    await expectTokenNeverInUrls(page, urls);
  });

  it("lands signed in on the /v/ page of a card's link tapped in the WeCom client", async () => {
    await sendCard('Leave 8 (links)', MODERN_PAGE);
    const { page, urls, shown } = await newV2Visitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'links-modern');
    await tapCard(page, 'Leave 8 (links)');

    await page.waitForURL(`${appUrl}${MODERN_PAGE}`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(shown.some((url) => new URL(url).pathname === '/v/wecom/callback')).toBe(true);
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toEqual([`${sandboxUrl}/inbox/zhangsan`]);
    await page.getByRole('button', { name: 'Add new' }).waitFor();
    await screenshot(page, 'links-02-modern-signed-in');
    await expectTokenNeverInUrls(page, urls);
  });

  it('opens the page outside the WeCom client, which asks to sign in as usual and then shows it', async () => {
    const { page, urls, shown } = await newVisitor(browser);
    screenshotOnFailure(page, 'links-outside');
    await tapCard(page, 'Leave 7 (links)');

    // The start URL answered the page itself (hash included), whose client asks to sign in.
    expect(shown).toContain(`${appUrl}${CLASSIC_PAGE}`);
    await page.waitForURL((url) => url.pathname === '/signin');
    // No WeCom login was started: the start URL sent the browser straight to the page.
    expect(urls.filter((url) => url.startsWith(sandboxUrl) && !url.startsWith(`${sandboxUrl}/inbox/`))).toEqual([]);
    await page.getByPlaceholder('Username/Email').fill(ADMIN.email);
    await page.getByPlaceholder('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // NocoBase's own sign-in page returns to the page's path and query (it keeps no hash).
    await page.waitForURL(`${appUrl}${CLASSIC_PAGE.replace(/#.*$/, '')}`);
    // The admin, who signed in with the password.
    expect(await sessionUser(page)).toMatchObject({ id: 1 });
    await screenshot(page, 'links-03-outside-signed-in');
  });
});
