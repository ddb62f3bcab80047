// The WeCom card node, built by an admin with clicks in the classic client's workflow editor (/admin): a
// collection event on Users, then a "WeCom card" asking Zhang San (the sandbox member linked to his NocoBase user) to
// approve the newcomer. The form refuses what the server would refuse, in its words. Once a user is added, Zhang
// San taps Approve in the sandbox inbox: the card says who approved (his NocoBase user), and the execution goes
// on with his decision.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WecomUser } from '../helpers/wecom-user';
import { adminApi, demoOptions, onlyWeComAuthenticator, removeAuthenticator, zhangSanId } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { WECOM_UA, ZHANG_SAN } from './world';

const NAME = 'wecom_card';
const WORKFLOW = 'Approve a new colleague in WeCom';
const NEWCOMER = { username: 'card_newcomer', nickname: 'Card Newcomer' };
const CALLBACK = { token: 'cardToken09', encodingAESKey: 'card09card09card09card09card09card09card09c' };

interface Job {
  nodeId: number;
  status: number;
  result: { key?: string; action?: string; decisions?: { userId: number; userid: string; key: string; at: string }[] } | null;
}

interface Execution {
  id: number;
  status: number;
  jobs?: Job[];
}

/** Clicks `target` until `opened` shows: the canvas answers clicks only once it has finished rendering. */
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

