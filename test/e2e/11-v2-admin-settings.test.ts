// The WeCom authenticator in the modern client's drawer (`/v/admin/settings/auth/authenticators`): a plain
// antd Form whose save replaces `options.public` whole, so every public option must survive a round trip.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, disable, removeAuthenticator, wecomAuthenticators } from './app';
import { launchBrowser, screenshot, screenshotOnFailure, visibleText } from './browser';
import { input, item, newV2Visitor, openAuthenticatorsV2, openDrawer, row, signInAsAdminV2 } from './v2';
import { CORP } from './world';

const NAME = 'wecom_v2_admin';
const SETTINGS_CHUNK = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client-v2/settings.js';

describe('WeCom authenticator settings in the modern client (/v/)', () => {
  let browser: Browser;
  let page: Page;
  let urls: string[];
  const appUrl = inject('appUrl');
  const settingsRequests = () => urls.filter((url) => new URL(url).pathname === SETTINGS_CHUNK);

  beforeAll(async () => {
    await removeAuthenticator(NAME);
    const api = await adminApi();
    for (const other of await wecomAuthenticators(api)) await disable(api, other.id);
    browser = await launchBrowser();
    ({ page, urls } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1900 } }));
    await signInAsAdminV2(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(NAME);
  });

  it('adds a WeCom authenticator in the /v/ drawer: generated links, domains, check, save', async () => {
    screenshotOnFailure(page, 'v2-admin-add');
    await openAuthenticatorsV2(page, appUrl);
    expect(settingsRequests()).toEqual([]);
    await page.getByRole('button', { name: 'Add new' }).click();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    const drawer = openDrawer(page);
    await item(drawer, 'Company ID').waitFor();
    // The form is a file of its own, loaded when the drawer shows it.
    expect(settingsRequests()).toHaveLength(1);

    await input(drawer, 'Auth UID').fill(NAME);
    await input(drawer, 'Title').fill('WeCom');
    await item(drawer, 'Enabled').locator('input[type=checkbox]').check();
    expect(await input(drawer, 'Origin').inputValue()).toBe(appUrl);
    expect(await input(drawer, 'Workbench redirect link').inputValue()).toBe('/admin');
    await expect.poll(() => item(drawer, 'Workbench homepage link').locator('code').allTextContents()).toEqual([
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/admin&prompt=none`,
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin&prompt=none&client=v2`,
    ]);
    expect(await item(drawer, 'Workbench homepage link').textContent()).toContain('For the modern client (/v/):');
    expect(await item(drawer, 'Domains to register in WeCom').locator('code').textContent()).toBe(new URL(appUrl).host);
    expect(await item(drawer, 'Domains to register in WeCom').locator('.ant-typography-copy').count()).toBe(1);

    // Refused in the form: an origin with a path, an off-site redirect link, a missing Secret.
    await input(drawer, 'Origin').fill(`${appUrl}/nocobase`);
    await input(drawer, 'Workbench redirect link').fill('//evil.example');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(() => item(drawer, 'Origin').textContent())
      .toContain('Origin must be an address like https://nocobase.example.com, without a path.');
    expect(await item(drawer, 'Workbench redirect link').textContent()).toContain(
      'The workbench redirect link must be a path on this site, like /admin.',
    );
    expect(await item(drawer, 'Secret').textContent()).toContain('Please enter Secret.');
    expect(await item(drawer, 'Workbench homepage link').textContent()).toContain('Fill in Origin first.');
    await screenshot(page, 'v2-admin-01-form-invalid');

    await input(drawer, 'Origin').fill(appUrl);
    await input(drawer, 'Workbench redirect link').fill('/v/admin');
    await input(drawer, 'Company ID').fill(CORP.corpId);
    await input(drawer, 'AgentId').fill(CORP.agentId);
    await input(drawer, 'Secret').fill(CORP.secret);
    await item(drawer, 'Sign up automatically').locator('input[type=checkbox]').check();
    await input(drawer, 'Button tooltip').fill('Scan with WeCom');
    // A `/v/` redirect link is already the modern client's: one link, which asks for the `/v/` callback.
    await expect.poll(() => item(drawer, 'Workbench homepage link').locator('code').allTextContents()).toEqual([
      `${appUrl}/api/wecom:authorize?authenticator=${NAME}&redirect=/v/admin&prompt=none&client=v2`,
    ]);
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-success'))).toBe('WeCom accepted the Company ID, AgentId and the Secret you entered.');
    await screenshot(page, 'v2-admin-02-filled');
    // A result leaves once a field it checked changes.
    await input(drawer, 'Company ID').fill('wwother');
    await drawer.locator('.ant-alert-success').waitFor({ state: 'detached' });
    await input(drawer, 'Company ID').fill(CORP.corpId);
    expect(await drawer.locator('.ant-alert-success').count()).toBe(0);

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await row(page, NAME).waitFor();

    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect(saved).toMatchObject({ title: 'WeCom', enabled: true });
    expect(saved.options).toEqual({
      public: { autoSignup: true, autoLogin: false, tooltip: 'Scan with WeCom' },
      corpId: CORP.corpId,
      agentId: CORP.agentId,
      savedSecrets: ['corpSecret'],
      origin: appUrl,
      redirectPath: '/v/admin',
    });
  });

  it('reopens it with nothing lost and the Secret not shown; saving unchanged keeps every option and the Secret', async () => {
    screenshotOnFailure(page, 'v2-admin-reopen');
    await openAuthenticatorsV2(page, appUrl);
    await row(page, NAME).getByText('Configure').click();
    const drawer = openDrawer(page);
    await expect.poll(() => input(drawer, 'Company ID').inputValue()).toBe(CORP.corpId);
    expect(await input(drawer, 'AgentId').inputValue()).toBe(CORP.agentId);
    expect(await input(drawer, 'Origin').inputValue()).toBe(appUrl);
    expect(await input(drawer, 'Workbench redirect link').inputValue()).toBe('/v/admin');
    expect(await input(drawer, 'Button tooltip').inputValue()).toBe('Scan with WeCom');
    expect(await item(drawer, 'Sign up automatically').locator('input[type=checkbox]').isChecked()).toBe(true);
    expect(await item(drawer, 'Automatic login').locator('input[type=checkbox]').isChecked()).toBe(false);
    expect(await input(drawer, 'Secret').inputValue()).toBe('');
    expect(await input(drawer, 'Secret').getAttribute('placeholder')).toBe(
      'A Secret is saved. Leave this empty to keep it, or enter a new one to replace it.',
    );
    // The check uses the saved Secret while the field is empty.
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-success'))).toBe('WeCom accepted the Company ID, AgentId and the saved Secret.');
    await screenshot(page, 'v2-admin-03-reopened');

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect(saved.options).toEqual({
      public: { autoSignup: true, autoLogin: false, tooltip: 'Scan with WeCom' },
      corpId: CORP.corpId,
      agentId: CORP.agentId,
      savedSecrets: ['corpSecret'],
      origin: appUrl,
      redirectPath: '/v/admin',
    });
  });
});
