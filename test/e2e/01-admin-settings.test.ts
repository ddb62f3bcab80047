import type { Browser, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, disable, removeAuthenticator, wecomAuthenticators } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';
import { CORP } from './world';

const NAME = 'wecom';
/** An EncodingAESKey as WeCom's console makes them: 43 letters and digits. */
const CARD_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** A form item of the drawer, by its label. */
const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });
const input = (drawer: Locator, label: string) => item(drawer, label).locator('input').first();

/** The table row of an authenticator, by its exact name. */
const row = (page: Page, name: string) =>
  page.locator('.ant-table-row').filter({ has: page.getByRole('cell', { name, exact: true }) });

/**
 * Submit the drawer and wait for the save to leave. NocoBase's Action buttons debounce clicks (600 ms, leading edge
 * only; the timer runs in the page, so a busy page stretches it): a Submit clicked soon after a refused Submit is
 * dropped without a trace, which a test typing by machine does and a person does not. So click until the save is
 * sent, each time only if it was not.
 */
async function submitUntilSent(page: Page, drawer: Locator) {
  const isSave = (request: Request) => request.method() === 'POST' && request.url().includes('/api/authenticators:update');
  let sent = false;
  const onRequest = (request: Request) => {
    if (isSave(request)) sent = true;
  };
  page.on('request', onRequest);
  try {
    await expect
      .poll(
        async () => {
          if (sent) return true;
          await drawer.getByRole('button', { name: 'Submit' }).click();
          // A click NocoBase took sends the save at once; one it dropped sends nothing.
          await page.waitForRequest(isSave, { timeout: 3_000 }).catch(() => undefined);
          return sent;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
  } finally {
    page.off('request', onRequest);
  }
}

async function openAuthenticators(page: Page) {
  await page.goto(`${inject('appUrl')}/admin/settings/auth/authenticators`);
  await page.getByRole('button', { name: 'Add new' }).waitFor();
}

describe('WeCom authenticator settings (Settings → Authentication)', () => {
  let browser: Browser;
  let page: Page;
  const appUrl = inject('appUrl');

  beforeAll(async () => {
    await removeAuthenticator(NAME);
    const api = await adminApi();
    // Another file's authenticator may hold automatic login; this file turns it on for its own.
    for (const other of await wecomAuthenticators(api)) await disable(api, other.id);
    browser = await launchBrowser();
    ({ page } = await newVisitor(browser, { viewport: { width: 1280, height: 1700 } }));
    await signInAsAdmin(page, appUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(NAME);
  });

  it('adds a WeCom authenticator: validates the form, checks the configuration, saves', async () => {
    screenshotOnFailure(page, 'admin-add');
    await openAuthenticators(page);
    await page.getByRole('button', { name: 'Add new' }).hover();
    await page.getByRole('menuitem', { name: 'WeCom' }).click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Add new' });
    await input(drawer, 'Auth UID').fill(NAME);
    await input(drawer, 'Title').fill('WeCom');
    await item(drawer, 'Enabled').locator('input[type=checkbox]').check();

    // Prefilled: this page's origin and /admin.
    expect(await input(drawer, 'Origin').inputValue()).toBe(appUrl);
    expect(await input(drawer, 'Workbench redirect link').inputValue()).toBe('/admin');
    const host = new URL(appUrl).host;
    await expect.poll(() => item(drawer, 'Workbench homepage link').locator('code').textContent()).toBe(
      `${appUrl}/api/wecom:authorize?authenticator=wecom&redirect=/admin&prompt=none`,
    );
    expect(await item(drawer, 'Domains to register in WeCom').locator('code').textContent()).toBe(host);
    expect(await item(drawer, 'Secret').textContent()).toContain(
      "To keep it in NocoBase's Variables and secrets, enter {{$env.WECOM_SECRET}}.",
    );

    // An origin with a path and an off-site redirect link are refused in the form.
    await input(drawer, 'Origin').fill(`${appUrl}/nocobase`);
    await input(drawer, 'Workbench redirect link').fill('//evil.example');
    await input(drawer, 'Company ID').click();
    await expect
      .poll(() => item(drawer, 'Origin').textContent())
      .toContain('Origin must be an address like https://nocobase.example.com, without a path.');
    await expect
      .poll(() => item(drawer, 'Workbench redirect link').textContent())
      .toContain('The workbench redirect link must be a path on this site, like /admin.');
    expect(await item(drawer, 'Workbench homepage link').textContent()).toContain('Fill in Origin first.');
    await screenshot(page, 'admin-01-form-invalid');
    await input(drawer, 'Origin').fill(appUrl);
    await input(drawer, 'Workbench redirect link').fill('/admin');

    await input(drawer, 'Company ID').fill(CORP.corpId);
    await input(drawer, 'AgentId').fill(CORP.agentId);
    await input(drawer, 'Secret').fill('not-the-secret');
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-error'))).toBe(
      'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings. Checked with the Secret you entered.',
    );
    await screenshot(page, 'admin-02-check-failed');

    // A result leaves once a field it checked changes.
    await input(drawer, 'Secret').fill(CORP.secret);
    await drawer.locator('.ant-alert-error').waitFor({ state: 'detached' });
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    expect(await visibleText(drawer.locator('.ant-alert-success'))).toBe('WeCom accepted the Company ID, AgentId and the Secret you entered.');
    await screenshot(page, 'admin-03-check-passed');
    await input(drawer, 'AgentId').fill('1000003');
    await drawer.locator('.ant-alert-success').waitFor({ state: 'detached' });
    await input(drawer, 'AgentId').fill(CORP.agentId);
    expect(await drawer.locator('.ant-alert-success').count()).toBe(0);

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await row(page, NAME).waitFor();
    await screenshot(page, 'admin-04-saved');

    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect(saved).toMatchObject({ title: 'WeCom', enabled: true });
    expect(saved.options).toEqual({
      public: { autoSignup: false, autoLogin: false },
      corpId: CORP.corpId,
      agentId: CORP.agentId,
      savedSecrets: ['corpSecret'],
      origin: appUrl,
      redirectPath: '/admin',
    });
  });

  it('edits it again: the saved values come back, automatic login adds the plain homepage link', async () => {
    screenshotOnFailure(page, 'admin-edit');
    await openAuthenticators(page);
    await row(page, NAME).getByText('Configure').click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
    expect(await input(drawer, 'Company ID').inputValue()).toBe(CORP.corpId);
    expect(await input(drawer, 'AgentId').inputValue()).toBe(CORP.agentId);
    expect(await input(drawer, 'Secret').inputValue()).toBe(''); // write-only (05-secret.test.ts)

    await item(drawer, 'Automatic login').locator('input[type=checkbox]').check();
    await input(drawer, 'Workbench redirect link').fill('/m');
    const homepage = item(drawer, 'Workbench homepage link').locator('code');
    await expect.poll(() => homepage.allTextContents()).toEqual([
      `${appUrl}/api/wecom:authorize?authenticator=wecom&redirect=/m&prompt=none`,
      `${appUrl}/m`,
    ]);
    await drawer.getByRole('button', { name: 'Check configuration' }).click();
    await drawer.locator('.ant-alert-success').waitFor();
    await screenshot(page, 'admin-05-edit');

    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });
    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect(saved.options).toMatchObject({ public: { autoSignup: false, autoLogin: true }, redirectPath: '/m' });
  });

  it("takes the app callback's Token and EncodingAESKey: checked in the form, the URL to copy, never shown back, removable", async () => {
    screenshotOnFailure(page, 'admin-callback');
    await openAuthenticators(page);
    await row(page, NAME).getByText('Configure').click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
    await expect.poll(() => item(drawer, 'Receive-messages URL').locator('code').textContent()).toBe(
      `${appUrl}/api/wecom:appCallback?authenticator=${NAME}`,
    );
    await input(drawer, 'Callback Token').fill('a!');
    await input(drawer, 'Callback EncodingAESKey').fill('tooShort');
    await input(drawer, 'Company ID').click();
    await expect.poll(() => item(drawer, 'Callback Token').textContent()).toContain('The callback Token must be 3 to 32 letters or digits.');
    await expect.poll(() => item(drawer, 'Callback EncodingAESKey').textContent()).toContain('The callback EncodingAESKey must be 43 letters or digits.');
    // One without the other is refused too.
    await input(drawer, 'Callback Token').fill('cardToken1');
    await input(drawer, 'Callback EncodingAESKey').fill('');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => item(drawer, 'Callback EncodingAESKey').textContent()).toContain('Enter both the callback Token and the EncodingAESKey, or neither.');
    await input(drawer, 'Callback EncodingAESKey').fill(CARD_AES_KEY);
    // The form checks again as it is typed in: the refusal leaves before the form is submitted.
    await expect.poll(() => item(drawer, 'Callback EncodingAESKey').textContent()).not.toContain('Enter both');
    await screenshot(page, 'admin-06-callback');
    // Soon after the refused Submit above: NocoBase may drop this click (submitUntilSent).
    await submitUntilSent(page, drawer);
    await drawer.waitFor({ state: 'hidden' });

    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect((saved.options as { savedSecrets?: string[] }).savedSecrets).toEqual(['corpSecret', 'callbackToken', 'callbackEncodingAESKey']);
    expect(JSON.stringify(saved.options)).not.toContain('cardToken1');

    // Reopened from the server's record: empty fields that keep the saved values.
    await openAuthenticators(page);
    await row(page, NAME).getByText('Configure').click();
    const again = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
    await expect.poll(() => input(again, 'Callback Token').getAttribute('placeholder')).toBe(
      'A value is saved. Leave this empty to keep it, or enter a new one to replace it.',
    );
    expect(await input(again, 'Callback Token').inputValue()).toBe('');
    expect(await input(again, 'Callback EncodingAESKey').inputValue()).toBe('');

    // Removed together, on save.
    await again.getByRole('button', { name: 'Remove the saved Token and EncodingAESKey' }).click();
    await again.getByText('The saved Token and EncodingAESKey will be removed when you save.').waitFor();
    await again.getByRole('button', { name: 'Submit' }).click();
    await again.waitFor({ state: 'hidden' });
    const [removed] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect((removed.options as { savedSecrets?: string[] }).savedSecrets).toEqual(['corpSecret']);
  });
});