describe('A WeCom card node asks for a decision in WeCom (classic workflow editor)', () => {
  let browser: Browser;
  let page: Page;
  let workflowId: number;
  let zhangId: number;
  const appUrl = inject('appUrl');
  const sandboxUrl = inject('sandboxUrl');

  async function cleanUp() {
    const api = await adminApi();
    for (const workflow of await api.get<{ id: number }[]>('workflows:list', { filter: JSON.stringify({ title: WORKFLOW }), paginate: 'false' })) {
      await api.post(`workflows:destroy?filterByTk=${workflow.id}`, {});
    }
    for (const user of await api.get<{ id: number }[]>('users:list', { filter: JSON.stringify({ username: NEWCOMER.username }) })) {
      await api.post(`users:destroy?filterByTk=${user.id}`, {});
    }
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, { ...demoOptions(), callbackToken: CALLBACK.token, callbackEncodingAESKey: CALLBACK.encodingAESKey } as never, 'WeCom cards');
    await cleanUp();
    // The app's receive-messages setting in the (sandbox) WeCom console: where taps are posted.
    const set = await fetch(`${sandboxUrl}/__sandbox/app/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${appUrl}/api/wecom:appCallback?authenticator=${NAME}`, ...CALLBACK }),
    });
    expect(set.status).toBe(200);
    // zhangsan links to his user (same phone) with a first sign-in in the WeCom client.
    expect((await new WecomUser(appUrl, WECOM_UA).signInInClient(NAME, 'zhangsan')).status).toBe(200);
    // The trigger is not what this file is about: made through the API, the node by clicks.
    const api = await adminApi();
    zhangId = await zhangSanId(api);
    ({ id: workflowId } = await api.post<{ id: number }>('workflows:create', {
      title: WORKFLOW,
      type: 'collection',
      sync: false,
      enabled: false,
      config: { mode: 1, collection: 'users' },
    }));

    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1300 } }));
    await signInAsAdmin(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await cleanUp();
    await removeAuthenticator(NAME);
  });

  it('builds the node by clicks; the form refuses a card the server would refuse', async () => {
    screenshotOnFailure(page, 'card-build');
    await page.goto(`${appUrl}/admin/settings/workflow/workflows/${workflowId}`);
    const nodes = page.locator('.ant-drawer-content').filter({ hasText: 'Add node' });
    await openWith(page.getByRole('button', { name: 'add-button' }).first(), nodes);
    await nodes.getByText('WeCom card', { exact: true }).click();
    await nodes.waitFor({ state: 'hidden' });

    const node = page.locator('.ant-drawer-content').filter({ has: page.locator('label[title="Assignees"]') });
    await openWith(page.locator('.ant-tag').filter({ hasText: 'WeCom card' }), node);
    // Refused as the server would: nothing chosen, no title, a button without text; then a link off the site.
    await item(node, 'Buttons').locator('[data-card-button="1"]').getByPlaceholder('Button text').fill('');
    await item(node, 'Link').getByRole('textbox').fill('https://evil.example/phish');
    await node.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(node, 'WeCom authenticator').textContent()).toContain('Choose the WeCom authenticator that sends the card.');
    expect(await item(node, 'Assignees').textContent()).toContain('Choose at least one assignee.');
    expect(await item(node, 'Title').textContent()).toContain('The card needs a title.');
    expect(await item(node, 'Buttons').textContent()).toContain('Each button needs a text.');

    // With the authenticator chosen, the link is judged against its Origin.
    await item(node, 'WeCom authenticator').locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: `WeCom cards (${NAME})` }).click();
    await node.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(node, 'Link').textContent()).toContain('The link must lead to a page of this app (a path like /admin/…).');
    await item(node, 'Assignees').getByRole('button', { name: 'Add assignee' }).click();
    await item(node, 'Assignees').locator('.ant-select').first().click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: ZHANG_SAN.nickname }).click();
    // The refusal leaves once a user is picked.
    await expect.poll(() => item(node, 'Assignees').textContent()).not.toContain('Choose at least one assignee.');
    await item(node, 'Title').getByRole('textbox').fill('New colleague to approve');
    await item(node, 'Description').getByRole('textbox').fill('Approve the account of the newcomer?');
    await item(node, 'Link').getByRole('textbox').fill('/admin/settings/users-permissions/users');
    await item(node, 'Buttons').locator('[data-card-button="1"]').getByPlaceholder('Button text').fill('Reject');
    await screenshot(page, 'card-01-node-form');
    await node.getByRole('button', { name: 'Submit' }).click();
    await node.waitFor({ state: 'hidden' });

    await page.locator('.ant-switch').click();
    await page.locator('.ant-switch-checked').waitFor();

    const api = await adminApi();
    const [workflow] = await api.get<{ enabled: boolean; nodes: { type: string; config: Record<string, unknown> }[] }[]>('workflows:list', {
      filter: JSON.stringify({ id: workflowId }),
      appends: 'nodes',
    });
    expect(workflow.enabled).toBe(true);
    expect(workflow.nodes.map((n) => [n.type, n.config])).toEqual([
      [
        'wecom-card',
        {
          authenticator: NAME,
          assignees: [zhangId],
          mode: 0,
          title: 'New colleague to approve',
          description: 'Approve the account of the newcomer?',
          url: '/admin/settings/users-permissions/users',
          buttons: [
            { key: 'approve', text: 'Approve', style: 1, action: 'approve' },
            { key: 'reject', text: 'Reject', style: 2, action: 'reject' },
          ],
        },
      ],
    ]);
  });

  it('Zhang San taps Approve in his WeCom inbox: the card names who approved, the execution goes on with his decision', async () => {
    const member = await newVisitor(browser, { wecom: true });
    screenshotOnFailure(member.page, 'card-inbox');
    const cards = member.page.locator('[data-message][data-msgtype="template_card"]').filter({ hasText: 'New colleague to approve' });
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
    expect(await card.locator('[data-card-button]').allInnerTexts()).toEqual(['Approve', 'Reject']);
    await screenshot(member.page, 'card-02-inbox');

    await card.locator('[data-card-button="approve"]').click();
    await expect.poll(async () => (await card.locator('[data-replaced]').count()) && visibleText(card.locator('[data-replaced]')), { timeout: 60_000 }).toBe(
      // The NocoBase user Zhang San is linked to.
      `Approved by ${ZHANG_SAN.nickname}`,
    );
    await screenshot(member.page, 'card-03-approved');

    const execution = async () => {
      const [latest] = await api.get<Execution[]>('executions:list', {
        filter: JSON.stringify({ workflowId }),
        appends: 'jobs',
        sort: '-id',
        pageSize: '1',
      });
      return latest;
    };
    await expect.poll(async () => (await execution())?.status, { timeout: 60_000 }).toBe(1);
    const [job] = (await execution()).jobs!;
    expect(job.status).toBe(1);
    expect(job.result).toMatchObject({ key: 'approve', action: 'approve', decisions: [{ userId: zhangId, userid: 'zhangsan', key: 'approve' }] });

    // The execution in the editor: the node's job, with who decided.
    await page.goto(`${appUrl}/admin/settings/workflow/executions/${(await execution()).id}`);
    const nodeCard = page.locator('.workflow-node-meta').filter({ hasText: 'WeCom card' }).locator('xpath=..');
    await nodeCard.locator('.workflow-node-actions button').click();
    const details = page.locator('.ant-popover:visible, .ant-modal-content:visible, .ant-drawer-content:visible').filter({ hasText: 'zhangsan' });
    await details.first().waitFor();
    expect(await details.first().textContent()).toContain('"action": "approve"');
    await screenshot(page, 'card-04-execution');
  });
});
