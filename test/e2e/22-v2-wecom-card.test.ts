// The WeCom card node in the modern client's workflow editor (/v/): added from the node menu, refused in its form
// as the server would refuse it, saved with what the admin chose. Sending and deciding are 09-wecom-card's.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator } from './app';
import { launchBrowser, screenshot, screenshotOnFailure } from './browser';
import { input, item, newV2Visitor, openAuthenticatorsV2, openDrawer, row, signInAsAdminV2 } from './v2';

const NAME = 'wecom_card_v2';
/** Enabled, but without the app callback: a card could be sent, its taps never received. */
const BARE = 'wecom_card_v2_bare';
const CALLBACK = { callbackToken: 'cardToken22', callbackEncodingAESKey: 'card22card22card22card22card22card22card22c' };
const WORKFLOW = 'WeCom card in /v/';

describe('The WeCom card node in the /v/ workflow editor', () => {
  let browser: Browser;
  let page: Page;
  let workflowId: number;
  const appUrl = inject('appUrl');

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, { ...demoOptions(), ...CALLBACK } as never, 'WeCom cards v2');
    const api = await adminApi();
    await removeAuthenticator(BARE);
    await api.post('authenticators:create', { name: BARE, authType: 'WeCom', title: 'No callback', enabled: true, options: demoOptions() });
    ({ id: workflowId } = await api.post<{ id: number }>('workflows:create', {
      title: WORKFLOW,
      type: 'collection',
      sync: false,
      enabled: false,
      config: { mode: 1, collection: 'users' },
    }));
    browser = await launchBrowser();
    ({ page } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1300 } }));
    await signInAsAdminV2(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    if (workflowId) await (await adminApi()).post(`workflows:destroy?filterByTk=${workflowId}`, {});
    await removeAuthenticator(NAME);
    await removeAuthenticator(BARE);
  });

  it('adds the node from the menu, refuses an empty card and an authenticator without callback, saves the chosen authenticator, assignee, title and buttons', async () => {
    screenshotOnFailure(page, 'v2-card-build');
    await page.goto(`${appUrl}/v/admin/workflow/workflows/${workflowId}`);
    const menu = page.locator('.ant-drawer-content, .ant-dropdown, .ant-popover').filter({ hasText: 'WeCom card' });
    await expect
      .poll(
        async () => {
          if (await menu.first().isVisible()) return true;
          await page.getByRole('button', { name: 'add-button' }).first().click();
          return menu.first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBe(true);
    await menu.first().getByText('WeCom card', { exact: true }).click();
    await menu.first().waitFor({ state: 'hidden' });
    const drawer = openDrawer(page).filter({ has: page.locator('label[title="Assignees"]') });
    await expect
      .poll(
        async () => {
          if (await drawer.isVisible()) return true;
          // The node's type tag (its title is editable in place).
          await page.locator('.workflow-node-meta .ant-tag').filter({ hasText: 'WeCom card' }).click();
          return drawer.waitFor({ timeout: 5_000 }).then(() => true, () => false);
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBe(true);

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Title').textContent()).toContain('The card needs a title.');
    expect(await item(drawer, 'Assignees').textContent()).toContain('Choose at least one assignee.');

    // An authenticator without the app callback is refused, in the server's words.
    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: `No callback (${BARE})` }).click();
    await expect
      .poll(() => item(drawer, 'WeCom authenticator').textContent())
      .toContain(`The WeCom authenticator "${BARE}" has no callback Token and EncodingAESKey. Set its API receive-message callback first: WeCom sends card clicks only there.`);
    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: `WeCom cards v2 (${NAME})` }).click();
    await item(drawer, 'Assignees').getByRole('button', { name: 'Add assignee' }).click();
    await item(drawer, 'Assignees').locator('.ant-select').first().click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Super Admin' }).click();
    await item(drawer, 'Title').getByRole('textbox').fill('Approve in /v/');
    await item(drawer, 'Buttons').getByRole('button', { name: 'Add button' }).click();
    await item(drawer, 'Buttons').locator('[data-card-button="2"]').getByPlaceholder('Button text').fill('Later');
    await screenshot(page, 'v2-card-01-node-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });

    const api = await adminApi();
    const [workflow] = await api.get<{ nodes: { type: string; config: Record<string, unknown> }[] }[]>('workflows:list', {
      filter: JSON.stringify({ id: workflowId }),
      appends: 'nodes',
    });
    expect(workflow.nodes.map((n) => [n.type, n.config])).toEqual([
      [
        'wecom-card',
        {
          authenticator: NAME,
          assignees: [1],
          mode: 0,
          title: 'Approve in /v/',
          buttons: [
            { key: 'approve', text: 'Approve', style: 1, action: 'approve' },
            { key: 'reject', text: 'Reject', style: 2, action: 'reject' },
            { key: 'button1', text: 'Later', style: 1, action: 'approve' },
          ],
        },
      ],
    ]);
  });

  it("shows the authenticator's receive-messages URL in the /v/ drawer, keeps the saved callback values hidden, removes them together", async () => {
    screenshotOnFailure(page, 'v2-card-callback');
    await openAuthenticatorsV2(page, appUrl);
    await row(page, NAME).getByText('Configure').click();
    const drawer = openDrawer(page);
    await expect.poll(() => item(drawer, 'Receive-messages URL').locator('code').textContent()).toBe(`${appUrl}/api/wecom:appCallback?authenticator=${NAME}`);
    expect(await input(drawer, 'Callback Token').inputValue()).toBe('');
    expect(await input(drawer, 'Callback Token').getAttribute('placeholder')).toBe('A value is saved. Leave this empty to keep it, or enter a new one to replace it.');
    // A Token alone is refused: the saved key is being removed with it.
    await drawer.getByRole('button', { name: 'Remove the saved Token and EncodingAESKey' }).click();
    await input(drawer, 'Callback Token').fill('newToken22');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Callback EncodingAESKey').textContent()).toContain('Enter both the callback Token and the EncodingAESKey, or neither.');
    await input(drawer, 'Callback Token').fill('');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [saved] = await (await adminApi()).get<{ options: { savedSecrets?: string[] } }[]>('authenticators:list', { filter: JSON.stringify({ name: NAME }) });
    expect(saved.options.savedSecrets).toEqual(['corpSecret']);
  });
});
