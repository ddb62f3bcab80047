// The WeCom group-robot channel in both clients: an admin adds it in the notification manager (pasting the robot's
// whole webhook address, "Send a test message" saying what WeCom answered), then fills a workflow notification node
// over it; the node's Test run posts to the sandbox's group, where Zhang San (linked to member zhangsan) is
// mentioned. v1 (/admin) and the modern client (/v/) alike.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultConfig } from '../../sandbox';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin } from './browser';
import { input, item as v2Item, newV2Visitor, openDrawer, signInAsAdminV2 } from './v2';
import { WECOM_UA } from './world';

const NAME = 'wecom_robot';
const ROBOT = defaultConfig.robots![0];
const WEBHOOK = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${ROBOT.key}`;

interface Channel {
  name: string;
  notificationType: string;
  options: Record<string, unknown>;
}

interface GroupMessage {
  msgtype: string;
  content: Record<string, unknown>;
  mentions: { userids: string[]; mobiles: string[]; all: boolean };
}

/** A field of the v1 channel drawer (formily). */
const formilyItem = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });

async function channel(name: string): Promise<Channel | undefined> {
  const api = await adminApi();
  return (await api.get<Channel[]>('notificationChannels:list', { filter: JSON.stringify({ name }) }))[0];
}

async function removeChannels(...names: string[]) {
  const api = await adminApi();
  for (const name of names) if (await channel(name)) await api.post(`notificationChannels:destroy?filterByTk=${name}`, {});
}

/** A disabled workflow with one notification node over `channelName`, mentioning the user Zhang San. */
async function workflowWithNode(title: string, channelName: string): Promise<{ workflowId: number; nodeId: number }> {
  const api = await adminApi();
  const workflow = await api.post<{ id: number }>('workflows:create', { title, type: 'collection', enabled: false, sync: false, config: { mode: 1, collection: 'users' } });
  const node = await api.post<{ id: number }>(`workflows/${workflow.id}/nodes:create`, { type: 'notification', title: 'Tell the group', config: { channelName, receivers: [await zhangSanId(api)] } });
  return { workflowId: workflow.id, nodeId: node.id };
}

async function groupMessages(): Promise<GroupMessage[]> {
  const res = await fetch(`${inject('sandboxUrl')}/__sandbox/groups/${encodeURIComponent(ROBOT.group)}`);
  return ((await res.json()) as { messages: GroupMessage[] }).messages;
}

/** The group page a member reads: the newest message with `text` shows the mention of Zhang San. */
async function expectInGroupPage(browser: Browser, text: string, shot: string) {
  const member = await newVisitor(browser, { wecom: true });
  screenshotOnFailure(member.page, shot);
  await member.page.goto(`${inject('sandboxUrl')}/groups/${encodeURIComponent(ROBOT.group)}`);
  const message = member.page.locator('[data-message]').filter({ hasText: text }).first();
  expect(await message.locator('[data-mentions]').innerText()).toBe('@Zhang San');
  await screenshot(member.page, shot);
  await member.context.close();
}

describe('WeCom group-robot channel (v1 client and /v/)', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');
  const workflows: number[] = [];

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom robot');
    await removeChannels('robot_v1', 'robot_v2');
    // zhangsan links to his user (same phone) with a first sign-in in the WeCom client: that user is mentioned by userid.
    const linked = await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan');
    expect(linked.status).toBe(200);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    const api = await adminApi();
    for (const id of workflows) await api.post(`workflows:destroy?filterByTk=${id}`, {});
    await removeChannels('robot_v1', 'robot_v2');
    await removeAuthenticator(NAME);
  });

  describe('v1 client (/admin)', () => {
    let page: Page;

    beforeAll(async () => {
      ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1300 } }));
      page.setDefaultTimeout(90_000);
      await signInAsAdmin(page, appUrl);
    });

    it('adds a robot channel by pasting its webhook address; the test message says WeCom accepted it; the key is never read back', async () => {
      screenshotOnFailure(page, 'robot-v1-channel');
      await page.goto(`${appUrl}/admin/settings/notification-manager/channels`);
      await page.getByRole('button', { name: 'Add new' }).hover();
      await page.getByRole('menuitem', { name: 'WeCom group robot' }).click();
      const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Webhook key' });
      await drawer.waitFor();
      await formilyItem(drawer, 'Channel name').locator('input').fill('robot_v1');
      await formilyItem(drawer, 'Channel display name').locator('input').fill('Robot (v1)');
      await formilyItem(drawer, 'Webhook key').locator('input').fill(WEBHOOK);
      await formilyItem(drawer, 'WeCom authenticator (for mentions)').locator('.ant-select').click();
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom robot' }).click();
      await drawer.getByTestId('wecom-robot-test').click();
      await expect.poll(() => drawer.getByTestId('wecom-robot-test-answer').textContent()).toBe('WeCom accepted the test message (errcode 0): it shows in the group now.');
      await screenshot(page, 'robot-v1-01-channel-form');
      await drawer.getByRole('button', { name: 'Submit' }).click();
      await drawer.waitFor({ state: 'hidden' });
      await expect.poll(() => channel('robot_v1')).toMatchObject({ notificationType: 'wecom-robot', options: { authenticator: NAME, savedSecrets: ['webhookKey'] } });
      expect(JSON.stringify(await channel('robot_v1'))).not.toContain(ROBOT.key);
      expect((await groupMessages()).some((m) => m.content.content === 'Test message from NocoBase: the channel "Robot (v1)" can send to this group.')).toBe(true);
    });

    it("fills a workflow's notification node over the robot: a text with a mention, sent by Test run to the group", async () => {
      screenshotOnFailure(page, 'robot-v1-node');
      const { workflowId } = await workflowWithNode('Robot v1 e2e', 'robot_v1');
      workflows.push(workflowId);
      await page.goto(`${appUrl}/admin/settings/workflow/workflows/${workflowId}`);
      const node = page.locator('.ant-drawer-content').filter({ hasText: 'Ignore failure and continue workflow' });
      await expect
        .poll(
          async () => {
            if (await node.isVisible()) return true;
            await page.locator('.ant-tag').filter({ hasText: 'Notification' }).first().click();
            return node.waitFor({ timeout: 5_000 }).then(
              () => true,
              () => false,
            );
          },
          { timeout: 120_000, interval: 1_000 },
        )
        .toBe(true);
      await v2Item(node, 'Message type').getByText('Text', { exact: true }).click();
      // Too long for WeCom (2,048 bytes): refused in the form, by the server's check.
      await v2Item(node, 'Content').locator('textarea').fill('字'.repeat(683));
      await node.getByRole('button', { name: 'Submit' }).click();
      await expect.poll(() => v2Item(node, 'Content').textContent()).toContain('Content is longer than WeCom allows (2048 bytes).');
      await v2Item(node, 'Content').locator('textarea').fill('Build 42 passed (v1)');
      await screenshot(page, 'robot-v1-02-node');
      await node.getByRole('button', { name: 'Test run' }).click();
      const run = page.locator('.ant-modal-content').filter({ hasText: 'Replace variables' });
      await run.getByRole('button', { name: 'Run' }).click();
      await expect.poll(() => run.textContent(), { timeout: 60_000 }).toContain('"status": "success"');
      const [message] = (await groupMessages()).filter((m) => m.content.content === 'Build 42 passed (v1)');
      expect(message).toMatchObject({ msgtype: 'text', content: { mentioned_list: ['zhangsan'] }, mentions: { userids: ['zhangsan'], mobiles: [], all: false } });
      await expectInGroupPage(browser, 'Build 42 passed (v1)', 'robot-v1-03-group');
    });
  });

  describe('modern client (/v/)', () => {
    let page: Page;

    beforeAll(async () => {
      ({ page } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1400 } }));
      await signInAsAdminV2(page, appUrl);
    });

    it('adds a robot channel in /v/, refusing it without a key; the test message says what WeCom answered', async () => {
      screenshotOnFailure(page, 'robot-v2-channel');
      await page.goto(`${appUrl}/v/admin/settings/notification-manager/channels`);
      await page.getByRole('button', { name: 'Add new' }).hover();
      await page.getByRole('menuitem', { name: 'WeCom group robot' }).click();
      const drawer = openDrawer(page);
      await v2Item(drawer, 'Webhook key').waitFor();
      await input(drawer, 'Channel name').fill('robot_v2');
      await input(drawer, 'Channel display name').fill('Robot (v2)');
      await drawer.getByRole('button', { name: 'Submit' }).click();
      await expect.poll(() => v2Item(drawer, 'Webhook key').textContent()).toContain('Please enter Webhook key.');
      expect(await channel('robot_v2')).toBeUndefined();
      // A key WeCom does not know: the answer names errcode 93000 and the fix.
      await input(drawer, 'Webhook key').fill('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=no-such-robot');
      await drawer.getByTestId('wecom-robot-test').click();
      await expect.poll(() => drawer.getByTestId('wecom-robot-test-answer').textContent()).toContain('WeCom does not accept this webhook key (error 93000)');
      await input(drawer, 'Webhook key').fill(WEBHOOK);
      await v2Item(drawer, 'WeCom authenticator (for mentions)').locator('.ant-select').click();
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: 'WeCom robot' }).click();
      await drawer.getByTestId('wecom-robot-test').click();
      await expect.poll(() => drawer.getByTestId('wecom-robot-test-answer').textContent()).toBe('WeCom accepted the test message (errcode 0): it shows in the group now.');
      await screenshot(page, 'robot-v2-01-channel-form');
      await drawer.getByRole('button', { name: 'Submit' }).click();
      await drawer.waitFor({ state: 'hidden' });
      await expect.poll(() => channel('robot_v2')).toMatchObject({ notificationType: 'wecom-robot', options: { authenticator: NAME, savedSecrets: ['webhookKey'] } });
    });

    it("fills a /v/ workflow's notification node over the robot: markdown with a <@userid> mention, sent by Test run to the group", async () => {
      screenshotOnFailure(page, 'robot-v2-node');
      const { workflowId } = await workflowWithNode('Robot v2 e2e', 'robot_v2');
      workflows.push(workflowId);
      await page.goto(`${appUrl}/v/admin/workflow/workflows/${workflowId}`);
      await page.getByText('Tell the group').waitFor();
      await page.getByText('Notification', { exact: true }).first().click();
      const drawer = openDrawer(page);
      await v2Item(drawer, 'Message type').waitFor();
      await v2Item(drawer, 'Message type').getByText('Markdown', { exact: true }).click();
      await v2Item(drawer, 'Content').locator('textarea').fill('**Deploy** done (v2)');
      await screenshot(page, 'robot-v2-02-node');
      await drawer.getByRole('button', { name: 'Test run' }).click();
      const run = page.locator('.ant-modal-content').filter({ hasText: 'Replace variables' });
      await run.getByRole('button', { name: 'Run' }).click();
      await expect.poll(() => run.textContent(), { timeout: 60_000 }).toContain('"status": "success"');
      const [message] = (await groupMessages()).filter((m) => String(m.content.content).startsWith('**Deploy** done (v2)'));
      expect(message).toMatchObject({ msgtype: 'markdown', content: { content: '**Deploy** done (v2)\n<@zhangsan>' }, mentions: { userids: ['zhangsan'] } });
      await expectInGroupPage(browser, 'Deploy', 'robot-v2-03-group');
    });
  });
});
