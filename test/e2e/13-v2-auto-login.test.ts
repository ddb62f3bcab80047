// Automatic login in the WeCom client on the modern client's pages: silent start with `client=v2`, the
// `/v/` callback, back to the `/v/` page; never a loop, and not right after a sign-out.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoOptions, expectTokenNeverInUrls, onlyWeComAuthenticator, sessionUser } from './app';
import { launchBrowser, screenshot, screenshotOnFailure, visibleText } from './browser';
import { newV2Visitor } from './v2';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_v2_auto';
const NO_MOBILE =
  'WeCom did not share your mobile number, so your account cannot be linked. Allow access to your mobile number when WeCom asks, or ask your administrator to enable it for this app.';

describe('Automatic login in the WeCom client, modern client (/v/)', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const start = (redirect: string, silent: boolean) =>
    `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=${redirect}${silent ? '&prompt=none' : ''}&locale=en-US&client=v2`;
  const starts = (urls: string[]) => urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`));
  const wecomVisitor = (userid: string, viewport?: { width: number; height: number }) =>
    newV2Visitor(browser, { wecom: true, member: { sandboxUrl, userid }, viewport });

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions({ autoLogin: true }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('asks for consent once on the first automatic login of a member on /v/admin, then links by phone', async () => {
    const { page, urls } = await wecomVisitor('zhangsan');
    screenshotOnFailure(page, 'v2-auto-first');
    await page.goto(`${appUrl}/v/admin`, { waitUntil: 'commit' });
    await page.locator('[data-action="allow"]').waitFor();
    expect(starts(urls)).toEqual([start('/v/admin', true), start('/v/admin', false)]);
    await page.locator('[data-action="allow"]').click();

    await page.waitForURL(`${appUrl}/v/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    await expectTokenNeverInUrls(page, urls);
  });

  it('signs a linked member in on /v/admin without a click, not again after a sign-out until the member clicks the WeCom button', async () => {
    // Wide (the WeCom client on a desktop): the user menu with "Sign out" is in the top bar.
    const { page, urls, shown } = await wecomVisitor('zhangsan', { width: 1280, height: 860 });
    screenshotOnFailure(page, 'v2-auto-linked');
    await page.goto(`${appUrl}/v/admin`, { waitUntil: 'commit' });
    await page.waitForURL((url) => url.pathname === '/v/wecom/callback');
    await page.waitForURL(`${appUrl}/v/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    // No WeCom page was shown, nothing was clicked.
    expect(shown.filter((url) => url.startsWith(sandboxUrl))).toEqual([]);
    expect(starts(urls)).toEqual([start('/v/admin', true)]);
    await page.getByTestId('user-center-button').waitFor();
    await screenshot(page, 'v2-auto-01-admin');

    // A touch device's User-Agent: the user menu opens on a click, not on hover.
    await page.getByTestId('user-center-button').click();
    await page.getByText('Sign out', { exact: true }).click();
    await page.waitForURL(`${appUrl}/v/signin?**`);
    // The button has decided when it shows: it takes its decision once, when it mounts, and covers the page
    // ("Signing in with WeCom…") when it leaves. The sign-in page stays: no second start, nobody signed in.
    await page.getByRole('link', { name: 'WeCom' }).waitFor();
    expect(await page.getByRole('status').count()).toBe(0);
    expect(starts(urls)).toHaveLength(1);
    expect(await sessionUser(page)).toBeUndefined();
    await screenshot(page, 'v2-auto-02-signed-out');

    // A click signs in again (the consent screen: a started login is not silent).
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${appUrl}/v/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });

    // The session ends without a sign-out (it expired): automatic login is back.
    await page.evaluate(() => localStorage.removeItem('NOCOBASE_TOKEN'));
    await page.goto(`${appUrl}/v/admin`, { waitUntil: 'commit' });
    await page.waitForURL((url) => url.pathname === '/v/wecom/callback');
    await page.waitForURL(`${appUrl}/v/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(starts(urls)).toEqual([start('/v/admin', true), start('/v/admin', false), start('/v/admin', true)]);
  });

  it('stays on /v/signin with the reason after a failed automatic login: no loop', async () => {
    const { page, urls } = await wecomVisitor('wangwu');
    screenshotOnFailure(page, 'v2-auto-failed');
    await page.goto(`${appUrl}/v/admin`, { waitUntil: 'commit' });
    await page.locator('[data-action="allow"]').click();

    await page.waitForURL(`${appUrl}/v/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(NO_MOBILE);
    await screenshot(page, 'v2-auto-03-failed');

    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/v/signin?redirect=%2Fv%2Fadmin`);
    expect(await visibleText(page.locator('.ant-alert-error'))).toBe(NO_MOBILE);
    await page.waitForLoadState('networkidle');
    expect(page.url()).toBe(`${appUrl}/v/signin?redirect=%2Fv%2Fadmin`);
    expect(starts(urls)).toHaveLength(2);
    await screenshot(page, 'v2-auto-04-no-loop');
  });
});
