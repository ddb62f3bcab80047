import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, sessionUser } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, visibleText } from './browser';
import { ZHANG_SAN } from './world';


const NAME = 'wecom_callback';
const DISABLED = 'wecom_callback_off';
const FAILED = 'WeCom sign-in failed. Please try again.';
const NO_SUCH_METHOD = 'This WeCom sign-in method does not exist or is disabled.';
const CONFIG =
  'WeCom sign-in is not configured correctly. Ask your administrator to check the WeCom authenticator settings.';

describe('The WeCom callback page', { timeout: 600_000 }, () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const callback = (query: string) => `${appUrl}/wecom/callback?${query}`;
  const errorText = (page: Page) => visibleText(page.locator('.ant-alert-error .ant-alert-description'));
  const signInCalls = (urls: string[]) => urls.filter((url) => url.startsWith(`${appUrl}/api/auth:signIn`));

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions());
    await removeAuthenticator(DISABLED);
    const api = await adminApi();
    await api.post('authenticators:create', { name: DISABLED, authType: 'WeCom', title: 'WeCom (off)', enabled: false, options: demoOptions() });
    browser = await launchBrowser();
    // zhangsan links to his user once, in the WeCom client, for the QR logins below.
    const { page } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    await page.goto(`${appUrl}/api/wecom:authorize?authenticator=${NAME}`);
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${appUrl}/admin`);
    await page.context().close();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(DISABLED);
  });

  it('shows the generic message for ?error=constructor and every other unknown code', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'callback-unknown-code');
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'WECOM_NO_SUCH_CODE']) {
      await page.goto(callback(`authenticator=${NAME}&error=${code}`));
      expect(await errorText(page), code).toBe(FAILED);
    }
    expect(await page.locator('body').innerText()).not.toContain('native code');
    await screenshot(page, 'callback-01-unknown-code');
  });

  it('never renders HTML or script from error, error_description or the authenticator name', async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'callback-html');
    const html = encodeURIComponent('<img id="injected" src="x" onerror="window.__pwned=1">');
    const script = encodeURIComponent('<script>window.__pwned=2</script><b id="injected-b">bold</b>');
    await page.goto(callback(`authenticator=${NAME}&error=${html}&error_description=${script}`));
    expect(await errorText(page)).toBe(FAILED);
    await page.goto(callback(`authenticator=${html}&code=abc&state=${script}&error_description=${script}`));
    expect(await errorText(page)).toBe(NO_SUCH_METHOD);

    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#injected, #injected-b').count()).toBe(0);
    expect(signInCalls(urls)).toEqual([]);
    await screenshot(page, 'callback-02-html-not-rendered');
  });

  it('says the WeCom sign-in method does not exist or is disabled for a callback naming an unknown, disabled or non-WeCom authenticator', async () => {
    const { page, urls } = await newVisitor(browser, { locale: 'zh-CN' });
    screenshotOnFailure(page, 'callback-unknown-authenticator');
    for (const name of ['no_such_authenticator', DISABLED, 'basic']) {
      await page.goto(callback(`authenticator=${name}&code=some-code&state=someState`));
      expect(await errorText(page), name).toBe('该企业微信登录方式不存在或已停用。');
      // Nothing to try again; the sign-in page is the way forward.
      expect(await page.getByRole('link', { name: '重试' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: '返回登录页' }).getAttribute('href')).toBe('/signin');
    }
    // NocoBase's auth:signIn would have answered with the first authenticator's error (the password form's).
    expect(signInCalls(urls)).toEqual([]);
    await screenshot(page, 'callback-03-unknown-authenticator-zh');
  });

  it('shows a cancel on the QR page as information, and "Try again" starts the same login again', async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'callback-cancel-retry');
    await page.goto(`${appUrl}/signin?redirect=%2Fadmin%2Fpm%2Flist`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="deny"]').click();

    await page.waitForURL(callback(`authenticator=${NAME}`));
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    expect(await page.locator('.ant-alert-error').count()).toBe(0);
    await screenshot(page, 'callback-04-cancelled');

    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))).toEqual([
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/admin/pm/list&locale=en-US`,
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/admin/pm/list&prompt=none&locale=en-US`,
    ]);
    await page.locator('[data-userid="zhangsan"]').click();
    await page.waitForURL(`${appUrl}/admin/pm/list`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
  });

  it('keeps a cancel as information under the WeCom button of the sign-in page', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'callback-cancel-back');
    await page.goto(`${appUrl}/signin`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.locator('[data-action="deny"]').click();
    await page.waitForURL(callback(`authenticator=${NAME}`));
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/signin`);
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    expect(await page.locator('.ant-alert-error').count()).toBe(0);
    await screenshot(page, 'callback-05-cancel-on-signin-page');
  });

  it('offers only "Back to sign-in" when the administrator must act first', async () => {
    const { page } = await newVisitor(browser);
    screenshotOnFailure(page, 'callback-config');
    await page.goto(callback(`authenticator=${NAME}&error=WECOM_CONFIG`));
    expect(await errorText(page)).toBe(CONFIG);
    expect(await page.getByRole('link', { name: 'Try again' }).count()).toBe(0);
    await screenshot(page, 'callback-06-config');
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/signin`);
    expect(await visibleText(page.locator('.ant-alert-error'))).toBe(CONFIG);
  });

  it('opens the web login page in the NocoBase UI language, not the browser language', async () => {
    // A Chinese browser with NocoBase set to English, then the other way round.
    for (const [browserLocale, uiLocale, lang] of [
      ['zh-CN', 'en-US', 'en'],
      ['en-US', 'zh-CN', 'zh-CN'],
    ]) {
      const { page, context } = await newVisitor(browser, { locale: browserLocale });
      screenshotOnFailure(page, `callback-locale-${uiLocale}`);
      await context.addInitScript((locale) => localStorage.setItem('NOCOBASE_LOCALE', locale), uiLocale);
      await page.goto(`${appUrl}/signin`);
      const button = page.locator('a[href*="wecom:authorize"]');
      expect(await button.getAttribute('href')).toBe(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&locale=${uiLocale}`);
      await button.click();
      await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
      expect(await page.locator('html').getAttribute('lang'), uiLocale).toBe(lang);
      await screenshot(page, `callback-07-qr-page-${uiLocale}`);
    }
  });
});
