// Visitors for a busy machine: NocoBase's first render of a page can take far longer than the 20 s a
// page waits by default when other suites share the two cores.
import type { Browser } from 'playwright-core';
import { newVisitor as openVisitor, type Visitor, type VisitorOptions } from './browser';

export const PAGE_TIMEOUT = 90_000;

export async function newVisitor(browser: Browser, options?: VisitorOptions): Promise<Visitor> {
  const visitor = await openVisitor(browser, options);
  visitor.page.setDefaultTimeout(PAGE_TIMEOUT);
  return visitor;
}
