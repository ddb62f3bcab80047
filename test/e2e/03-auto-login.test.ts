import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoOptions, expectTokenNeverInUrls, onlyWeComAuthenticator, sessionUser } from './app';
import { launchBrowser, newVisitor, PAGE_TIMEOUT, screenshot, screenshotOnFailure, visibleText } from './browser';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_auto';
const NO_MOBILE =
  'WeCom did not share your mobile number, so your account cannot be linked. Allow access to your mobile number when WeCom asks, or ask your administrator to enable it for this app.';

describe('Automatic login in the WeCom client', { timeout: 600_000 }, () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const start = (redirect: string, silent: boolean) =>
    `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=${redirect}${silent ? '&prompt=none' : ''}&locale=en-US`;
  const workbenchLink = `${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none`;
  const consentScreen = (page: Page) => page.locator('[data-consent]');
  const wecomVisitor = (userid: string) => newVisitor(browser, { wecom: true, member: { sandboxUrl, userid } });

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions({ autoLogin: true }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('asks for consent once on the first automatic login of a member, then links by phone', async () => {
    const { page, urls, shown } = await wecomVisitor('zhangsan');
    screenshotOnFailure(page, 'auto-first');
    await page.goto(`${appUrl}/admin`);

    // Silent first (prompt=none); WECOM_CONSENT_REQUIRED brings the consent screen, once.
    await page.locator('[data-action="allow"]').waitFor();
    await screenshot(page, 'auto-01-consent');
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([start('/admin', true), start('/admin', false)]);
    await page.locator('[data-action="allow"]').click();

    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toHaveLength(1);
    await expectTokenNeverInUrls(page, urls);
  });

  it('covers the sign-in form while it leaves for WeCom', async () => {
    const { page } = await wecomVisitor('zhangsan');
    screenshotOnFailure(page, 'auto-leaving');
    // A 204 answer cancels the navigation to the start URL: the page stays as it was when it left.
    let started = false;
    await page.route(`${appUrl}/api/wecom:authorize**`, (route) => {
      started = true;
      return route.fulfill({ status: 204 });
    });
    await page.goto(`${appUrl}/admin`);
    await page.waitForURL(`${appUrl}/signin?redirect=/admin`);
    await expect.poll(() => started, { timeout: PAGE_TIMEOUT }).toBe(true);
    expect(await visibleText(page.getByRole('status'))).toBe('Signing in with WeCom…');
    await screenshot(page, 'auto-02-leaving-signin-page');
  });

  it('signs a linked member in from /admin without a click', async () => {
    const { page, urls, shown } = await wecomVisitor('zhangsan');
    screenshotOnFailure(page, 'auto-linked');
    await page.goto(`${appUrl}/admin`);
    await page.waitForURL((url) => url.pathname === '/wecom/callback');
    await page.waitForURL(`${appUrl}/admin`);

    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    // No WeCom page was shown, nothing was clicked.
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toEqual([]);
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([start('/admin', true)]);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'auto-03-admin');
    await expectTokenNeverInUrls(page, urls);
  });

  it('signs a linked member in from /m (mobile) without a click', async () => {
    const { page, urls, shown } = await wecomVisitor('zhangsan');
    screenshotOnFailure(page, 'auto-mobile');
    await page.goto(`${appUrl}/m`);
    await page.waitForURL((url) => url.pathname === '/wecom/callback');
    await page.waitForURL(`${appUrl}/m`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toEqual([]);
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([start('/m', true)]);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'auto-04-mobile');
    await expectTokenNeverInUrls(page, urls);
  });

  /** Signed in without a click on `path` (`/admin`, `/m`) as zhangsan. */
  const signedInAutomatically = async (page: Page, path: string) => {
    await page.goto(`${appUrl}${path}`);
    await page.waitForURL((url) => url.pathname === '/wecom/callback');
    await page.waitForURL(`${appUrl}${path}`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
  };

  /**
   * The sign-in page after a sign-out, once its WeCom button has decided: the button shows that it does not
   * leave (a cover "Signing in with WeCom…" while it does), and its decision is taken once, when it mounts.
   */
  const expectStaysSignedOut = async (page: Page, urls: string[], startsBefore: number) => {
    await page.waitForURL((url) => url.pathname === '/signin');
    await page.getByRole('link', { name: 'WeCom' }).waitFor();
    expect(await page.getByRole('status').count()).toBe(0);
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toHaveLength(startsBefore);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(await sessionUser(page)).toBeUndefined();
  };

  const signOutOfAdmin = async (page: Page) => {
    // A touch device's User-Agent: the user menu opens on a click, not on hover.
    await page.getByTestId('user-center-button').click();
    await page.getByText('Sign out', { exact: true }).click();
  };

  it('stays signed out after Sign out in /admin until the member clicks the WeCom button; then automatic login works again', async () => {
    // Wide (the WeCom client on a desktop): the user menu with "Sign out" is in the top bar.
    const { page, urls } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' }, viewport: { width: 1280, height: 860 } });
    screenshotOnFailure(page, 'auto-sign-out');
    await signedInAutomatically(page, '/admin');
    await signOutOfAdmin(page);
    await expectStaysSignedOut(page, urls, 1);
    await screenshot(page, 'auto-10-signed-out');

    // A click signs in again (the consent screen: a started login is not silent).
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });

    // The session ends without a sign-out (it expired): automatic login is back.
    await page.evaluate(() => localStorage.removeItem('NOCOBASE_TOKEN'));
    await signedInAutomatically(page, '/admin');
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([
      start('/admin', true),
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&locale=en-US`,
      start('/admin', true),
    ]);
  });

  it('signs a member in again from the workbench link after a sign-out', async () => {
    const { page, urls } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' }, viewport: { width: 1280, height: 860 } });
    screenshotOnFailure(page, 'auto-sign-out-workbench');
    await signedInAutomatically(page, '/admin');
    await signOutOfAdmin(page);
    await expectStaysSignedOut(page, urls, 1);

    await page.goto(workbenchLink);
    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
  });

  it('stays on the sign-in page with the reason after a failed automatic login: no loop', async () => {
    const { page, urls } = await wecomVisitor('wangwu');
    screenshotOnFailure(page, 'auto-failed');
    await page.goto(`${appUrl}/admin`);
    await page.locator('[data-action="allow"]').click();

    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(NO_MOBILE);
    await screenshot(page, 'auto-05-failed');

    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/signin?redirect=%2Fadmin`);
    expect(await visibleText(page.locator('.ant-alert-error'))).toBe(NO_MOBILE);
    await page.waitForTimeout(2000);
    expect(page.url()).toBe(`${appUrl}/signin?redirect=%2Fadmin`);
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toHaveLength(2);
    await screenshot(page, 'auto-06-no-loop');
  });

  it('asks for consent again when the workbench link is reopened in the tab where the consent was denied', async () => {
    const { page, urls } = await wecomVisitor('lisi');
    screenshotOnFailure(page, 'auto-deny-reopen');
    await page.goto(workbenchLink);
    await consentScreen(page).waitFor();
    await page.locator('[data-action="deny"]').click();
    await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    await screenshot(page, 'auto-07-denied');

    // A new login: its silent start may restart with the consent screen, whatever the last one did.
    await page.goto(workbenchLink);
    await consentScreen(page).waitFor();
    const withConsent = `${appUrl}/api/wecom:authorize?authenticator=${NAME}&locale=en-US`;
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([workbenchLink, withConsent, workbenchLink, withConsent]);
    await screenshot(page, 'auto-08-consent-again');

    // "Try again" after a deny brings the consent screen too.
    await page.locator('[data-action="deny"]').click();
    await page.getByRole('link', { name: 'Try again' }).click();
    await consentScreen(page).waitFor();
  });

  it('tells a member who consented but has no mobile number so, also when the workbench link is reopened', async () => {
    const { page } = await wecomVisitor('wangwu');
    screenshotOnFailure(page, 'auto-no-mobile-reopen');
    for (const attempt of [1, 2]) {
      await page.goto(workbenchLink);
      await page.locator('[data-action="allow"]').click();
      await page.waitForURL(`${appUrl}/wecom/callback?authenticator=${NAME}`);
      expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description')), `attempt ${attempt}`).toBe(NO_MOBILE);
    }
    await screenshot(page, 'auto-09-no-mobile-again');
    // "Try again" starts the login again: the consent screen, where the member can share the number.
    await page.getByRole('link', { name: 'Try again' }).click();
    await consentScreen(page).waitFor();
  });
});
