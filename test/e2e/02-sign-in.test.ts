import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, expectOnlyOrigins, expectTokenNeverInUrls, onlyWeComAuthenticator, sessionUser } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, visibleText } from './browser';
import { changeContacts } from './sandbox-control';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_signin';
const ROOT_REFUSED =
  "Your mobile number in WeCom belongs to a NocoBase root user. Root users sign in with their password only, never with WeCom. Ask your administrator to give that root user another mobile number (or none), or sign in with the password.";
/** A number no member and no other user has. */
const ROOT_PHONE = '13700000099';
const NOT_LINKED =
  'Your WeCom account is not linked to a user yet. Open this app once from the WeCom workbench (inside the WeCom client) to link it, then sign in again.';

describe('Signing in with WeCom', { timeout: 600_000 }, () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the WeCom button under the sign-in form, keeping the redirect', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'signin-button');
    await page.goto(`${appUrl}/signin?redirect=%2Fadmin%2Fpm%2Flist`);
    const button = page.getByRole('link', { name: 'WeCom' });
    expect(await button.getAttribute('href')).toBe(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/admin/pm/list&locale=en-US`);
    expect(await page.getByPlaceholder('Password').isVisible()).toBe(true);
    await screenshot(page, 'signin-01-button');
  });

  it('links a member by phone on the first login in the WeCom client and lands on /admin', async () => {
    const { page, urls } = await newVisitor(browser, { wecom: true });
    screenshotOnFailure(page, 'signin-wecom-first');
    await page.goto(`${appUrl}/admin`);
    await page.waitForURL(`${appUrl}/signin?redirect=/admin`);
    await page.getByRole('link', { name: 'WeCom' }).click();

    // The sandbox plays the WeCom client: who is signed in to it, then the consent screen.
    await page.waitForURL(`${sandboxUrl}/connect/oauth2/authorize?**`);
    await screenshot(page, 'signin-02-wecom-client-member');
    await page.locator('[data-userid="zhangsan"]').click();
    await page.locator('[data-action="allow"]').waitFor();
    await screenshot(page, 'signin-03-wecom-consent');

    // Hold the sign-in request a moment to see the callback page.
    await page.route('**/api/auth:signIn', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.getByText('Signing in with WeCom…'))).toBe('Signing in with WeCom…');
    expect(await page.getByPlaceholder('Password').count()).toBe(0);
    await screenshot(page, 'signin-04-callback');

    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username, phone: ZHANG_SAN.phone });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'signin-05-admin');
    await expectTokenNeverInUrls(page, urls);
    expectOnlyOrigins(urls, [appUrl, sandboxUrl]);
  });

  it('signs a linked member in with the QR login and lands on the redirect path', async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'signin-qr-linked');
    await page.goto(`${appUrl}/admin/pm/list`);
    await page.waitForURL(`${appUrl}/signin?redirect=/admin/pm/list`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    await screenshot(page, 'signin-06-qr');
    await page.locator('[data-userid="zhangsan"]').click();

    await page.waitForURL(`${appUrl}/admin/pm/list`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'signin-07-redirect-path');
    await expectTokenNeverInUrls(page, urls);
  });

  it('refuses the QR login of a member who is not linked yet, and says to open it once in WeCom', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'signin-qr-unlinked');
    await page.goto(`${appUrl}/signin?redirect=%2Fadmin`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-userid="lisi"]').click();

    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(NOT_LINKED);
    await screenshot(page, 'signin-08-not-linked');

    // Starting the same login again cannot help: the way forward is the sign-in page, where the reason
    // stays under the WeCom button.
    expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/signin?redirect=%2Fadmin`);
    expect(await visibleText(page.locator('.ant-alert-error'))).toBe(NOT_LINKED);
    expect(await sessionUser(page)).toBeUndefined();
    await screenshot(page, 'signin-09-reason-on-signin-page');
  });

  it("refuses in the WeCom client a member whose mobile number is the root user's: the reason, no 'Try again', nobody signed in, nothing written", async () => {
    const api = await adminApi();
    // What whoever administers WeCom can do: give a member (wangwu, who has no number) the root user's number.
    await changeContacts({ changeType: 'update_user', user: { userid: 'wangwu', mobile: ROOT_PHONE }, deliver: false });
    await api.post('users:update?filterByTk=1', { phone: ROOT_PHONE });
    try {
      const written = async () => ({
        users: (await api.get<unknown[]>('users:list', { paginate: 'false' })).length,
        links: (await api.get<unknown[]>('usersAuthenticators:list', { filter: JSON.stringify({ authenticator: NAME }), paginate: 'false' })).length,
      });
      const before = await written();
      const { page, urls } = await newVisitor(browser, { wecom: true });
      screenshotOnFailure(page, 'signin-root-refused');
      await page.goto(`${appUrl}/admin`);
      await page.waitForURL(`${appUrl}/signin?redirect=/admin`);
      await page.getByRole('link', { name: 'WeCom' }).click();
      await page.waitForURL(`${sandboxUrl}/connect/oauth2/authorize?**`);
      await page.locator('[data-userid="wangwu"]').click();
      await page.locator('[data-action="allow"]').click();

      await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
      expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(ROOT_REFUSED);
      expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(0);
      expect(await sessionUser(page)).toBeUndefined();
      await screenshot(page, 'signin-12-root-refused');
      expectOnlyOrigins(urls, [appUrl, sandboxUrl]);
      expect(await written()).toEqual(before);
    } finally {
      await api.post('users:update?filterByTk=1', { phone: null });
      await changeContacts({ changeType: 'update_user', user: { userid: 'wangwu', mobile: '' }, deliver: false });
    }
  });

  it('says calmly that the sign-in was cancelled when the member cancels on the QR page', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'signin-qr-cancel');
    await page.goto(`${appUrl}/signin`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="deny"]').click();

    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    expect(await page.locator('.ant-alert-error').count()).toBe(0);
    await screenshot(page, 'signin-10-cancelled');
  });

  it('shows the localized reason when the sign-in cannot start', async () => {
    const { page } = await newVisitor(browser, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'signin-cannot-start');
    await page.goto(`${appUrl}/api/wecom:authorize?authenticator=no_such_authenticator`);
    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=no_such_authenticator`);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe('该企业微信登录方式不存在或已停用。');
    await screenshot(page, 'signin-11-cannot-start-zh');
  });
});
