// The callback page carries WeCom's code and the state in its URL. NocoBase's gateway serves it (the
// client's index.html) before any app middleware runs, so this is checked over HTTP against a real,
// started NocoBase process, not the in-process test app.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApp, runCli, startApp } from '../../scripts/nocobase';
import { linkSelf, nocobaseEnv, root } from '../../scripts/paths.mjs';
import { freePort } from '../../scripts/ports';

describe('callback page headers on a started NocoBase', () => {
  let app: RunningApp | undefined;
  let storage: string;

  beforeAll(async () => {
    linkSelf();
    storage = join(root, '.test-tmp', `callback-headers-${randomBytes(4).toString('hex')}`);
    const env = nocobaseEnv({ storage, port: await freePort() });
    const logFile = join(storage, 'nocobase.log');
    await runCli(['install', '-f'], env, logFile);
    await runCli(['pm', 'enable', 'auth-wecom'], env, logFile);
    app = await startApp(env, logFile);
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    if (storage) rmSync(storage, { recursive: true, force: true });
  });

  it.each([
    ['with a code and a state', '/wecom/callback?authenticator=wecom&code=CODE0123456789&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
    ['with an error from the start URL', '/wecom/callback?authenticator=wecom&error=WECOM_BAD_REQUEST'],
    ['with a trailing slash', '/wecom/callback/?code=CODE0123456789&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
    ['of the modern client (/v/)', '/v/wecom/callback?authenticator=wecom&code=CODE0123456789&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
    ['of a sub-app (/apps/<name>/)', '/apps/crm/wecom/callback?authenticator=wecom&code=CODE0123456789&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
    ['of a sub-app in the modern client (/v/apps/<name>/)', '/v/apps/crm/wecom/callback?authenticator=wecom&code=CODE0123456789&state=AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
  ])('serves the callback page %s with Cache-Control: no-store and Referrer-Policy: no-referrer', async (_, path) => {
    const res = await fetch(`${app!.url}${path}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('<html'); // the client's page itself, not an error
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it.each([['/signin'], ['/admin'], ['/wecom/callback-other'], ['/v/signin'], ['/apps/crm/signin'], ['/apps/crm/admin/wecom/callback']])('leaves the headers of %s as NocoBase sets them', async (path) => {
    const res = await fetch(`${app!.url}${path}`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get('referrer-policy')).toBeNull();
    expect(res.headers.get('cache-control')).not.toBe('no-store');
  });
});
