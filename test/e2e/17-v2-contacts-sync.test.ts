// The WeCom contacts sync in the modern client (/v/): plugin-user-data-sync has a v2 page (Settings → Users &
// Permissions → Synchronize) whose source drawer shows this plugin's form. An admin sets a source up there,
// checks its configuration, runs it and sees the task succeed.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { holdSecondCall } from './sandbox-control';
import { input, item, newV2Visitor, openDrawer, row, signInAsAdminV2 } from './v2';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_v2_sync';
const SOURCE = 'wecom_v2_contacts';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const TOKEN = 'cbToken123';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';
const SYNC_CHUNK = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client-v2/sync.js';
const ACCEPTED = 'WeCom lets this source read 3 departments and 4 members. They are read with the contacts-sync Secret, every field included.';
/** What the check says without a contacts-sync Secret: the demo app's visible range is not the whole corp. */
const APP_SECRET_ONLY =
  "The app's Secret cannot read the address book: the app's visible range is not the whole company (WeCom error 60011). Enter the contacts-sync Secret, or make the whole company visible to the app.";

interface Source {
  id: number;
  name: string;
  sourceType: string;
  enabled: boolean;
  options: Record<string, unknown>;
}

interface Row {
  id: number;
  [key: string]: unknown;
}

describe('WeCom contacts sync (modern client, /v/)', () => {
  let browser: Browser;
  let page: Page;
  let urls: string[];
  let lastUser = 0;
  let lastDepartment = 0;
  const appUrl = inject('appUrl');
  const syncRequests = () => urls.filter((url) => new URL(url).pathname === SYNC_CHUNK);

  async function sources() {
    const api = await adminApi();
    return api.get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: SOURCE }) });
  }

  const maxId = (rows: Row[]) => rows.reduce((max, r) => Math.max(max, Number(r.id)), 0);

  beforeAll(async () => {
    const api = await adminApi();
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom v2 sync');
    for (const source of await sources()) await api.post(`userDataSyncSources:destroy?filterByTk=${source.id}`, {});
    lastUser = maxId(await api.get<Row[]>('users:list', { paginate: 'false' }));
    lastDepartment = maxId(await api.get<Row[]>('departments:list', { paginate: 'false' }));
    // The user Zhang San has member zhangsan's phone (other files sign in with it): a sync would match zhangsan to
    // that user instead of creating him, as this file expects. Not while this file runs.
    await api.post(`users:update?filterByTk=${await zhangSanId(api)}`, { phone: null });
    browser = await launchBrowser();
    ({ page, urls } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1400 } }));
    await signInAsAdminV2(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    const api = await adminApi();
    for (const source of await sources()) await api.post(`userDataSyncSources:destroy?filterByTk=${source.id}`, {});
    // What the pull created: the members and departments of the demo corp.
    for (const user of await api.get<Row[]>('users:list', { paginate: 'false' })) {
      if (user.id > lastUser) await api.post(`users:destroy?filterByTk=${user.id}`, {});
    }
    await api.post(`users:update?filterByTk=${await zhangSanId(api)}`, { phone: ZHANG_SAN.phone });
    // Sub-departments first: they were created after their parents.
    const departments = (await api.get<Row[]>('departments:list', { paginate: 'false' })).filter((d) => d.id > lastDepartment);
    for (const department of departments.sort((a, b) => b.id - a.id)) await api.post(`departments:destroy?filterByTk=${department.id}`, {});
    await removeAuthenticator(NAME);
  });

  const openSync = async () => {
    await page.goto(`${appUrl}/v/admin/settings/users-permissions/sync`);
    await page.getByRole('button', { name: 'Add new' }).waitFor();
  };

  const checkResult = (drawer: ReturnType<typeof openDrawer>) => drawer.locator('.ant-alert .ant-alert-message').last();

  it('sets a WeCom source up in /v/ Settings → Users & Permissions → Synchronize, checking its configuration first; a new source given its name does not check with its saved secrets', async () => {
    screenshotOnFailure(page, 'v2-sync-add');
    await openSync();
    expect(syncRequests()).toEqual([]);
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    const drawer = openDrawer(page);
    await item(drawer, 'Contacts-sync Secret').waitFor();
    // The form is a file of its own, loaded when the drawer shows it.
    expect(syncRequests()).toHaveLength(1);
    expect(await visibleText(item(drawer, 'Callback URL').locator('.ant-typography'))).toBe('Give the source a name first.');

    // Checked before anything is chosen: the check names what is missing.
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-error .ant-alert-message'))).toBe('No WeCom authenticator is chosen for this sync source.');

    await input(drawer, 'Source name').fill(SOURCE);
    await item(drawer, 'Enabled').locator('input[type=checkbox]').check();
    // The URL to enter in WeCom, with the name as it is typed.
    expect(await visibleText(item(drawer, 'Callback URL').locator('.ant-typography'))).toBe(`${appUrl}/api/wecom:contactsCallback?source=${SOURCE}`);
    expect(await item(drawer, 'Callback URL').locator('.ant-typography-copy').count()).toBe(1);

    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option').filter({ hasText: 'WeCom v2 sync' }).click();
    await input(drawer, 'Contacts-sync Secret').fill('not-the-contacts-secret');
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await expect
      .poll(() => checkResult(drawer).textContent())
      .toBe('The contacts-sync Secret is not valid for this Company ID. Copy it again from 管理工具 → 通讯录同步 in the WeCom admin console.');
    expect(await drawer.locator('.ant-alert-error').count()).toBe(1);
    await screenshot(page, 'v2-sync-01-check-refused');

    await input(drawer, 'Contacts-sync Secret').fill(CONTACTS_SECRET);
    await input(drawer, 'Callback Token').fill(TOKEN);
    await input(drawer, 'Callback EncodingAESKey').fill(AES_KEY);
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await expect.poll(() => checkResult(drawer).textContent()).toBe(ACCEPTED);
    expect(await drawer.locator('.ant-alert-success').count()).toBe(1);
    await screenshot(page, 'v2-sync-02-check-accepted');
    // A result leaves once a field it checked changes.
    await input(drawer, 'Contacts-sync Secret').fill('another-contacts-secret');
    await drawer.locator('.ant-alert-success').waitFor({ state: 'detached' });
    await input(drawer, 'Contacts-sync Secret').fill(CONTACTS_SECRET);
    expect(await drawer.locator('.ant-alert-success').count()).toBe(0);

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await row(page, SOURCE).waitFor();
    const [saved] = await sources();
    expect(saved).toMatchObject({ sourceType: 'wecom', enabled: true });
    expect(saved.options).toEqual({ authenticator: NAME, savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] });

    // A new source given the saved one's name does not check with the saved one's secrets.
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    const another = openDrawer(page);
    await input(another, 'Source name').fill(SOURCE);
    await item(another, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom v2 sync' }).click();
    await another.getByRole('button', { name: 'Check configuration' }).click();
    await expect.poll(() => checkResult(another).textContent()).toBe(APP_SECRET_ONLY);
    await another.getByRole('button', { name: 'Cancel' }).click();
    await another.waitFor({ state: 'hidden' });
  });

  it('reopens it with the secrets not shown, checks it with the saved ones, runs it and shows the task succeeded', async () => {
    screenshotOnFailure(page, 'v2-sync-run');
    await openSync();
    await row(page, SOURCE).getByText('Configure').click();
    let drawer = openDrawer(page);
    await item(drawer, 'Contacts-sync Secret').waitFor();
    // The authenticator by its title, with its name: as in the v1 drawer.
    expect(await visibleText(item(drawer, 'WeCom authenticator').locator('.ant-select-selection-item'))).toBe('WeCom v2 sync (wecom_v2_sync)');
    for (const label of ['Contacts-sync Secret', 'Callback Token', 'Callback EncodingAESKey']) {
      expect(await input(drawer, label).inputValue(), label).toBe('');
      expect(await input(drawer, label).getAttribute('placeholder'), label).toBe(
        'A value is saved. Leave this empty to keep it, or enter a new one to replace it.',
      );
    }
    // Empty secret fields mean the saved ones: those of the source as saved, whatever its name field says now.
    await input(drawer, 'Source name').fill('renamed_in_the_form');
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await expect.poll(() => checkResult(drawer).textContent()).toBe(ACCEPTED);
    await screenshot(page, 'v2-sync-03-reopened');
    // Preview: what Sync would do with the saved source, before anything was synced.
    await drawer.getByRole('button', { name: 'Preview' }).click();
    const preview = drawer.getByTestId('wecom-sync-preview');
    await expect.poll(() => preview.textContent(), { timeout: 60_000 }).toContain('Read 4 members in 3 departments from WeCom.');
    const created = preview.locator('tr').filter({ hasText: 'To create' }).first();
    expect(await created.textContent()).toContain('Zhang San (zhangsan)');
    await screenshot(page, 'v2-sync-03b-preview');
    await input(drawer, 'Source name').fill(SOURCE);
    // Saving unchanged keeps every secret.
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await sources())[0].options).toEqual({ authenticator: NAME, savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] });

    await row(page, SOURCE).getByText('Sync', { exact: true }).click();
    const api = await adminApi();
    const sourceId = (await sources())[0].id;
    await expect
      .poll(async () => (await api.get<{ status: string }[]>('userDataSyncTasks:list', { filter: JSON.stringify({ sourceId }) }))[0]?.status, {
        timeout: 120_000,
      })
      .toBe('success');

    await row(page, SOURCE).getByText('Tasks', { exact: true }).click();
    drawer = openDrawer(page);
    const task = drawer.locator('.ant-table-row').first();
    expect(await visibleText(task.locator('.ant-tag'))).toBe('Success');
    expect(await task.textContent()).toContain('Read 4 members in 3 departments from WeCom. Users: ');
    await screenshot(page, 'v2-sync-04-task');

    // The members are NocoBase users now, linked to the authenticator for sign-in.
    const users = await api.get<{ nickname: string; phone?: string }[]>('users:list', { paginate: 'false' });
    expect(users.find((u) => u.nickname === 'Li Si')).toMatchObject({ phone: '13900000002' });
    expect(users.find((u) => u.nickname === 'Zhang San')).toMatchObject({ phone: ZHANG_SAN.phone });
  });

  it("shows a running pull's progress in the /v/ Tasks table", async () => {
    screenshotOnFailure(page, 'v2-sync-progress');
    await openSync();
    // WeCom answers the first department's members and holds the next until the test has seen the progress.
    const release = await holdSecondCall('user/list', 'e2e-v2-progress');
    let drawer = openDrawer(page);
    /** The latest task's row, the Tasks drawer opened again each time (it does not refresh by itself). */
    const latestTask = async () => {
      if (await drawer.isVisible()) {
        await page.keyboard.press('Escape');
        await drawer.waitFor({ state: 'hidden' });
      }
      await row(page, SOURCE).getByText('Tasks', { exact: true }).click();
      drawer = openDrawer(page);
      const task = drawer.locator('.ant-table-row').first();
      await task.waitFor();
      return task;
    };
    try {
      await row(page, SOURCE).getByText('Sync', { exact: true }).click();
      await expect
        .poll(async () => (await (await latestTask()).textContent()) ?? '', { timeout: 60_000, interval: 1_000 })
        .toContain('Reading WeCom: 2 of 3 departments read.');
      expect(await visibleText((await latestTask()).locator('.ant-tag'))).toBe('Processing');
      await screenshot(page, 'v2-sync-04b-task-progress');
    } finally {
      await release();
    }
    await expect.poll(async () => visibleText((await latestTask()).locator('.ant-tag')), { timeout: 120_000, interval: 1_000 }).toBe('Success');
    await page.keyboard.press('Escape');
  });

  it('has the same Check configuration in the v1 source drawer (/admin): the saved source with its saved secrets, a new one without', async () => {
    const v1 = await newVisitor(browser, { viewport: { width: 1280, height: 1400 } });
    screenshotOnFailure(v1.page, 'v1-sync-check');
    const formily = (drawer: ReturnType<typeof openDrawer>, label: string) =>
      drawer.locator('.ant-formily-item').filter({ has: v1.page.locator('.ant-formily-item-label label').getByText(label, { exact: true }) });
    await signInAsAdmin(v1.page, appUrl);
    await v1.page.goto(`${appUrl}/admin/settings/users-permissions/sync`);
    await row(v1.page, SOURCE).getByText('Configure').click();
    let drawer = openDrawer(v1.page);
    await formily(drawer, 'Contacts-sync Secret').waitFor();
    expect(await formily(drawer, 'Contacts-sync Secret').locator('input').inputValue()).toBe('');
    // The authenticator by its title, with its name: as in the /v/ drawer.
    expect(await visibleText(formily(drawer, 'WeCom authenticator').locator('.ant-select-selection-item'))).toBe('WeCom v2 sync (wecom_v2_sync)');
    await formily(drawer, 'Source name').locator('input').fill('renamed_in_the_form');
    // The callback URL follows the name field.
    await expect
      .poll(() => formily(drawer, 'Callback URL').locator('.ant-typography').textContent())
      .toBe(`${appUrl}/api/wecom:contactsCallback?source=renamed_in_the_form`);
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await expect.poll(() => checkResult(drawer).textContent()).toBe(ACCEPTED);
    await screenshot(v1.page, 'v1-sync-01-check-saved');
    // Preview of the saved source, synced by now: nothing to do.
    await drawer.getByRole('button', { name: 'Preview' }).click();
    const preview = drawer.getByTestId('wecom-sync-preview');
    await expect.poll(() => preview.textContent(), { timeout: 60_000 }).toContain('Read 4 members in 3 departments from WeCom.');
    expect((await preview.locator('tr').filter({ hasText: 'Unchanged' }).first().locator('td').allTextContents()).slice(0, 2)).toEqual(['Unchanged', '4']);
    expect((await preview.locator('tr').filter({ hasText: 'To create' }).first().locator('td').allTextContents()).slice(0, 2)).toEqual(['To create', '0']);
    await screenshot(v1.page, 'v1-sync-01b-preview');
    // A result leaves once a field it checked changes.
    await formily(drawer, 'Contacts-sync Secret').locator('input').fill('another-contacts-secret');
    await drawer.locator('.ant-alert-success').waitFor({ state: 'detached' });
    await v1.page.locator('.ant-drawer-open .ant-drawer-close').click();
    await v1.page.locator('.ant-modal-confirm').getByRole('button', { name: 'OK' }).click();
    await expect.poll(() => v1.page.locator('.ant-drawer-open').count()).toBe(0);

    await v1.page.getByRole('button', { name: 'Add new' }).hover();
    await v1.page.getByRole('menuitem', { name: 'WeCom' }).click();
    drawer = openDrawer(v1.page);
    await formily(drawer, 'Source name').locator('input').fill(SOURCE);
    await formily(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await v1.page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom v2 sync' }).click();
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await expect.poll(() => checkResult(drawer).textContent()).toBe(APP_SECRET_ONLY);
    await screenshot(v1.page, 'v1-sync-02-check-new');
    await v1.context.close();
  });

  it('removes the saved callback Token and EncodingAESKey with the /v/ form, and keeps the contacts-sync Secret', async () => {
    screenshotOnFailure(page, 'v2-sync-remove-callback');
    await openSync();
    await row(page, SOURCE).getByText('Configure').click();
    const drawer = openDrawer(page);
    await drawer.getByRole('button', { name: 'Remove the saved Token and EncodingAESKey' }).click();
    await drawer.getByText('The saved Token and EncodingAESKey will be removed when you save.').waitFor();
    expect(await input(drawer, 'Callback Token').getAttribute('placeholder')).toBeNull();
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    expect((await sources())[0].options).toEqual({ authenticator: NAME, savedSecrets: ['contactsSecret'] });
  });
});
