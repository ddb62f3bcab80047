// A workflow's "Notification" node sends a WeCom text card, built by an admin with clicks in the v1 client
// (Settings → Workflow): when a user is added, Zhang San (linked to sandbox member zhangsan) gets a card
// naming the newcomer; a second receiver who never signed in with WeCom shows in the send log with the reason.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { WECOM_UA, ZHANG_SAN } from './world';

const NAME = 'wecom_workflow';
const CHANNEL = 'wecom_workflow';
const WORKFLOW = 'Welcome a new colleague on WeCom';
const UNLINKED = { username: 'wang_unlinked', nickname: 'Wang Unlinked' };
const NEWCOMER = { username: 'zhou_newcomer', nickname: 'Zhou Newcomer' };

interface Workflow {
  id: number;
  title: string;
  enabled: boolean;
  config: Record<string, unknown>;
  nodes?: { type: string; config: Record<string, unknown> }[];
}

interface SendLog {
  status: string;
  triggerFrom: string;
  reason?: string;
  message: Record<string, unknown>;
}

/**
 * Clicks `target` until `opened` shows: the canvas answers clicks only once it has finished rendering,
 * which on a busy machine can be after its nodes are visible.
 */
async function openWith(target: Locator, opened: Locator): Promise<void> {
  await expect
    .poll(
      async () => {
        if (await opened.isVisible()) return true;
        await target.click();
        return opened.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        );
      },
      { timeout: 120_000, interval: 1_000 },
    )
    .toBe(true);
}

/** A form item of the node's drawer (an antd form: the label's title is its text). */
const item = (drawer: Locator, label: string) => drawer.locator('.ant-form-item').filter({ has: drawer.page().locator(`label[title="${label}"]`) });

