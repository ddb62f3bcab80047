// WeCom contacts sync in the v1 client: an admin adds a `wecom` source in Settings → Users & Permissions →
// Synchronize, runs it, sees the task succeed and the synced users and departments; a synced member who
// never signed in is linked already and signs in with the QR login at once.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, sessionUser, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { holdSecondCall } from './sandbox-control';
import { ZHANG_SAN } from './world';

const NAME = 'wecom_contacts';
const SOURCE = 'wecom_e2e';
const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
/** The sandbox's members (sandbox/demo-config.json), all of them new users here. */
const MEMBERS = ['Li Si', 'Wang Wu', 'Zhang San', 'Zhao Liu'];
const DEPARTMENTS = ['Demo Corp', 'Engineering', 'Sales'];
/**
 * The user Zhang San has zhangsan's phone in this world: a sync would match zhangsan to that user (the other
 * files' linked member), not create him anew as this file expects. Here Zhang San has another phone while the
 * sync runs.
 */
const OTHER_PHONE = '13700000000';

const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });

interface Source {
  id: number;
  name: string;
  sourceType: string;
  enabled: boolean;
  options: Record<string, unknown>;
}

describe('WeCom contacts sync (v1 client)', () => {
  let browser: Browser;
  let page: Page;
  const appUrl = inject('appUrl');

  async function cleanUp() {
    const api = await adminApi();
    for (const source of await api.get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: SOURCE }) })) {
      await api.post(`userDataSyncSources:destroy?filterByTk=${source.id}`, {});
    }
    // user-data-sync keeps what a source wrote under its name, also after the source is removed.
    await api.post(`userDataSyncRecords:destroy?filter=${encodeURIComponent(JSON.stringify({ sourceName: SOURCE }))}`, {});
    // The links first: a member still linked to a user would be matched to that user again.
    await api.post(`usersAuthenticators:destroy?filter=${encodeURIComponent(JSON.stringify({ authenticator: NAME }))}`, {});
    const users = await api.get<{ id: number }[]>('users:list', { filter: JSON.stringify({ nickname: { $in: MEMBERS } }), paginate: 'false' });
    for (const user of users.filter((u) => u.id !== 1)) await api.post(`users:destroy?filterByTk=${user.id}`, {});
    // Children first: NocoBase refuses to remove a department that still has some.
    const departments = await api.get<{ id: number; parentId: number | null }[]>('departments:list', {
      filter: JSON.stringify({ title: { $in: DEPARTMENTS } }),
      paginate: 'false',
    });
    const depth = (d: { parentId: number | null }): number => {
      const parent = departments.find((p) => p.id === d.parentId);
      return parent ? 1 + depth(parent) : 0;
    };
    for (const department of departments.sort((a, b) => depth(b) - depth(a))) {
      await api.post(`departments/${department.id}/members:remove`, [1]);
      await api.post(`departments:destroy?filterByTk=${department.id}`, {});
    }
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom contacts');
    await cleanUp();
    const api = await adminApi();
    await api.post(`users:update?filterByTk=${await zhangSanId(api)}`, { phone: OTHER_PHONE });
    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1200 } }));
    await signInAsAdmin(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await cleanUp();
    const api = await adminApi();
    await api.post(`users:update?filterByTk=${await zhangSanId(api)}`, { phone: ZHANG_SAN.phone });
    await removeAuthenticator(NAME);
  });

  it('adds a WeCom source in Settings → Users & Permissions → Synchronize', async () => {
    screenshotOnFailure(page, 'sync-add-source');
    await page.goto(`${appUrl}/admin/settings/users-permissions`);
    await page.getByText('Synchronize', { exact: true }).click();
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'WeCom authenticator' });
    await item(drawer, 'Source name').locator('input').fill(SOURCE);
    await item(drawer, 'Enabled').locator('input[type="checkbox"]').check();
    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom contacts' }).click();
    await item(drawer, 'Contacts-sync Secret').locator('input').fill(CONTACTS_SECRET);
    // The callback URL follows the source's name.
    expect(await visibleText(item(drawer, 'Callback URL').locator('.ant-typography').first())).toBe(`${appUrl}/api/wecom:contactsCallback?source=${SOURCE}`);
    await screenshot(page, 'sync-01-source-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });

    const row = page.locator('.ant-table-row').filter({ hasText: SOURCE });
    expect(await visibleText(row.locator('td').filter({ hasText: /^WeCom$/ }))).toBe('WeCom');
    const [source] = await (await adminApi()).get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: SOURCE }) });
    expect(source).toMatchObject({ sourceType: 'wecom', enabled: true, options: { authenticator: NAME } });
  });

  const sourceRow = () => page.locator('.ant-table-row').filter({ hasText: SOURCE });
  const tasks = () => page.locator('.ant-drawer-content').filter({ hasText: 'Batch' });
  /** The latest task's cell `column` (1: status, 2: message), the task list opened again each time (it does not refresh by itself). */
  const latestTask = async (column: number) => {
    if (await tasks().isVisible()) {
      await page.keyboard.press('Escape');
      await tasks().waitFor({ state: 'hidden' });
    }
    await sourceRow().getByText('Tasks', { exact: true }).click();
    return visibleText(tasks().locator('.ant-table-row').first().locator('td').nth(column));
  };
  const closeTasks = async () => {
    await page.keyboard.press('Escape');
    await tasks().waitFor({ state: 'hidden' });
  };

  it('runs the sync and sees the task succeed in the task list', async () => {
    screenshotOnFailure(page, 'sync-run');
    await sourceRow().getByText('Sync', { exact: true }).click();
    await page.getByText("The synchronization has started. You can click on 'Tasks' to view the synchronization status.").waitFor();

    // The task runs in the background: the list is opened again until it has finished.
    await expect.poll(() => latestTask(1), { timeout: 120_000, interval: 1_000 }).toBe('Success');
    expect(await visibleText(tasks().locator('.ant-table-row').first().locator('td').nth(2))).toBe(
      'Read 4 members in 3 departments from WeCom. Users: 4 created. Departments: 3 created.',
    );
    await screenshot(page, 'sync-02-task-succeeded');
    await closeTasks();
  });

  it("shows a running pull's progress in the task list, then what it did", async () => {
    screenshotOnFailure(page, 'sync-progress');
    // WeCom answers the first department's members and holds the next until the test has seen the progress.
    const release = await holdSecondCall('user/list', 'e2e-v1-progress');
    try {
      await sourceRow().getByText('Sync', { exact: true }).click();
      await expect.poll(() => latestTask(2), { timeout: 60_000, interval: 1_000 }).toBe('Reading WeCom: 2 of 3 departments read.');
      expect(await visibleText(tasks().locator('.ant-table-row').first().locator('td').nth(1))).toBe('Processing');
      await screenshot(page, 'sync-02b-task-progress');
    } finally {
      await release();
    }
    await expect.poll(() => latestTask(1), { timeout: 120_000, interval: 1_000 }).toBe('Success');
    expect(await visibleText(tasks().locator('.ant-table-row').first().locator('td').nth(2))).toBe(
      'Read 4 members in 3 departments from WeCom. Users: 4 unchanged. Departments: 3 unchanged.',
    );
    await closeTasks();
  });

  it('shows the synced users and departments', async () => {
    screenshotOnFailure(page, 'sync-users');
    await page.goto(`${appUrl}/admin/settings/users-permissions`);
    await page.getByText('Users', { exact: true }).first().click();
    const users = page.locator('.ant-table-row');
    for (const member of MEMBERS) await users.filter({ hasText: member }).first().waitFor();
    await screenshot(page, 'sync-03-users');

    await page.getByText('Departments', { exact: true }).first().click();
    const tree = page.locator('.ant-tree');
    await tree.getByText('Demo Corp', { exact: true }).waitFor();
    // Expanding the root shows its children.
    await tree.locator('.ant-tree-treenode').filter({ hasText: 'Demo Corp' }).locator('.ant-tree-switcher').first().click();
    await tree.getByText('Engineering', { exact: true }).waitFor();
    await tree.getByText('Sales', { exact: true }).waitFor();
    await tree.getByText('Engineering', { exact: true }).click();
    for (const member of ['Li Si', 'Wang Wu']) await page.locator('.ant-table-row').filter({ hasText: member }).first().waitFor();
    await screenshot(page, 'sync-04-departments');
  });

  it('removes a saved callback Token and EncodingAESKey with the form', async () => {
    screenshotOnFailure(page, 'sync-remove-callback');
    const api = await adminApi();
    const [before] = await api.get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: SOURCE }) });
    await api.post(`userDataSyncSources:update?filterByTk=${before.id}`, {
      options: { ...before.options, callbackToken: 'e2eCallbackToken42', callbackEncodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
    });
    await page.goto(`${appUrl}/admin/settings/users-permissions`);
    await page.getByText('Synchronize', { exact: true }).click();
    await page.locator('.ant-table-row').filter({ hasText: SOURCE }).getByText('Configure', { exact: true }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'WeCom authenticator' });
    await drawer.getByRole('button', { name: 'Remove the saved Token and EncodingAESKey' }).click();
    await drawer.getByText('The saved Token and EncodingAESKey will be removed when you save.').waitFor();
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [after] = await api.get<Source[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: SOURCE }) });
    expect(after.options).toEqual({ authenticator: NAME, savedSecrets: ['contactsSecret'] });
  });

  it('signs a synced member who never signed in in with the QR login at once', async () => {
    const sandboxUrl = inject('sandboxUrl');
    const { page: member } = await newVisitor(browser);
    screenshotOnFailure(member, 'sync-qr');
    await member.goto(`${appUrl}/signin?redirect=%2Fadmin`);
    await member.getByRole('link', { name: 'WeCom' }).click();
    await member.waitForURL(`${sandboxUrl}/wwlogin/sso/login?**`);
    await member.locator('[data-userid="lisi"]').click();

    await member.waitForURL(`${appUrl}/admin`);
    expect(await sessionUser(member)).toMatchObject({ nickname: 'Li Si', phone: '13900000002' });
    await member.waitForLoadState('networkidle');
    await screenshot(member, 'sync-05-first-qr-login');
  });
});
