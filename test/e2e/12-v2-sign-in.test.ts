// Signing in with WeCom from the modern client's sign-in page (`/v/signin`): the start URL asks for the
// `/v/` callback route (`client=v2`), which finishes through auth:signIn and returns to the `/v/` page.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoOptions, expectOnlyOrigins, expectTokenNeverInUrls, onlyWeComAuthenticator, sessionUser } from './app';
import { launchBrowser, screenshot, screenshotOnFailure, visibleText } from './browser';
import { newV2Visitor } from './v2';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_v2_signin';
const NOT_LINKED =
  'Your WeCom account is not linked to a user yet. Open this app once from the WeCom workbench (inside the WeCom client) to link it, then sign in again.';

describe('Signing in with WeCom in the modern client (/v/)', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const callback = `${appUrl}/v/wecom/callback?authenticator=${NAME}`;

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, { ...demoOptions(), public: { autoSignup: false, autoLogin: false, tooltip: 'Scan with WeCom' } } as never);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the WeCom button on /v/signin with its tooltip; it starts a /v/ login keeping the redirect', async () => {
    const { page } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'v2-signin-button');
    await page.goto(`${appUrl}/v/signin?redirect=%2Fv%2Fadmin%2Fsettings`);
    const button = page.getByRole('link', { name: 'WeCom' });
    expect(await button.getAttribute('href')).toBe(
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin/settings&locale=en-US&client=v2`,
    );
    expect(await page.locator('input[type=password]').isVisible()).toBe(true);
    await button.hover();
    expect(await visibleText(page.getByRole('tooltip'))).toBe('Scan with WeCom');
    await screenshot(page, 'v2-signin-01-button');
  });

  it('links a member on the first login in the WeCom client, on the /v/ callback page, and lands on /v/admin', async () => {
    const { page, urls } = await newV2Visitor(browser, { wecom: true });
    screenshotOnFailure(page, 'v2-signin-first');
    await page.goto(`${appUrl}/v/admin`);
    await page.waitForURL(`${appUrl}/v/signin?redirect=**`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.waitForURL(`${sandboxUrl}/connect/oauth2/authorize?**`);
    await page.locator('[data-userid="zhangsan"]').click();
    // Hold the sign-in request a moment to see the callback page.
    await page.route('**/api/auth:signIn', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.locator('[data-action="allow"]').click();
    // The code and the state are gone from the address bar (and the history).
    await page.waitForURL(callback);
    expect(await visibleText(page.getByText('Signing in with WeCom…'))).toBe('Signing in with WeCom…');
    await screenshot(page, 'v2-signin-02-callback');

    await page.waitForURL(`${appUrl}/v/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username, phone: ZHANG_SAN.phone });
    const started = urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`));
    expect(started).toEqual([`${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin&locale=en-US&client=v2`]);
    // WeCom was asked to come back to the /v/ callback route.
    const wecom = new URL(urls.find((url) => url.startsWith(`${sandboxUrl}/connect/oauth2/authorize`))!);
    expect(wecom.searchParams.get('redirect_uri')).toBe(callback);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'v2-signin-03-admin');
    await expectTokenNeverInUrls(page, urls);
    expectOnlyOrigins(urls, [appUrl, sandboxUrl]);
  });

  it('signs a linked member in with the QR login from /v/signin and returns to the /v/ page it started on', async () => {
    const { page, urls } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'v2-signin-qr');
    await page.goto(`${appUrl}/v/admin/settings/auth/authenticators`, { waitUntil: 'commit' });
    await page.waitForURL(`${appUrl}/v/signin?redirect=**`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    await screenshot(page, 'v2-signin-04-qr');
    await page.locator('[data-userid="zhangsan"]').click();

    await page.waitForURL(`${appUrl}/v/admin/settings/auth/authenticators`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    await page.getByRole('button', { name: 'Add new' }).waitFor();
    await screenshot(page, 'v2-signin-05-returned');
    await expectTokenNeverInUrls(page, urls);
  });

  it('shows why a QR login failed on the /v/ callback page, and again under the button on /v/signin', async () => {
    const { page } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'v2-signin-failed');
    await page.goto(`${appUrl}/v/signin`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-userid="lisi"]').click();

    await page.waitForURL(callback);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(NOT_LINKED);
    expect(await sessionUser(page)).toBeUndefined();
    await screenshot(page, 'v2-signin-06-not-linked');

    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/v/signin?redirect=%2Fv%2Fadmin%2F`);
    expect(await visibleText(page.locator('.ant-alert-error'))).toBe(NOT_LINKED);
    await screenshot(page, 'v2-signin-07-reason-on-signin');
  });

  it('shows a cancelled QR login as information, with Try again starting the same login', async () => {
    const { page, urls } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'v2-signin-cancel');
    await page.goto(`${appUrl}/v/signin`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="deny"]').click();

    await page.waitForURL(callback);
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    // /v/signin without a redirect makes it the modern client's home, `/v/admin/`.
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin/&locale=en-US&client=v2`,
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin/&prompt=none&locale=en-US&client=v2`,
    ]);
  });
});