describe('A workflow notification node sends over WeCom (v1 client)', () => {
  let browser: Browser;
  let page: Page;
  let unlinkedId: number;
  let zhangId: number;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  async function cleanUp() {
    const api = await adminApi();
    for (const workflow of await api.get<Workflow[]>('workflows:list', { filter: JSON.stringify({ title: WORKFLOW }), paginate: 'false' })) {
      await api.post(`workflows:destroy?filterByTk=${workflow.id}`, {});
    }
    const users = await api.get<{ id: number }[]>('users:list', { filter: JSON.stringify({ username: { $in: [UNLINKED.username, NEWCOMER.username] } }) });
    for (const user of users) await api.post(`users:destroy?filterByTk=${user.id}`, {});
    const channels = await api.get<{ name: string }[]>('notificationChannels:list', { filter: JSON.stringify({ name: CHANNEL }) });
    for (const channel of channels) await api.post(`notificationChannels:destroy?filterByTk=${channel.name}`, {});
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom workflow');
    await cleanUp();
    const api = await adminApi();
    // The channel itself is added in the browser by 06-notification; here it is the node that matters.
    await api.post('notificationChannels:create', { name: CHANNEL, title: 'WeCom (workflow)', notificationType: 'wecom', options: { authenticator: NAME } });
    ({ id: unlinkedId } = await api.post<{ id: number }>('users:create', UNLINKED));
    zhangId = await zhangSanId(api);
    // zhangsan links to his user (same phone) with a first sign-in in the WeCom client.
    const linked = await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan');
    expect(linked.status).toBe(200);

    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1200 } }));
    await signInAsAdmin(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await cleanUp();
    await removeAuthenticator(NAME);
  });

  it('builds the workflow by clicks: a collection event on Users, a Notification node with a WeCom text card', async () => {
    screenshotOnFailure(page, 'workflow-build');
    // Settings → Workflow → Add new: a collection event on Users.
    await page.goto(`${appUrl}/admin/settings/workflow`);
    await page.getByRole('button', { name: 'Add new' }).click();
    const create = page.locator('.ant-drawer-content').filter({ hasText: 'Trigger type' });
    await create.locator('.ant-formily-item').filter({ hasText: 'Name' }).first().locator('input').fill(WORKFLOW);
    await create.locator('.ant-formily-item').filter({ hasText: 'Trigger type' }).locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'Collection event' }).click();
    await create.locator('.ant-cascader').click();
    await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item').filter({ hasText: /^Main$/ }).click();
    await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item').filter({ hasText: /^Users$/ }).click();
    await create.getByRole('button', { name: 'Submit' }).click();
    await create.waitFor({ state: 'hidden' });
    await page.locator('.ant-table-row').filter({ hasText: WORKFLOW }).getByText('Configure').click();
    await page.waitForURL('**/admin/settings/workflow/workflows/**');

    // The trigger: after a record is added.
    const trigger = page.locator('.ant-drawer-content').filter({ hasText: 'Trigger on' });
    await openWith(page.locator('.ant-tag').filter({ hasText: 'Collection event' }), trigger);
    await trigger.locator('.ant-select').filter({ hasText: 'Trigger on' }).click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'After record added' }).first().click();
    await trigger.getByRole('button', { name: 'Submit' }).click();
    await trigger.waitFor({ state: 'hidden' });

    // "+" → Notification.
    const nodes = page.locator('.ant-drawer-content').filter({ hasText: 'Add node' });
    await openWith(page.getByRole('button', { name: 'add-button' }).first(), nodes);
    await nodes.getByText('Notification', { exact: true }).click();
    await nodes.waitFor({ state: 'hidden' });

    // The node: the WeCom channel, then the WeCom message form of this plugin.
    const node = page.locator('.ant-drawer-content').filter({ hasText: 'Ignore failure and continue workflow' });
    await openWith(page.locator('.ant-tag').filter({ hasText: 'Notification' }), node);
    await item(node, 'Channel').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom (workflow)' }).click();
    const receivers = item(node, 'Receivers');
    for (const [index, nickname] of [ZHANG_SAN.nickname, UNLINKED.nickname].entries()) {
      await receivers.getByRole('button', { name: 'Add user' }).click();
      await page.locator('.ant-popover:visible').getByText('Select users', { exact: true }).click();
      await receivers.locator('.ant-select').nth(index).click();
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: nickname }).click();
    }
    expect(await item(node, 'Message type').locator('.ant-radio-wrapper-checked').innerText()).toBe('Text card');
    await item(node, 'Title').getByRole('textbox').fill('New colleague');
    // The description names the newcomer: a variable of the trigger, picked from the variable menu.
    await item(node, 'Description').getByRole('textbox').fill('Say hello to ');
    await item(node, 'Description').getByRole('button', { name: 'x' }).click();
    const variables = page.locator('.ant-cascader-dropdown:visible, .ant-popover:visible').filter({ hasText: 'Trigger variables' }).last();
    await variables.getByText('Trigger variables', { exact: true }).click();
    await variables.getByText('Trigger data', { exact: true }).click();
    await variables.getByText('Nickname', { exact: true }).click();
    await expect.poll(() => item(node, 'Description').getByRole('textbox').inputValue()).toBe('Say hello to {{$context.data.nickname}}');
    // A link off the site is refused in the node's form, by the server's rule against the channel's Origin.
    await item(node, 'Link').getByRole('textbox').fill('https://evil.example/phish');
    await item(node, 'Button text').getByRole('textbox').fill('Open');
    await node.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(node, 'Link').textContent()).toContain(`A path of this app, like /admin/..., or an address on ${appUrl}.`);
    await item(node, 'Link').getByRole('textbox').fill('/admin/settings/users-permissions/users');
    await screenshot(page, 'workflow-01-notification-node');
    await node.getByRole('button', { name: 'Submit' }).click();
    await node.waitFor({ state: 'hidden' });

    // On.
    await page.locator('.ant-switch').click();
    await page.locator('.ant-switch-checked').waitFor();
    await screenshot(page, 'workflow-02-canvas');

    const api = await adminApi();
    const [workflow] = await api.get<Workflow[]>('workflows:list', { filter: JSON.stringify({ title: WORKFLOW }), appends: 'nodes' });
    expect(workflow).toMatchObject({ enabled: true, config: { collection: 'users', mode: 1 } });
    expect(workflow.nodes?.map((n) => [n.type, n.config])).toEqual([
      [
        'notification',
        {
          channelName: CHANNEL,
          receivers: [zhangId, unlinkedId],
          msgtype: 'textcard',
          title: 'New colleague',
          description: 'Say hello to {{$context.data.nickname}}',
          url: '/admin/settings/users-permissions/users',
          btntxt: 'Open',
        },
      ],
    ]);
  });

  it("delivers the text card, with the trigger's variable filled in, to the linked member's WeCom inbox", async () => {
    const member = await newVisitor(browser, { wecom: true });
    screenshotOnFailure(member.page, 'workflow-inbox');
    const cards = member.page.locator('[data-message][data-msgtype="textcard"]').filter({ hasText: 'Say hello to Zhou Newcomer' });
    const inbox = async () => {
      await member.page.goto(`${sandboxUrl}/inbox/zhangsan`);
      return cards.count();
    };
    const before = await inbox();

    const api = await adminApi();
    await api.post('users:create', NEWCOMER);
    // The workflow runs in the background: the inbox shows the card once it was sent.
    await expect.poll(inbox, { timeout: 120_000, interval: 1_000 }).toBe(before + 1);
    // The newest message comes first.
    const card = cards.first();
    expect(await visibleText(card.locator('h2'))).toBe('New colleague');
    const link = card.locator('a[data-link]');
    expect(await link.innerText()).toBe('Open');
    expect(await link.getAttribute('href')).toBe(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none&fallback=page&redirect=/admin/settings/users-permissions/users`);
    await screenshot(member.page, 'workflow-03-inbox');
    await member.context.close();
  });

  it('logs the delivery to 1 of 2 recipients as sent, naming who got it, who did not and why, in Settings → Notification manager → Logs', async () => {
    screenshotOnFailure(page, 'workflow-send-log');
    const reason =
      `Sent to 1 of 2 recipients: ${ZHANG_SAN.nickname} (#${zhangId}).\n` +
      `Not sent to Wang Unlinked (#${unlinkedId}). They are not linked to WeCom: they have not signed in with this WeCom authenticator yet.`;
    const api = await adminApi();
    await expect
      .poll(async () => {
        const logs = await api.get<SendLog[]>('notificationSendLogs:list', { filter: JSON.stringify({ channelName: CHANNEL }) });
        return logs.filter((log) => log.reason?.includes(`(#${unlinkedId})`)).map(({ status, triggerFrom, reason }) => ({ status, triggerFrom, reason }));
      }, { timeout: 60_000 })
      .toEqual([{ status: 'success', triggerFrom: 'workflow', reason }]);

    await page.goto(`${appUrl}/admin/settings/notification-manager/logs`);
    const row = page.locator('.ant-table-row').filter({ hasText: `Wang Unlinked (#${unlinkedId})` });
    expect(await visibleText(row.locator('td').filter({ hasText: 'Success' }))).toBe('Success');
    // NocoBase shows the reason in the list's "Failed reason" column; its log detail shows it only for a failure.
    const cell = row.locator('td').filter({ hasText: 'Sent to 1 of 2 recipients' });
    expect((await cell.textContent())?.replace(/\s+/g, ' ').trim()).toBe(reason.replace(/\s+/g, ' '));
    await screenshot(page, 'workflow-04-send-log');
  });
});
