// Signing in with WeCom inside a sub-app of NocoBase's multi-app manager, with the real prebuilt clients
// (its own world, test/e2e/sub-app.ts): the sub-app's pages are under `/apps/<name>/` (v1) and
// `/v/apps/<name>/` (v2), its API calls carry X-App, and the client keeps its session under its own
// localStorage keys (`NOCOBASE_<NAME>_TOKEN`).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomUser, WECOM_UA } from '../helpers/wecom-user';
import { expectOnlyOrigins } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, visibleText } from './browser';
import { startSubAppWorld, type SubAppWorld } from './sub-app';
import { newV2Visitor, openDrawer, row } from './v2';
import { CORP, ZHANG_SAN } from './world';

const NAME = 'wecom';
/** The start of the warning of a sub-app that shares the main app's sign-in secret (src/server/auth/sign-in-secret.ts). */
const SHARED_SECRET = 'This sub-app shares its sign-in secret with the main app or another app:';

describe('Signing in with WeCom in a sub-app of the multi-app manager', () => {
  let world: SubAppWorld;
  let browser: Browser;
  let appUrl: string;
  let sandboxUrl: string;
  let sub: string;
  const tokenKey = () => `NOCOBASE_${sub.toUpperCase()}_TOKEN`;

  /** The user of the page's session in the sub-app, asked (X-App) with the token the page stored for it. */
  async function subAppSession(page: Page): Promise<{ id: number; phone?: string } | undefined> {
    return page.evaluate(
      async ({ app, key }) => {
        const res = await fetch('/api/auth:check', {
          headers: { authorization: `Bearer ${localStorage.getItem(key) ?? ''}`, 'x-authenticator': 'wecom', 'x-app': app },
        });
        const body = (await res.json().catch(() => ({}))) as { data?: { id: number; phone?: string } };
        return body.data?.id ? body.data : undefined;
      },
      { app: sub, key: tokenKey() },
    );
  }

  /** The main app's pages in the same browser are signed out: its admin sends to its sign-in page. */
  async function expectMainAppSignedOut(page: Page): Promise<void> {
    await page.goto(`${appUrl}/admin`);
    await page.waitForURL(`${appUrl}/signin?redirect=/admin`);
    await page.getByPlaceholder('Password').waitFor();
  }

  /** The sub-app's session token was stored, and never was part of a URL the browser requested or showed. */
  async function expectTokenNeverInUrls(page: Page, urls: string[]): Promise<void> {
    const stored = await page.evaluate(() => ({ ...localStorage }) as Record<string, string>);
    const token = stored[tokenKey()];
    expect(token).toBeTruthy();
    // Nothing was stored for the main app.
    expect(stored.NOCOBASE_TOKEN).toBeUndefined();
    expect(urls.filter((url) => url.includes(token) || /[?&#]token=/.test(url))).toEqual([]);
  }

  /** Holds the page's auth:signIn until released, to see the callback page without a fixed wait. */
  async function holdSignIn(page: Page): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/auth:signIn', async (route) => {
      await released;
      await route.continue();
    });
    return release;
  }

  /** Signs in to the sub-app by QR code from its sign-in page (`prefix`: '' for v1, '/v' for the modern client). */
  async function signInByQr(page: Page, prefix: '' | '/v'): Promise<void> {
    await page.goto(`${appUrl}${prefix}/apps/${sub}/admin`, { waitUntil: 'commit' });
    await page.waitForURL(`${appUrl}${prefix}/apps/${sub}/signin?redirect=**`);
    await page.getByRole('link', { name: 'WeCom' }).click();
    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    await page.locator('[data-userid="zhangsan"]').click();
    await page.waitForURL(`${appUrl}${prefix}/apps/${sub}/admin**`);
  }

  beforeAll(async () => {
    world = await startSubAppWorld();
    ({ appUrl, sandboxUrl, subApp: sub } = world);
    await world.subAdmin.post('authenticators:create', {
      name: NAME,
      authType: 'WeCom',
      title: 'WeCom',
      enabled: true,
      options: {
        public: { autoSignup: false, autoLogin: false },
        corpId: CORP.corpId,
        agentId: CORP.agentId,
        corpSecret: CORP.secret,
        origin: appUrl,
        redirectPath: '/admin',
      },
    });
    // The sub-app's user Zhang San (not root) has zhangsan's phone; the main app has no such user (nothing to link there).
    await world.subAdmin.post('users:create', ZHANG_SAN);
    // zhangsan's first login, in the WeCom client, links them to the sub-app's Zhang San; the tests then scan.
    const linked = await new WecomUser(appUrl, WECOM_UA, sub).signInInClient(NAME, 'zhangsan');
    expect(linked.status).toBe(200);
    browser = await launchBrowser();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  }, 120_000);

  it("v1: the WeCom button on the sub-app's sign-in page leads to the QR page, back to the sub-app's callback page, and in to its admin", async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'sub-app-v1');
    await page.goto(`${appUrl}/apps/${sub}/admin`);
    await page.waitForURL(`${appUrl}/apps/${sub}/signin?redirect=/admin`);
    const button = page.getByRole('link', { name: 'WeCom' });
    // A navigation carries no X-App: the start URL names the sub-app in its path.
    expect(await button.getAttribute('href')).toBe(`${appUrl}/api/__app/${sub}/wecom:authorize?authenticator=${NAME}&redirect=/admin&locale=en-US`);
    await screenshot(page, 'sub-app-01-signin');
    await button.click();

    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    expect(new URL(page.url()).searchParams.get('redirect_uri')).toBe(`${appUrl}/apps/${sub}/wecom/callback?authenticator=${NAME}`);
    await screenshot(page, 'sub-app-02-qr');
    const release = await holdSignIn(page);
    await page.locator('[data-userid="zhangsan"]').click();

    // The code and the state are gone from the address bar.
    await page.waitForURL(`${appUrl}/apps/${sub}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.getByText('Signing in with WeCom…'))).toBe('Signing in with WeCom…');
    await screenshot(page, 'sub-app-03-callback');
    release();

    await page.waitForURL(`${appUrl}/apps/${sub}/admin`);
    expect(await subAppSession(page)).toMatchObject({ username: ZHANG_SAN.username, phone: ZHANG_SAN.phone });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'sub-app-04-admin');
    await expectTokenNeverInUrls(page, urls);
    expectOnlyOrigins(urls, [appUrl, sandboxUrl]);
    await expectMainAppSignedOut(page);
  });

  it("v2: the WeCom button on the sub-app's /v/ sign-in page comes back to its /v/ callback page and returns to its /v/ admin", async () => {
    const { page, urls } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'sub-app-v2');
    await page.goto(`${appUrl}/v/apps/${sub}/admin`, { waitUntil: 'commit' });
    await page.waitForURL(`${appUrl}/v/apps/${sub}/signin?redirect=**`);
    const button = page.getByRole('link', { name: 'WeCom' });
    expect(await button.getAttribute('href')).toBe(
      `${appUrl}/api/__app/${sub}/wecom:authorize?authenticator=${NAME}&redirect=/v/apps/${sub}/admin&locale=en-US&client=v2`,
    );
    await screenshot(page, 'sub-app-05-v2-signin');
    await button.click();

    await page.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    expect(new URL(page.url()).searchParams.get('redirect_uri')).toBe(`${appUrl}/v/apps/${sub}/wecom/callback?authenticator=${NAME}`);
    const release = await holdSignIn(page);
    await page.locator('[data-userid="zhangsan"]').click();

    await page.waitForURL(`${appUrl}/v/apps/${sub}/wecom/callback?authenticator=${NAME}`);
    expect(await visibleText(page.getByText('Signing in with WeCom…'))).toBe('Signing in with WeCom…');
    await screenshot(page, 'sub-app-06-v2-callback');
    release();

    await page.waitForURL(`${appUrl}/v/apps/${sub}/admin`);
    expect(await subAppSession(page)).toMatchObject({ username: ZHANG_SAN.username, phone: ZHANG_SAN.phone });
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'sub-app-07-v2-admin');
    await expectTokenNeverInUrls(page, urls);
    expectOnlyOrigins(urls, [appUrl, sandboxUrl]);
    await expectMainAppSignedOut(page);
  });

  it("warns in the sub-app's WeCom authenticator form (v1) that it shares the main app's sign-in secret, with the option to set", async () => {
    const { page } = await newVisitor(browser, { viewport: { width: 1280, height: 1900 } });
    screenshotOnFailure(page, 'sub-app-v1-secret');
    await signInByQr(page, '');
    await page.goto(`${appUrl}/apps/${sub}/admin/settings/auth/authenticators`);
    await row(page, NAME).getByText('Configure').click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
    const warning = drawer.locator('.ant-alert-warning').filter({ hasText: SHARED_SECRET });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('Authentication options → JWT secret (options.authManager.jwt.secret), then restart NocoBase.');
    await screenshot(page, 'sub-app-08-v1-shared-secret');
  });

  it("warns in the sub-app's WeCom authenticator form (/v/) that it shares the main app's sign-in secret, with the option to set", async () => {
    const { page } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1900 } });
    screenshotOnFailure(page, 'sub-app-v2-secret');
    await signInByQr(page, '/v');
    await page.goto(`${appUrl}/v/apps/${sub}/admin/settings/auth/authenticators`);
    await row(page, NAME).getByText('Configure').click();
    const warning = openDrawer(page).locator('.ant-alert-warning').filter({ hasText: SHARED_SECRET });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('Authentication options → JWT secret (options.authManager.jwt.secret), then restart NocoBase.');
    await screenshot(page, 'sub-app-09-v2-shared-secret');
  });
});
