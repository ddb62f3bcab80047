// Chromium from Debian (`apt-get install chromium`) driven by playwright-core; every visitor is a fresh
// browser context that records every URL it requests or navigates to.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { onTestFailed } from 'vitest';
import { root } from '../../scripts/paths.mjs';
import { ADMIN, WECOM_UA } from './world';

const SCREENSHOTS = join(root, 'test/e2e/screenshots');

/**
 * How long a page step may wait: a safety net, not an expectation. NocoBase's first render of a page can
 * take far longer than Playwright's usual 20 s when other suites share the two cores.
 */
export const PAGE_TIMEOUT = 90_000;

export function launchBrowser(): Promise<Browser> {
  // launch() gives every run a fresh, temporary user-data-dir.
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Every URL the browser requested or navigated to, in order. */
  urls: string[];
  /** The pages the main frame showed, in order (a redirect is not shown). */
  shown: string[];
}

export interface VisitorOptions {
  /** Browse with the WeCom client's User-Agent. */
  wecom?: boolean;
  /** The member signed in to the "WeCom client": the sandbox skips its member picker. */
  member?: { sandboxUrl: string; userid: string };
  locale?: string;
  viewport?: { width: number; height: number };
}

export async function newVisitor(browser: Browser, options: VisitorOptions = {}): Promise<Visitor> {
  const context = await browser.newContext({
    viewport: options.viewport ?? (options.wecom ? { width: 414, height: 860 } : { width: 1280, height: 860 }),
    userAgent: options.wecom ? WECOM_UA : undefined,
    locale: options.locale ?? 'en-US',
  });
  if (options.locale) {
    // NocoBase keeps the language the visitor chose in localStorage, not from the browser's locale.
    await context.addInitScript((locale) => localStorage.setItem('NOCOBASE_LOCALE', locale), options.locale);
  }
  if (options.member) {
    await context.addCookies([{ name: 'wecom_sandbox_member', value: options.member.userid, url: options.member.sandboxUrl }]);
  }
  const urls: string[] = [];
  const shown: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  context.on('page', (page) =>
    page.on('framenavigated', (frame) => {
      urls.push(frame.url());
      if (frame === page.mainFrame()) shown.push(frame.url());
    }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT);
  return { context, page, urls, shown };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in with NocoBase's own email/password form. */
export async function signInAsAdmin(page: Page, appUrl: string): Promise<void> {
  await page.goto(`${appUrl}/signin`);
  await page.getByPlaceholder('Username/Email').fill(ADMIN.email);
  await page.getByPlaceholder('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin/);
}

/** The session token the NocoBase client keeps in localStorage. */
export function storedToken(page: Page): Promise<string | null> {
  return page.evaluate(() => localStorage.getItem('NOCOBASE_TOKEN'));
}

/** The text of an element once it is visible. */
export async function visibleText(locator: Locator): Promise<string> {
  await locator.waitFor();
  return (await locator.innerText()).trim();
}

/** Keeps what the page showed when the current test fails. */
export function screenshotOnFailure(page: Page, name: string): void {
  onTestFailed(() => screenshot(page, `FAILED-${name}`));
}
