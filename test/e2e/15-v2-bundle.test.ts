// Every visitor of a `/v/` page downloads the modern client's entry file (dist/client-v2/index.js): no larger,
// gzipped, than NocoBase's own plugin-auth-sms's. The callback page and the settings form are files of their
// own next to it, loaded when shown; everything the `/v/` page provides stays outside the bundles.
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

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB (${bytes} B)`;
/** The `define(...)` line of an AMD bundle: its id, if any, and its dependencies. */
const amdHeader = (file: string) => /define\(("[^"]+",)?(\[[^\]]*\])/.exec(readFileSync(join(root, file), 'utf8'));

describe('modern client bundle', () => {
  it('whose entry the /v/ pages download is no larger, gzipped, than plugin-auth-sms', () => {
    const ours = size(join(root, 'dist/client-v2/index.js'));
    const callback = size(join(root, 'dist/client-v2/callback.js'));
    const settings = size(join(root, 'dist/client-v2/settings.js'));
    const sms = size(join(nodeModules, '@nocobase/plugin-auth-sms/dist/client-v2/index.js'));
    console.log(
      [
        '                                                 raw                  gzip -9',
        `  plugin-auth-wecom dist/client-v2/index.js     ${kb(ours.raw).padEnd(20)} ${kb(ours.gzip)}`,
        `  plugin-auth-wecom dist/client-v2/callback.js  ${kb(callback.raw).padEnd(20)} ${kb(callback.gzip)}`,
        `  plugin-auth-wecom dist/client-v2/settings.js  ${kb(settings.raw).padEnd(20)} ${kb(settings.gzip)}`,
        `  plugin-auth-sms   dist/client-v2/index.js     ${kb(sms.raw).padEnd(20)} ${kb(sms.gzip)}`,
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
    for (const file of ['dist/client-v2/callback.js', 'dist/client-v2/settings.js']) {
      const [, anonymous, siblingDeps] = amdHeader(file)!;
      expect(anonymous, file).toBeUndefined();
      expect(JSON.parse(siblingDeps), file).not.toContain('@nocobase/client');
    }
    const index = readFileSync(join(root, 'dist/client-v2/index.js'), 'utf8');
    expect(index).not.toContain('Check configuration');
    expect(index).not.toContain('auth:signIn');
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
