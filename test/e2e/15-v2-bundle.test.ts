// Every visitor of a `/v/` page downloads the modern client's entry file (dist/client-v2/index.js): no larger,
// gzipped, than NocoBase's own plugin-auth-sms's. The callback page and the admin forms (authenticator, channel,
// message, sync source) are files of their own next to it, loaded when shown; everything the `/v/` page
// provides stays outside the bundles.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeModules, root } from '../../scripts/paths.mjs';
import { demoOptions, onlyWeComAuthenticator, removeAuthenticator } from './app';
import { launchBrowser, screenshotOnFailure } from './browser';
import { newV2Visitor } from './v2';

const NAME = 'wecom_v2_bundle';
const DIR = '/static/plugins/@nocobase/plugin-auth-wecom/dist/client-v2/';

function size(file: string) {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** The files next to index.js that it loads when a page shows them. */
const ON_DEMAND = ['callback.js', 'settings.js', 'notification-channel.js', 'notification-message.js', 'robot-channel.js', 'robot-message.js', 'sync.js', 'wecom-card.js'];

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB (${bytes} B)`;
/** The `define(...)` line of an AMD bundle: its id, if any, and its dependencies. */
const amdHeader = (file: string) => /define\(("[^"]+",)?(\[[^\]]*\])/.exec(readFileSync(join(root, file), 'utf8'));

describe('modern client bundle', () => {
  it('whose entry the /v/ pages download is no larger, gzipped, than plugin-auth-sms', () => {
    const ours = size(join(root, 'dist/client-v2/index.js'));
    const callback = size(join(root, 'dist/client-v2/callback.js'));
    const sms = size(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client-v2/index.js'));
    const line = (name: string, { raw, gzip }: { raw: number; gzip: number }) => `  ${name.padEnd(56)} ${kb(raw).padEnd(20)} ${kb(gzip)}`;
    console.log(
      [
        `  ${''.padEnd(56)} ${'raw'.padEnd(20)} gzip -9`,
        line('plugin-auth-wecom dist/client-v2/index.js', ours),
        line('plugin-auth-wecom dist/client-v2/callback.js', callback),
        ...ON_DEMAND.filter((file) => file !== 'callback.js').map((file) => line(`plugin-auth-wecom dist/client-v2/${file}`, size(join(root, 'dist/client-v2', file)))),
        line('plugin-auth-sms   dist/client-v2/index.js', sms),
      ].join('\n'),
    );
    expect(ours.gzip).toBeLessThanOrEqual(sms.gzip);
    expect(ours.raw).toBeLessThanOrEqual(sms.raw);
  });

  it('is one named AMD module <package>/client-v2 that takes from the /v/ page only what it provides', () => {
    const [, id, deps] = amdHeader('dist/client-v2/index.js')!;
    expect(id).toBe('"@nocobase/plugin-auth-wecom/client-v2",');
    expect(JSON.parse(deps)).toEqual([
      'require',
      'exports',
      'module',
      'react',
      'react/jsx-runtime',
      'antd',
      'react-i18next',
      '@nocobase/client-v2',
      '@nocobase/plugin-auth/client-v2',
    ]);
    for (const file of ON_DEMAND.map((name) => `dist/client-v2/${name}`)) {
      const [, anonymous, siblingDeps] = amdHeader(file)!;
      expect(anonymous, file).toBeUndefined();
      expect(JSON.parse(siblingDeps), file).not.toContain('@nocobase/client');
    }
    // Only the message forms take the modules of plugin-workflow and plugin-notification-manager.
    expect(JSON.parse(amdHeader('dist/client-v2/notification-channel.js')![2])).not.toContain('@nocobase/plugin-workflow/client-v2');
    expect(JSON.parse(amdHeader('dist/client-v2/notification-message.js')![2])).toContain('@nocobase/plugin-workflow/client-v2');
    expect(JSON.parse(amdHeader('dist/client-v2/robot-channel.js')![2])).not.toContain('@nocobase/plugin-workflow/client-v2');
    const index = readFileSync(join(root, 'dist/client-v2/index.js'), 'utf8');
    expect(index).not.toContain('Check configuration');
    expect(index).not.toContain('auth:signIn');
    expect(index).not.toContain('Add at least one receiver.');
    expect(index).not.toContain('Contacts-sync Secret');
    expect(readFileSync(join(root, 'client-v2.js'), 'utf8')).toBe("module.exports = require('./dist/client-v2/index.js');\n");
  });
});

describe('the modern client loads its other files on demand', () => {
  let browser: Browser;
  const appUrl = inject('appUrl');

  beforeAll(async () => {
    await onlyWeComAuthenticator(NAME, demoOptions());
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await removeAuthenticator(NAME);
  });

  it('/v/signin downloads only the entry; the callback route downloads callback.js with the same hash', async () => {
    const { page, urls } = await newV2Visitor(browser);
    screenshotOnFailure(page, 'v2-bundle-on-demand');
    const ours = () => urls.map((url) => new URL(url)).filter((url) => url.pathname.startsWith(DIR));
    await page.goto(`${appUrl}/v/signin`);
    await page.getByRole('link', { name: 'WeCom' }).waitFor();
    await page.waitForLoadState('networkidle');
    const [entry, ...others] = ours();
    expect(entry.pathname).toBe(`${DIR}index.js`);
    expect(entry.searchParams.get('hash')).toMatch(/^[0-9a-f]{8}$/);
    expect(others.filter((url) => url.pathname !== entry.pathname)).toEqual([]);

    await page.goto(`${appUrl}/v/wecom/callback?authenticator=${NAME}&error=WECOM_CONFIG`);
    await page.locator('.ant-alert-error').waitFor();
    expect(ours().filter((url) => url.pathname === `${DIR}callback.js`).map((url) => url.search)).toEqual([entry.search]);
  });
});
