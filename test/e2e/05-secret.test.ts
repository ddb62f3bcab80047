// The Secret is write-only in the v1 settings form: never sent to the browser, kept when the form is saved
// without retyping it, and "Check configuration" says it checked the saved one.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, removeAuthenticator } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { CORP } from './world';

const NAME = 'wecom-secret';
const SAVED_PLACEHOLDER = 'A Secret is saved. Leave this empty to keep it, or enter a new one to replace it.';

const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });
const input = (drawer: Locator, label: string) => item(drawer, label).locator('input').first();

async function openDrawer(page: Page): Promise<Locator> {
  await page.goto(`${inject('appUrl')}/admin/settings/auth/authenticators`);
  const row = page.locator('.ant-table-row').filter({ has: page.getByRole('cell', { name: NAME, exact: true }) });
  await row.getByText('Configure').click();
  const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
  await input(drawer, 'Company ID').waitFor();
  return drawer;
}

describe('the saved Secret in the settings form', () => {
  let browser: Browser;
  let page: Page;
  /** The body of every API answer the browser received. */
  const answers: string[] = [];

  beforeAll(async () => {
    await removeAuthenticator(NAME);
    const api = await adminApi();
    await api.post('authenticators:create', { name: NAME, authType: 'WeCom', title: 'WeCom secret', enabled: false, options: demoOptions() });
    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1700 } }));
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) response.text().then((text) => answers.push(text), () => undefined);
    });
    await signInAsAdmin(page, inject('appUrl'));
  });

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(NAME);
  });

  it('shows an empty Secret saying one is saved, keeps it on save, and checks with it', async () => {
    screenshotOnFailure(page, 'secret-saved');
    let drawer = await openDrawer(page);
    expect(await input(drawer, 'Secret').inputValue()).toBe('');
    expect(await input(drawer, 'Secret').getAttribute('placeholder')).toBe(SAVED_PLACEHOLDER);
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-success'))).toBe('WeCom accepted the Company ID, AgentId and the saved Secret.');
    await screenshot(page, 'secret-01-saved-placeholder');

    // Saved without touching the Secret: not required, and kept.
    await input(drawer, 'Workbench redirect link').fill('/m');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });

    drawer = await openDrawer(page);
    expect(await input(drawer, 'Workbench redirect link').inputValue()).toBe('/m');
    expect(await input(drawer, 'Secret').inputValue()).toBe('');
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-success'))).toBe('WeCom accepted the Company ID, AgentId and the saved Secret.');

    // A Secret typed in is the one checked.
    await input(drawer, 'Secret').fill('not-the-secret');
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-error'))).toBe(
      'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings. Checked with the Secret you entered.',
    );
    await screenshot(page, 'secret-02-entered-checked');

    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((text) => text.includes(CORP.secret))).toEqual([]);
  });
});
