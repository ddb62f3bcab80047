// The whole flow when every page is the modern client's (APP_CLIENT_ENTRY_MODE=modern-only, its own app),
// and the mobile UI (/m, a v1 page) with the modern client installed.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { demoOptions, expectTokenNeverInUrls, onlyWeComAuthenticator, sessionUser } from './app';
import { launchBrowser, screenshot, screenshotOnFailure } from './browser';
import { type ModernOnlyWorld, startModernOnlyWorld } from './modern-only';
import { newV2Visitor } from './v2';
import { ADMIN, CORP, ZHANG_SAN } from './world';

describe('APP_CLIENT_ENTRY_MODE=modern-only', () => {
  const NAME = 'wecom_modern_only';
  let world: ModernOnlyWorld;
  let browser: Browser;
  const starts = (urls: string[]) => urls.filter((url) => url.startsWith(`${world.appUrl}/api/wecom:authorize`));

  beforeAll(async () => {
    world = await startModernOnlyWorld();
    const api = await Api.signIn(world.appUrl, ADMIN.email, ADMIN.password);
    await api.post('authenticators:create', {
      name: NAME,
      authType: 'WeCom',
      title: 'WeCom',
      enabled: true,
      options: {
        public: { autoSignup: false, autoLogin: true },
        corpId: CORP.corpId,
        agentId: CORP.agentId,
        corpSecret: CORP.secret,
        origin: world.appUrl,
        redirectPath: '/admin',
      },
    });
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('signs a member in from / in the WeCom client: /v/signin, automatic login, /v/ callback, /v/admin', async () => {
    const { page, urls } = await newV2Visitor(browser, { wecom: true, member: { sandboxUrl: world.sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'v2-modern-only-first');
    await page.goto(`${world.appUrl}/`, { waitUntil: 'commit' });
    // First login of the member: the silent start needs consent once.
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${world.appUrl}/v/admin**`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(starts(urls).every((url) => url.endsWith('&client=v2'))).toBe(true);
    expect(urls).toContain(`${world.appUrl}/v/wecom/callback?authenticator=${NAME}`);
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'v2-modern-only-01-admin');
    await expectTokenNeverInUrls(page, urls);
  });

  it("follows the v1 workbench link too: WeCom's return to /wecom/callback goes on to the /v/ callback", async () => {
    const { page, urls } = await newV2Visitor(browser, { wecom: true, member: { sandboxUrl: world.sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'v2-modern-only-workbench');
    await page.goto(`${world.appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/admin&prompt=none`, { waitUntil: 'commit' });
    await page.waitForURL(`${world.appUrl}/v/admin**`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    const callbacks = urls.filter((url) => new URL(url).pathname.endsWith('/wecom/callback')).map((url) => new URL(url).pathname);
    expect(callbacks[0]).toBe('/wecom/callback');
    expect(callbacks).toContain('/v/wecom/callback');
    await expectTokenNeverInUrls(page, urls);
  });
});

describe('The mobile UI (/m) with the modern client installed', () => {
  const NAME = 'wecom_v2_mobile';
  let browser: Browser;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions({ autoLogin: true }));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('returns a login started on /m to /m', async () => {
    const { page, urls } = await newV2Visitor(browser, { wecom: true, member: { sandboxUrl, userid: 'zhangsan' } });
    screenshotOnFailure(page, 'v2-mobile');
    await page.goto(`${appUrl}/m`, { waitUntil: 'commit' });
    await page.locator('[data-action="allow"]').click();
    await page.waitForURL(`${appUrl}/m`);
    expect(await sessionUser(page)).toMatchObject({ username: ZHANG_SAN.username });
    expect(urls.filter((url) => url.startsWith(`${appUrl}/api/wecom:authorize`))[0]).toBe(
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/m&prompt=none&locale=en-US`,
    );
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'v2-mobile-01-m');
    await expectTokenNeverInUrls(page, urls);
  });
});
