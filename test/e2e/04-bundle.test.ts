// Every visitor of the sign-in page downloads the client bundle (dist/client/index.js): it may be no larger
// than NocoBase's own plugin-auth-sms, raw or gzipped. The admin settings form and the callback page live in
// files of their own (dist/client/settings.js, callback.js), loaded only where they are shown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, errors, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeModules, root } from '../../scripts/paths.mjs';
import { demoOptions, onlyWeComAuthenticator, removeAuthenticator } from './app';
import { launchBrowser, newVisitor, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { CORP } from './world';

const NAME = 'wecom_bundle';
const SIGN_IN_BUNDLE = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client/index.js';
const SETTINGS_CHUNK = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client/settings.js';

function size(file: string) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB (${bytes} B)`;

/** The requests of these files (path only), with their query. */
const requestsOf = (urls: string[], path: string) => urls.map((url) => new URL(url)).filter((url) => url.pathname === path);

describe('client bundle', () => {
  it('that the sign-in page downloads is no larger than plugin-auth-sms, raw or gzipped', () => {
    const ours = size(join(root, 'dist/client/index.js'));
    const settings = size(join(root, 'dist/client/settings.js'));
    const sms = size(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client/index.js'));
    console.log(
      [
        '                                                 raw                  gzip -9',
        `  plugin-auth-wecom dist/client/index.js        ${kb(ours.raw).padEnd(20)} ${kb(ours.gzip)}`,
        `  plugin-auth-wecom dist/client/settings.js     ${kb(settings.raw).padEnd(20)} ${kb(settings.gzip)}`,
        `  plugin-auth-sms   dist/client/index.js        ${kb(sms.raw).padEnd(20)} ${kb(sms.gzip)}`,
      ].join('\n'),
    );
    expect(ours.raw).toBeLessThanOrEqual(sms.raw);
    expect(ours.gzip).toBeLessThanOrEqual(sms.gzip);
  });

  it('leaves the settings form to settings.js, an anonymous AMD module', () => {
    const index = readFileSync(join(root, 'dist/client/index.js'), 'utf8');
    const settings = readFileSync(join(root, 'dist/client/settings.js'), 'utf8');
    expect(index).toMatch(/define\("@nocobase\/plugin-auth-wecom",\["require","exports","module",/);
    expect(index).not.toContain('Check configuration');
    expect(settings).toMatch(/define\(\["require","exports","module",/);
    expect(settings).toContain('Check configuration');
  });

  it('leaves the callback page to callback.js, an anonymous AMD module', () => {
    const index = readFileSync(join(root, 'dist/client/index.js'), 'utf8');
    const callback = readFileSync(join(root, 'dist/client/callback.js'), 'utf8');
    expect(index).not.toContain('Back to sign-in');
    expect(callback).toMatch(/define\(\["require","exports","module",/);
    expect(callback).toContain('Back to sign-in');
  });
});

describe('settings.js is loaded on demand', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(NAME);
  });

  /**
   * The Configure drawer of this file's authenticator. NocoBase (with or without this plugin) now and then
   * ignores a click on Configure that comes right after a drawer closed: click again after a pause.
   */
  async function openDrawer(page: Page) {
    const configure = page.locator('.ant-table-row').filter({ has: page.getByRole('cell', { name: NAME, exact: true }) }).getByText('Configure');
    const drawer = page.locator('.ant-drawer-open .ant-drawer-content');
    for (let attempt = 1; ; attempt++) {
      await configure.click();
      try {
        await drawer.waitFor({ timeout: 3000 });
        return drawer;
      } catch (error) {
        if (!(error instanceof errors.TimeoutError) || attempt === 3) throw error;
      }
    }
  }

  async function closeDrawer(page: Page) {
    await page.locator('.ant-drawer-open .ant-drawer-close').click();
    await expect.poll(() => page.locator('.ant-drawer').count()).toBe(0);
  }

  it('not by the sign-in page; by the authenticator drawer, once, with the hash of index.js', async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'bundle-on-demand');
    await page.goto(`${appUrl}/signin`);
    await page.getByRole('link', { name: 'WeCom' }).waitFor();
    await page.waitForLoadState('networkidle');
    const [index] = requestsOf(urls, SIGN_IN_BUNDLE);
    expect(index?.searchParams.get('hash')).toMatch(/^[0-9a-f]{8}$/);
    expect(requestsOf(urls, SETTINGS_CHUNK)).toEqual([]);

    await signInAsAdmin(page, appUrl);
    await page.goto(`${appUrl}/admin/settings/auth/authenticators`);
    await page.getByRole('button', { name: 'Add new' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(requestsOf(urls, SETTINGS_CHUNK)).toEqual([]);

    let drawer = await openDrawer(page);
    await drawer.getByText('Company ID', { exact: true }).waitFor();
    expect(await drawer.locator(`input[value="${CORP.corpId}"]`).count()).toBe(1);
    const loaded = requestsOf(urls, SETTINGS_CHUNK);
    expect(loaded.map((url) => url.search)).toEqual([index.search]);

    // Again in the same page: the form is there at once, without another request.
    await closeDrawer(page);
    drawer = await openDrawer(page);
    await drawer.getByText('Company ID', { exact: true }).waitFor();
    expect(requestsOf(urls, SETTINGS_CHUNK)).toHaveLength(1);
  });

  it('says so when settings.js cannot be loaded, and tries again when the drawer opens again', async () => {
    const { page, urls } = await newVisitor(browser);
    screenshotOnFailure(page, 'bundle-chunk-fails');
    await signInAsAdmin(page, appUrl);
    await page.goto(`${appUrl}/admin/settings/auth/authenticators`);
    await page.getByRole('button', { name: 'Add new' }).waitFor();
    await page.route((url) => url.pathname === SETTINGS_CHUNK, (route) => route.abort());

    let drawer = await openDrawer(page);
    expect(await visibleText(drawer.locator('.ant-alert-error .ant-alert-message'))).toBe(
      'The WeCom settings could not be loaded. Close this drawer and open it again.',
    );

    await page.unrouteAll();
    await closeDrawer(page);
    drawer = await openDrawer(page);
    await drawer.getByText('Company ID', { exact: true }).waitFor();
    expect(await drawer.locator('.ant-alert-error').count()).toBe(0);
    expect(requestsOf(urls, SETTINGS_CHUNK).map((url) => url.searchParams.get('attempt'))).toEqual([null, '1']);
  });
});
