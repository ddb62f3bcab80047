import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, StateFileError, type Sandbox, type SandboxConfig } from '../../sandbox/index';
import { getToken, json, post, twoAppConfig } from './helpers';

const CORP = 'wwtest0000000002';
const SYNC_SECRET = 'sync-secret-0123456789';
const CALLBACK = { url: 'http://127.0.0.1:9/api/wecom:contactsCallback?source=wecom', token: 'cbToken123', encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };

function config(): SandboxConfig {
  const c = twoAppConfig();
  c.corps[0].contacts = { secret: SYNC_SECRET };
  return c;
}

const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
let file = '';
let sandbox: Sandbox | undefined;

async function start(options: { reset?: boolean; persist?: boolean } = {}): Promise<Sandbox> {
  sandbox = await startSandbox(config(), options.persist === false ? {} : { persist: { file, reset: options.reset } });
  return sandbox;
}

async function stop(): Promise<void> {
  await sandbox?.close();
  sandbox = undefined;
}

/** Edits as a person does over HTTP: a member added and one removed, a department, the callback URL, a message to alice. */
async function changeEverything(sb: Sandbox): Promise<void> {
  expect(await post(sb, '/__sandbox/contacts/callback', CALLBACK)).toEqual({ ok: true });
  const changes = [
    { changeType: 'create_party', party: { id: 20, name: 'Support', parentid: 1 }, deliver: false },
    { changeType: 'create_user', user: { userid: 'carol', name: 'Carol', mobile: '13700000003', department: [20] }, deliver: false },
    { changeType: 'delete_user', user: { userid: 'bob' }, deliver: false },
  ];
  for (const change of changes) expect(await post(sb, '/__sandbox/contacts/change', change)).toMatchObject({ ok: true, sent: false });
  const token = await getToken(sb, CORP, 'new-app-secret');
  const sent = await post(sb, `/cgi-bin/message/send?access_token=${token}`, { touser: 'alice', agentid: '1000010', msgtype: 'text', text: { content: 'kept across restarts' } });
  expect(sent).toMatchObject({ errcode: 0 });
}

async function memberOf(sb: Sandbox, userid: string): Promise<Record<string, unknown>> {
  const token = await getToken(sb, CORP, SYNC_SECRET);
  return json(fetch(`${sb.url}/cgi-bin/user/get?access_token=${token}&userid=${userid}`));
}

async function inboxOf(sb: Sandbox, userid: string): Promise<unknown[]> {
  return (await json(fetch(`${sb.url}/__sandbox/inbox/${userid}`))).messages as unknown[];
}

describe('sandbox state kept in a file (npm start)', () => {
  let n = 0;
  afterEach(stop);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = (): void => {
    n += 1;
    file = join(dir, `state-${n}`, 'sandbox-state.json');
  };

  it('keeps address-book changes, the callback settings and inboxes across a restart', async () => {
    fresh();
    await changeEverything(await start());
    await stop();

    const again = await start();
    expect(await memberOf(again, 'carol')).toMatchObject({ errcode: 0, name: 'Carol', mobile: '13700000003', department: [20] });
    expect(await memberOf(again, 'bob')).toMatchObject({ errcode: 60111 });
    expect(again.config.corps[0].departments?.map((d) => [d.id, d.name])).toEqual([[1, 'Test <b>Corp</b>'], [20, 'Support']]);
    expect(again.config.corps[0].contacts?.callback).toEqual(CALLBACK);
    expect(await inboxOf(again, 'alice')).toMatchObject([{ userid: 'alice', msgtype: 'text', content: { content: 'kept across restarts' } }]);
  });

  it('writes the file soon after a change, not only when it is closed (a killed npm start loses nothing)', async () => {
    fresh();
    const sb = await start();
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'create_user', user: { userid: 'dave', name: 'Dave' }, deliver: false })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(readFileSync(file, 'utf8')).toContain('"userid": "dave"'), { timeout: 10_000, interval: 50 });
    // The Token and EncodingAESKey are in it: the owner alone may read it.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('starts from the configuration again with reset, and forgets the file', async () => {
    fresh();
    await changeEverything(await start());
    await stop();

    const again = await start({ reset: true });
    expect(existsSync(file)).toBe(false);
    expect(await memberOf(again, 'carol')).toMatchObject({ errcode: 60111 });
    expect(await memberOf(again, 'bob')).toMatchObject({ errcode: 0, name: 'Bob' });
    expect(again.config.corps[0].contacts?.callback).toBeUndefined();
    expect(await inboxOf(again, 'alice')).toEqual([]);
  });

  it('keeps nothing without a state file (the tests’ sandboxes)', async () => {
    fresh();
    await changeEverything(await start({ persist: false }));
    await stop();
    expect(existsSync(file)).toBe(false);

    const again = await start({ persist: false });
    expect(await memberOf(again, 'carol')).toMatchObject({ errcode: 60111 });
    expect(await inboxOf(again, 'alice')).toEqual([]);
  });

  it('refuses a state file it cannot read back, naming it and --reset', async () => {
    fresh();
    await changeEverything(await start());
    await stop();
    writeFileSync(file, '{"version": 1, "corps": [');
    await expect(start()).rejects.toThrow(StateFileError);
    await expect(start()).rejects.toThrow(`${file}: not JSON`);
    await expect(start()).rejects.toThrow('delete it or start with --reset');
  });
});
