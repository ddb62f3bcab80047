import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminApi, demoOptions, onlyWeComAuthenticator, wecomAuthenticators } from './app';
import { launchBrowser, newVisitor, screenshot, screenshotOnFailure, signInAsAdmin, visibleText } from './browser';

const NAME = 'wecom_button';
// Texts as an administrator writes them to have them translated: NocoBase's `{{t("...")}}`.
const TITLE = '{{t("WeCom", { ns: "auth-wecom" })}}';
const TOOLTIP = '{{t("Scan code")}}';

/** A form item of the drawer, by its label. */
const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-formily-item').filter({ has: drawer.page().locator('.ant-formily-item-label label').getByText(label, { exact: true }) });

describe('The WeCom sign-in button', { timeout: 600_000 }, () => {
  let browser: Browser;
  const appUrl = inject('appUrl');

  const publicOptions = async () => {
    const res = await fetch(`${appUrl}/api/authenticators:publicList`, { method: 'POST' });
    const { data } = (await res.json()) as { data: { name: string; options: Record<string, unknown> }[] };
    return data.find((a) => a.name === NAME)?.options;
  };

  /** The tooltip antd shows while the pointer rests on the button. */
  async function tooltipOf(page: Page, button: Locator): Promise<string> {
    await button.hover();
    return visibleText(page.getByRole('tooltip'));
  }

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions(), TITLE);
    browser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('saves a tooltip for the button in the settings form and gives it to the sign-in page', async () => {
    const { page } = await newVisitor(browser, { viewport: { width: 1280, height: 1700 } });
    screenshotOnFailure(page, 'button-settings');
    await signInAsAdmin(page, appUrl);
    await page.goto(`${appUrl}/admin/settings/auth/authenticators`);
    await page.locator('.ant-table-row').filter({ has: page.getByRole('cell', { name: NAME, exact: true }) }).getByText('Configure').click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Configure' });
    const field = item(drawer, 'Button tooltip');
    expect(await visibleText(field.locator('.ant-formily-item-extra'))).toBe(
      'Shown when the pointer rests on the WeCom button of the sign-in page. Localized like the title.',
    );
    await field.locator('input').fill(TOOLTIP);
    await screenshot(page, 'button-01-settings-tooltip');
    await drawer.getByRole('button', { name: 'Submit' }).click();
    await drawer.waitFor({ state: 'hidden' });

    const [saved] = (await wecomAuthenticators(await adminApi())).filter((a) => a.name === NAME);
    expect(saved.options.public).toEqual({ autoSignup: false, autoLogin: false, tooltip: TOOLTIP });
    expect(await publicOptions()).toEqual({ autoSignup: false, autoLogin: false, tooltip: TOOLTIP });
  });

  it('shows the title and the tooltip in the NocoBase UI language', async () => {
    const options = { ...demoOptions(), public: { autoSignup: false, autoLogin: false, tooltip: TOOLTIP } };
    await onlyWeComAuthenticator(NAME, options as ReturnType<typeof demoOptions>, TITLE);
    for (const [locale, title, tooltip] of [
      ['en-US', 'WeCom', 'Scan code'],
      ['zh-CN', '企业微信', '扫码'],
    ]) {
      const { page } = await newVisitor(browser, { locale });
      screenshotOnFailure(page, `button-tooltip-${locale}`);
      await page.goto(`${appUrl}/signin`);
      const button = page.locator('a[href*="wecom:authorize"]');
      expect(await visibleText(button), locale).toBe(title);
      expect(await tooltipOf(page, button), locale).toBe(tooltip);
      await screenshot(page, `button-02-tooltip-${locale}`);
    }
  });
});
