// The WeCom notification channel in the modern client (/v/): an admin adds it in the notification manager, and
// a workflow's notification node over it has WeCom's message form, which refuses what WeCom would; a text card
// sent from that node (Test run) reaches the member's inbox in the sandbox.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, screenshot, screenshotOnFailure, visibleText } from './browser';
import { input, item, newV2Visitor, openDrawer, signInAsAdminV2 } from './v2';
import { WECOM_UA } from './world';

const NAME = 'wecom_v2_notify';
const CHANNEL = 'wecom_v2_e2e';
const DIR = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client-v2/';

interface Channel {
  name: string;
  notificationType: string;
  options: { authenticator?: string };
}

interface FlowNode {
  id: number;
  config: Record<string, unknown>;
}

describe('WeCom notification channel (modern client, /v/)', () => {
  let browser: Browser;
  let page: Page;
  let urls: string[];
  let workflowId: number | undefined;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');
  const requested = (file: string) => urls.filter((url) => new URL(url).pathname === `${DIR}${file}`);

  async function channels() {
    const api = await adminApi();
    return api.get<Channel[]>('notificationChannels:list', { filter: JSON.stringify({ name: CHANNEL }) });
  }

  async function removeChannel() {
    const api = await adminApi();
    for (const channel of await channels()) await api.post(`notificationChannels:destroy?filterByTk=${channel.name}`, {});
  }

  async function removeWorkflow() {
    if (workflowId) await (await adminApi()).post(`workflows:destroy?filterByTk=${workflowId}`, {});
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), 'WeCom v2 notify');
    await removeChannel();
    browser = await launchBrowser();
    ({ page, urls } = await newV2Visitor(browser, { viewport: { width: 1280, height: 1400 } }));
    await signInAsAdminV2(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await removeWorkflow();
    await removeChannel();
    await removeAuthenticator(NAME);
  });

  it('adds a WeCom channel in /v/ Settings → Notification manager, refusing it without an authenticator', async () => {
    screenshotOnFailure(page, 'v2-notification-add-channel');
    await page.goto(`${appUrl}/v/admin/settings/notification-manager/channels`);
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom', exact: true }).click();
    const drawer = openDrawer(page);
    await item(drawer, 'WeCom authenticator').waitFor();
    // The channel's form comes from its own file when the drawer shows it; the message form is not needed here.
    expect(requested('notification-channel.js')).toHaveLength(1);
    expect(requested('notification-message.js')).toEqual([]);

    await input(drawer, 'Channel name').fill(CHANNEL);
    await input(drawer, 'Channel display name').fill('WeCom (v2 e2e)');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'WeCom authenticator').textContent()).toContain('Please choose WeCom authenticator.');
    expect(await channels()).toEqual([]);
    await screenshot(page, 'v2-notification-01-no-authenticator');

    await item(drawer, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown .ant-select-item-option').filter({ hasText: 'WeCom v2 notify' }).click();
    await screenshot(page, 'v2-notification-02-channel-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await channels())[0]).toMatchObject({ notificationType: 'wecom', options: { authenticator: NAME } });
  });

  it("refuses an empty or oversized message, or a link off the site, in a workflow's notification node, saves a valid text card and sends it to the member's inbox", async () => {
    screenshotOnFailure(page, 'v2-notification-message');
    // The member links to his user Zhang San (same phone) with a first sign-in in the WeCom client.
    const linked = await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan');
    expect(linked.status).toBe(200);

    const api = await adminApi();
    const zhangId = await zhangSanId(api);
    const workflow = await api.post<{ id: number }>('workflows:create', {
      title: 'WeCom v2 e2e',
      type: 'collection',
      enabled: false,
      sync: false,
      config: { mode: 1, collection: 'users' },
    });
    workflowId = workflow.id;
    const node = await api.post<FlowNode>(`workflows/${workflow.id}/nodes:create`, {
      type: 'notification',
      title: 'Tell the member',
      config: { channelName: CHANNEL, receivers: [zhangId] },
    });
    const savedConfig = async () => (await api.get<FlowNode>('flow_nodes:get', { filterByTk: String(node.id) })).config;

    const openNode = async () => {
      await page.goto(`${appUrl}/v/admin/workflow/workflows/${workflow.id}`);
      await page.getByText('Tell the member').waitFor();
      // The node's title is editable in place: open it from its type tag.
      await page.getByText('Notification', { exact: true }).first().click();
      const drawer = openDrawer(page);
      await item(drawer, 'Message type').waitFor();
      return drawer;
    };

    let drawer = await openNode();
    expect(requested('notification-message.js')).toHaveLength(1);
    expect(await visibleText(item(drawer, 'Message type').locator('.ant-radio-wrapper-checked'))).toBe('Text card');

    // Refused in the form: no receiver, no title, 172 Chinese characters (516 bytes) of description, a link to
    // another site (the server's rule, against the channel's authenticator's Origin), five characters of button text.
    await item(drawer, 'Receivers').getByRole('button', { name: 'delete' }).click();
    await item(drawer, 'Description').locator('textarea').fill('审批'.repeat(86));
    await item(drawer, 'Link').getByRole('textbox').fill('https://evil.example/phish');
    await item(drawer, 'Button text').getByRole('textbox').fill('Open!');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Title').textContent()).toContain('Please enter Title.');
    expect(await item(drawer, 'Receivers').textContent()).toContain('Add at least one receiver.');
    expect(await item(drawer, 'Description').textContent()).toContain('At most 512 bytes (a Chinese character takes 3).');
    expect(await item(drawer, 'Link').textContent()).toContain(`A path of this app, like /admin/..., or an address on ${appUrl}.`);
    expect(await item(drawer, 'Button text').textContent()).toContain('At most 4 characters.');
    await screenshot(page, 'v2-notification-03-message-refused');
    expect(await savedConfig()).toEqual({ channelName: CHANNEL, receivers: [zhangId] });

    // Text and Markdown have one content field, with the same limit in bytes.
    await item(drawer, 'Message type').getByText('Markdown', { exact: true }).click();
    await item(drawer, 'Content').locator('textarea').fill('字'.repeat(683));
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Content').textContent()).toContain('At most 2048 bytes (a Chinese character takes 3).');
    // The links in a text or markdown content follow the same rule.
    await item(drawer, 'Content').locator('textarea').fill('**Leave** [open](javascript:alert(1))');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(() => item(drawer, 'Content').textContent())
      .toContain(`The link javascript:alert(1) in Content must be a path of this app (like /admin) or an address on ${appUrl}.`);
    await item(drawer, 'Message type').getByText('Text', { exact: true }).click();
    await item(drawer, 'Content').locator('textarea').fill('Your leave: <a href="https://evil.example/phish">open</a>');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(() => item(drawer, 'Content').textContent())
      .toContain(`The link https://evil.example/phish in Content must be a path of this app (like /admin) or an address on ${appUrl}.`);
    await screenshot(page, 'v2-notification-03b-content-link-refused');
    expect(await savedConfig()).toEqual({ channelName: CHANNEL, receivers: [zhangId] });
    // A template card (text_notice) needs its title and the link its click opens, a link into this app.
    await item(drawer, 'Message type').getByText('Template card (text notice)', { exact: true }).click();
    await item(drawer, 'Link').getByRole('textbox').fill('javascript:alert(1)');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Title').textContent()).toContain('Please enter Title.');
    expect(await item(drawer, 'Link').textContent()).toContain(`A path of this app, like /admin/..., or an address on ${appUrl}.`);
    expect(await savedConfig()).toEqual({ channelName: CHANNEL, receivers: [zhangId] });

    // Start again from what is saved (the receiver is back), and make a valid text card.
    await drawer.getByRole('button', { name: 'Cancel' }).click();
    await drawer.waitFor({ state: 'hidden' });
    drawer = await openNode();
    await item(drawer, 'Title').getByRole('textbox').fill('Leave approved (v2)');
    await item(drawer, 'Description').locator('textarea').fill('Your leave on 3 December was approved.');
    await item(drawer, 'Link').getByRole('textbox').fill('/v/admin');
    await item(drawer, 'Button text').getByRole('textbox').fill('Open');
    await screenshot(page, 'v2-notification-04-message-form');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(savedConfig).toMatchObject({
      channelName: CHANNEL,
      receivers: [zhangId],
      msgtype: 'textcard',
      title: 'Leave approved (v2)',
      description: 'Your leave on 3 December was approved.',
      url: '/v/admin',
      btntxt: 'Open',
    });

    // The node's Test run sends it for real.
    drawer = await openNode();
    await drawer.getByRole('button', { name: 'Test run' }).click();
    const run = page.locator('.ant-modal-content').filter({ hasText: 'Replace variables' });
    await run.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => run.textContent()).toContain('"status": "success"');
    await screenshot(page, 'v2-notification-05-test-run');

    const member = await newV2Visitor(browser, { wecom: true });
    screenshotOnFailure(member.page, 'v2-notification-inbox');
    await member.page.goto(`${sandboxUrl}/inbox/zhangsan`);
    const card = member.page.locator('[data-message][data-msgtype="textcard"]').filter({ hasText: 'Leave approved (v2)' }).first();
    expect(await visibleText(card.locator('h2'))).toBe('Leave approved (v2)');
    expect(await card.locator('a[data-link]').getAttribute('href')).toBe(`${appUrl}/api/wecom:authorize?authenticator=${NAME}&prompt=none&client=v2&fallback=page&redirect=/v/admin`);
    await screenshot(member.page, 'v2-notification-06-inbox');
    await member.context.close();
  });
});
