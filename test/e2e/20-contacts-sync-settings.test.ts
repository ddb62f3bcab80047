// The settings of a WeCom sync source set by clicks, in the v1 drawer and in the /v/ one: schedule (read back in
// words), departments, Maximum removals and a field mapping into a users field an admin added; saved as typed, and
// Preview then answers what a pull of those settings would do (only the chosen department's members).
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { input as inputV2, item as itemV2, newV2Visitor, openDrawer, row as rowV2, signInAsAdminV2 } from './v2';

const NAME = 'wecom_sync_settings';
const V1_SOURCE = 'wecom_settings_v1';
const V2_SOURCE = 'wecom_settings_v2';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
/** A users field the admin added in the collection manager. */
const FIELD = 'e2eJobTitle';
const FIELD_TITLE = 'Job title (e2e)';
/** The options both forms save: Engineering (2) only, every day at 02:00, at most 3 removals, position → the new field. */
const SAVED = {
  authenticator: NAME,
  departments: '2',
  schedule: '0 2 * * *',
  maxRemovals: '3',
  fieldMap: [{ from: 'position', to: FIELD }],
  savedSecrets: ['contactsSecret'],
};

interface Source {
  id: number;
  name: string;
  options: Record<string, unknown>;
}

const v1Item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });

/** Picks `option` in the antd Select `select` (its dropdown is rendered at the page's end). */
async function choose(page: Page, select: Locator, option: string) {
  await select.click();
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: option }).first().click();
}

/** Adds the row position → the new field in a mapping table (the same view in both clients). */
async function mapPosition(page: Page, table: Locator) {
  await table.getByRole('button', { name: 'Add a field' }).click();
  const first = table.getByTestId('wecom-field-map-row-0');
  await choose(page, first.locator('.ant-select').nth(0), 'Position (position)');
  await choose(page, first.locator('.ant-select').nth(1), `${FIELD_TITLE} (${FIELD})`);
  // The app's own Secret would not read gender; the contacts-sync Secret is set, so the notice says it reads all.
  expect(await visibleText(table.getByTestId('wecom-field-map-notice'))).toContain('With the contacts-sync Secret, WeCom answers every field above.');
}

/** Preview, and what it lists to create: Engineering's members only. */
async function previewShowsEngineering(drawer: Locator) {
  await drawer.getByRole('button', { name: 'Preview' }).click();
  const preview = drawer.getByTestId('wecom-sync-preview');
  const created = preview.locator('tr').filter({ hasText: 'To create' }).first();
  await expect.poll(() => created.textContent(), { timeout: 60_000 }).toContain('Li Si (lisi)');
  const text = (await preview.textContent()) ?? '';
  expect(text).toContain('Wang Wu (wangwu)');
  expect(text).not.toContain('zhangsan');
}

describe('WeCom sync source settings by clicks (v1 and /v/)', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');

  async function sourceNamed(name: string): Promise<Source | undefined> {
    const [source] = await (await adminApi()).get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name }) });
    return source;
  }

  async function cleanUp() {
    const api = await adminApi();
    for (const name of [V1_SOURCE, V2_SOURCE]) {
      const source = await sourceNamed(name);
      if (source) await api.post(`userDataSyncSources:destroy?filterByTk=${source.id}`, {});
    }
    const fields = await api.get<{ name: string }[]>('collections/users/fields:list', { paginate: 'false' });
    if (fields.some((f) => f.name === FIELD)) await api.post(`collections/users/fields:destroy?filterByTk=${FIELD}`, {});
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom settings');
    await cleanUp();
    await (await adminApi()).post('collections/users/fields:create', {
      name: FIELD,
      type: 'string',
      interface: 'input',
      uiSchema: { type: 'string', title: FIELD_TITLE, 'x-component': 'Input' },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await cleanUp();
    await removeAuthenticator(NAME);
  });

  it('v1: sets schedule, departments, Maximum removals and a field mapping, saves them, and Preview follows them', async () => {
    const { page } = await newVisitor(browser, { viewport: { width: 1280, height: 1600 } });
    screenshotOnFailure(page, 'sync-settings-v1');
    await signInAsAdmin(page, appUrl);
    await page.goto(`${appUrl}/admin/settings/users-permissions`);
    await page.getByText('Synchronize', { exact: true }).click();
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    let drawer = page.locator('.ant-drawer-content').filter({ hasText: 'WeCom authenticator' });
    await v1Item(drawer, 'Source name').locator('input').fill(V1_SOURCE);
    await choose(page, v1Item(drawer, 'WeCom authenticator').locator('.ant-select'), 'WeCom settings');
    await v1Item(drawer, 'Contacts-sync Secret').locator('input').fill(CONTACTS_SECRET);
    await v1Item(drawer, 'Departments').locator('input').fill('2');
    await v1Item(drawer, 'Schedule').locator('input').fill('0 2 * * *');
    await drawer.getByText('Every day at 02:00', { exact: true }).waitFor();
    await v1Item(drawer, 'Maximum removals').locator('input').fill('3');
    await mapPosition(page, v1Item(drawer, 'More fields'));
    await screenshot(page, 'sync-settings-v1-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await sourceNamed(V1_SOURCE))?.options).toEqual(SAVED);

    // Preview answers for the saved source.
    await page.locator('.ant-table-row').filter({ hasText: V1_SOURCE }).getByText('Configure', { exact: true }).click();
    drawer = page.locator('.ant-drawer-content').filter({ hasText: 'WeCom authenticator' });
    // The saved row, named once the users fields are loaded.
    await expect.poll(() => visibleText(v1Item(drawer, 'More fields').locator('.ant-select-selection-item').nth(1))).toBe(`${FIELD_TITLE} (${FIELD})`);
    await previewShowsEngineering(drawer);
    await screenshot(page, 'sync-settings-v1-preview');
    await page.close();
  });

  it('/v/: sets the same by clicks, saves them, and Preview follows them', async () => {
    const { page } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1600 } });
    screenshotOnFailure(page, 'sync-settings-v2');
    await signInAsAdminV2(page, appUrl);
    await page.goto(`${appUrl}/v/admin/settings/users-permissions/sync`);
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    let drawer = openDrawer(page);
    await inputV2(drawer, 'Source name').fill(V2_SOURCE);
    await choose(page, itemV2(drawer, 'WeCom authenticator').locator('.ant-select'), 'WeCom settings');
    await inputV2(drawer, 'Contacts-sync Secret').fill(CONTACTS_SECRET);
    await inputV2(drawer, 'Departments').fill('2');
    await inputV2(drawer, 'Schedule').fill('0 2 * * *');
    await drawer.getByText('Every day at 02:00', { exact: true }).waitFor();
    await inputV2(drawer, 'Maximum removals').fill('3');
    await mapPosition(page, itemV2(drawer, 'More fields'));
    await screenshot(page, 'sync-settings-v2-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await sourceNamed(V2_SOURCE))?.options).toEqual(SAVED);

    await rowV2(page, V2_SOURCE).getByText('Configure').click();
    drawer = openDrawer(page);
    await expect.poll(() => visibleText(itemV2(drawer, 'More fields').locator('.ant-select-selection-item').nth(1))).toBe(`${FIELD_TITLE} (${FIELD})`);
    await previewShowsEngineering(drawer);
    await screenshot(page, 'sync-settings-v2-preview');
    await page.close();
  });
});
