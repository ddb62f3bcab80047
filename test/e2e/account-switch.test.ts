import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, sessionUser, zhangSanId } from './app';
import { launchBrowser, newVisitor, PAGE_TIMEOUT, screenshot, screenshotOnFailure, storedToken, visibleText } from './browser';
import { ZHANG_SAN } from './world';


const NAME = 'wecom_switch';

/**
 * One phone, two WeCom accounts: member A (zhangsan, user Zhang San) has a NocoBase session in the WeCom
 * client's browser, then the client is switched to member B (lisi).
 */
describe('Switching accounts in the WeCom client', { timeout: 600_000 }, () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const workbenchLink = `${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none`;
  const starts = (urls: string[]) => urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`));
  const fromWeCom = (shown: string[]) => shown.filter((url) => url.startsWith(sandboxUrl));
  const switchTo = (context: BrowserContext, userid: string) =>
    context.addCookies([{ name: 'wecom_sandbox_member', value: userid, url: sandboxUrl }]);

  /** Member A signs in from the workbench; answers A's session token. */
  async function signedInAsA(page: Page): Promise<string> {
    await page.goto(workbenchLink);
    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    return (await storedToken(page)) as string;
  }

  /** A valid session token still answers auth:check with its user. */
  const userOfToken = (page: Page, token: string) =>
    page.evaluate(async (bearer) => {
      const res = await fetch('/api/auth:check', { headers: { authorization: `Bearer ${bearer}` } });
      return ((await res.json()) as { data?: { id?: number } }).data?.id;
    }, token);

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions({ autoSignup: true, autoLogin: true }));
    browser = await launchBrowser();
    // Both members link once (consent screen, unless linked by an earlier run on this app); lisi's user is
    // created by auto sign-up.
    for (const userid of ['zhangsan', 'lisi']) {
      const { page, context } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid } });
      await page.goto(workbenchLink);
      await page.waitForURL((url) => url.href === `${appUrl}/admin` || url.href.startsWith(`${sandboxUrl}/connect/oauth2/authorize`));
      if (page.url().startsWith(sandboxUrl)) await page.locator('[data-action="allow"]').click();
      await page.waitForURL(`${appUrl}/admin`);
      await context.close();
    }
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('replaces member A’s session with member B’s when B opens the workbench link', async () => {
    const { page, context, shown } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'switch-workbench-link');
    const tokenOfA = await signedInAsA(page);

    await switchTo(context, 'lisi');
    await page.goto(workbenchLink);
    await page.waitForURL((url) => url.pathname === '/wecom/callback');
    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ nickname: 'Li Si' });
    expect(await storedToken(page)).not.toBe(tokenOfA);
    expect(fromWeCom(shown)).toEqual([]);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'switch-01-workbench-link-as-b');
  });

  it('replaces member A’s session with member B’s when B opens the sign-in page, once per tab', async () => {
    const { page: tabOfA, context } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(tabOfA, 'switch-signin-page');
    await signedInAsA(tabOfA);

    // The WeCom client opens a new browser tab for member B; NocoBase's session (localStorage) is shared.
    await switchTo(context, 'lisi');
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_TIMEOUT);
    screenshotOnFailure(page, 'switch-signin-page-b');
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${appUrl}/signin`);
    await page.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(page)).toMatchObject({ nickname: 'Li Si' });
    expect(starts(urls)).toEqual([`${workbenchLink}&locale=en-US`]);

    // Signed in with WeCom in this tab: no more trips to WeCom, neither for the sign-in page nor any other.
    await page.goto(`${appUrl}/signin`);
    await page.getByRole('link', { name: 'WeCom' }).waitFor();
    await page.goto(`${appUrl}/admin`);
    await page.waitForLoadState('networkidle');
    expect(page.url()).toBe(`${appUrl}/admin`);
    expect(starts(urls)).toHaveLength(1);
    expect(await sessionUser(page)).toMatchObject({ nickname: 'Li Si' });
    await screenshot(page, 'switch-02-signin-page-as-b');
  });

  it('keeps the session of a member who opens the app without the sign-in page or the workbench link', async () => {
    const { page, urls } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'switch-no-round-trip');
    await signedInAsA(page);
    const before = starts(urls).length;
    for (const path of ['/admin', '/admin/settings/plugin-manager', '/admin']) {
      await page.goto(`${appUrl}${path}`);
      await page.waitForLoadState('networkidle');
      expect(page.url()).toBe(`${appUrl}${path}`);
    }
    expect(starts(urls)).toHaveLength(before);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
  });

  it('signs member A out when the WeCom client reports someone who cannot sign in', async () => {
    const { page, context } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'switch-failed');
    const tokenOfA = await signedInAsA(page);
    expect(await userOfToken(page, tokenOfA)).toBe(await zhangSanId(await adminApi()));

    await switchTo(context, 'openid:oDemoGuest0000000001');
    await page.goto(workbenchLink);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(
      'Only members of the organization can sign in with WeCom.',
    );
    await expect.poll(() => storedToken(page), { timeout: PAGE_TIMEOUT }).toBeFalsy();
    expect(await userOfToken(page, tokenOfA)).toBeUndefined();
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${appUrl}/signin`);
    expect(await sessionUser(page)).toBeUndefined();
    await screenshot(page, 'switch-03-failed-signed-out');
  });

  it('signs no one out for a made-up callback link', async () => {
    const { page } = await newVisitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'switch-forged');
    await signedInAsA(page);
    await page.goto(`${appUrl}/wecom/callback?authenticator=${NAME}&code=made-up&state=madeUpState`);
    expect(await visibleText(page.locator('.ant-alert-error .ant-alert-description'))).toBe(
      'This sign-in has expired, was already used, or was started in another browser. Please start the WeCom sign-in again.',
    );
    await page.goto(`${appUrl}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.locator('.ant-alert-info'))).toBe('WeCom sign-in was cancelled.');
    await page.goto(`${appUrl}/admin`);
    await page.waitForLoadState('networkidle');
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
  });
});
