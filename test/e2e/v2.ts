// The modern client (`/v/`) in the browser tests: its sign-in form and its authenticator drawer (a plain antd Form).
import type { Browser, Locator, Page } from 'playwright-core';
import { newVisitor, type Visitor, type VisitorOptions } from './browser';
import { ADMIN } from './world';

/** Signs in with the `/v/signin` email/password form and waits for `/v/admin`. */
export async function signInAsAdminV2(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/v/signin`);
  await page.locator('input[type=password]').waitFor();
  await page.locator('input:not([type=password])').first().fill(ADMIN.email);
  await page.locator('input[type=password]').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${appUrl}/v/admin**`);
}

/** A form item of the `/v/` drawer, by its label. */
export const item = (drawer: Locator, label: string) =>
  drawer.locator('.ant-form-item').filter({ has: drawer.page().locator('.ant-form-item-label label').getByText(label, { exact: true }) });

export const input = (drawer: Locator, label: string) => item(drawer, label).locator('input').first();

/** The table row of an authenticator, by its exact name. */
export const row = (page: Page, name: string) =>
  page.locator('.ant-table-row').filter({ has: page.getByRole('cell', { name, exact: true }) });

export const openAuthenticatorsV2 = async (page: Page, appUrl: string) => {
  await page.goto(`${appUrl}/v/admin/settings/auth/authenticators`);
  await page.getByRole('button', { name: 'Add new' }).waitFor();
};

export const openDrawer = (page: Page) => page.locator('.ant-drawer-open .ant-drawer-content');

/** A visitor for `/v/` pages: the modern client loads more than the v1 one, so a busy machine gets more time. */
export async function newV2Visitor(browser: Browser, options?: VisitorOptions): Promise<Visitor> {
  const visitor = await newVisitor(browser, options);
  visitor.page.setDefaultTimeout(60_000);
  return visitor;
}
