// "Check configuration" of a `wecom` sync source (POST /api/wecom:checkContacts) against the sandbox, which
// has WeCom's 2022 rules by kind of Secret and can inject errcodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../scripts/nocobase';
import { callsDuring, createWecomApp, SECRET, testConfig, WecomApp } from '../helpers/wecom-app';

const CONTACTS_SECRET = 'demo-contacts-secret-0123456789abcdef';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';

interface Answer {
  ok: boolean;
  code?: string;
  field?: string;
  message: string;
}

describe('contacts sync: check configuration', () => {
  let w: WecomApp;
  const corp = () => w.sandbox.config.corps[0];
  const check = (values: unknown, headers: Record<string, string> = {}) => w.admin.post<Answer>('wecom:checkContacts', values, headers);
  const options = (overrides: Record<string, unknown> = {}) => ({ authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, ...overrides });
  /** Runs `fn` with the sandbox changed by `change`, then puts the corp back as it was. */
  const withCorp = async <T>(change: () => void, fn: () => Promise<T>): Promise<T> => {
    const saved = structuredClone(corp());
    change();
    try {
      return await fn();
    } finally {
      w.sandbox.config.corps[0] = saved;
    }
  };

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    await w.addAuthenticator('off', {}, { enabled: false });
    // The contacts-sync Secret typed into the authenticator instead of the app's.
    await w.addAuthenticator('swapped', { corpSecret: CONTACTS_SECRET });
    await w.admin.post('userDataSyncSources:create', {
      name: 'saved',
      sourceType: 'wecom',
      enabled: true,
      options: { authenticator: 'wecom', contactsSecret: CONTACTS_SECRET, callbackToken: 'cbToken123', callbackEncodingAESKey: AES_KEY },
    });
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('says how many departments and members the contacts-sync Secret reads, with a handful of calls', async () => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ options: options({ callbackToken: 'cbToken123', callbackEncodingAESKey: AES_KEY }) }));
    expect(result).toEqual({
      ok: true,
      message: 'WeCom lets this source read 3 departments and 9 members. They are read with the contacts-sync Secret, every field included.',
    });
    expect(calls).toEqual({ gettoken: 2, 'agent/get': 2, 'department/simplelist': 1, 'user/list_id': 1, 'department/get': 1 });
  });

  it('uses the saved secrets of the source named when the fields are empty', async () => {
    const result = await check({ name: 'saved', options: { authenticator: 'wecom', contactsSecret: '', callbackToken: '', savedSecrets: ['contactsSecret', 'callbackToken', 'callbackEncodingAESKey'] } });
    expect(result).toEqual({
      ok: true,
      message: 'WeCom lets this source read 3 departments and 9 members. They are read with the contacts-sync Secret, every field included.',
    });
  });

  it('checks a secret typed into the form rather than the saved one', async () => {
    const result = await check({ name: 'saved', options: { authenticator: 'wecom', contactsSecret: 'not-the-secret' } });
    expect(result).toMatchObject({ ok: false, code: 'WECOM_CONFIG', field: 'contactsSecret' });
  });

  it('names an authenticator that does not exist', async () => {
    expect(await check({ options: options({ authenticator: 'nope' }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message: 'There is no WeCom authenticator named "nope".',
    });
  });

  it('refuses a {{$env.X}} authenticator without rendering it: neither the answer nor the log holds the value', async () => {
    const value = 'db-password-Zq81xvK3';
    await w.admin.post('environmentVariables:create', { name: 'WECOM_CHECK_DB_PASSWORD', type: 'secret', value });
    const { result, calls } = await callsDuring(w.sandbox, () => check({ options: options({ authenticator: '{{$env.WECOM_CHECK_DB_PASSWORD}}' }) }));
    expect(result).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message: 'The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.',
    });
    expect(calls).toEqual({});
    expect(await check({ options: options({ authenticator: '{{ $env.WECOM_CHECK_DB_PASSWORD }}' }) }, { 'x-locale': 'zh-CN' })).toMatchObject({
      message: '认证器按名称选择，名称不能是变量。请选择一个企业微信认证器。',
    });
    // The log is written asynchronously: wait until the refusal is in it.
    await expect.poll(() => w.t.logs(), { timeout: 20_000 }).toMatch(/wecom contacts check failed[^\n]*cannot be a variable/);
    // (The value is in the log line of NocoBase's own environmentVariables:create, which is not this plugin's.)
    const lines = w.t.logs().split('\n').filter((line) => !line.includes('environmentVariables'));
    expect(lines.filter((line) => line.includes(value))).toEqual([]);
  });

  it('reads an answer of more than 1 MiB, as the pull does (user/simplelist of a large department)', async () => {
    // 64 Chinese characters, the longest name WeCom takes: 192 bytes each in UTF-8.
    const name = (n: number) => `仓储物流中心夜班拣货员`.repeat(6).slice(0, 60) + String(n).padStart(4, '0');
    const result = await withCorp(
      () => {
        corp().apps[0].visibleTo = 'all';
        for (let i = 0; i < 5000; i++) corp().members.push({ userid: `picker${String(i).padStart(4, '0')}`, name: name(i), department: [2] });
      },
      async () => {
        const token = (await (await fetch(`${w.sandbox.url}/cgi-bin/gettoken?corpid=${corp().corpId}&corpsecret=${SECRET}`)).json()) as { access_token: string };
        const body = await (await fetch(`${w.sandbox.url}/cgi-bin/user/simplelist?access_token=${token.access_token}&department_id=2`)).text();
        // What the test is about: more than the WeCom client's default 1 MiB.
        expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
        return check({ options: options({ contactsSecret: '' }) });
      },
    );
    expect(result).toEqual({
      ok: true,
      message:
        'WeCom lets this source read 3 departments and 5009 members. WeCom gives the app (created after 2022-06-20) no mobile numbers or emails: members are matched to existing users only by their link to the authenticator.',
    });
  });

  it('names a disabled authenticator, without calling WeCom', async () => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ options: options({ authenticator: 'off' }) }));
    expect(result).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message: 'The authenticator "off" is disabled. Enable it under Settings → Authentication, or choose another.',
    });
    expect(calls).toEqual({});
  });

  it('names an authenticator that is not a WeCom one', async () => {
    expect(await check({ options: options({ authenticator: 'basic' }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message: 'The authenticator "basic" is not a WeCom authenticator. Choose a WeCom authenticator.',
    });
  });

  it('says the contacts-sync Secret is not valid (40001)', async () => {
    expect(await check({ options: options({ contactsSecret: 'not-the-secret' }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message: 'The contacts-sync Secret is not valid for this Company ID. Copy it again from 管理工具 → 通讯录同步 in the WeCom admin console.',
    });
  });

  it("says when the contacts-sync Secret is an app's Secret", async () => {
    expect(await check({ options: options({ contactsSecret: SECRET }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message:
        "The contacts-sync Secret is an app's Secret, not the Secret of Contacts Sync (管理工具 → 通讯录同步). An app's Secret reads only what the app sees, and an app created after 2022-06-20 reads no mobile numbers or emails. Enter the Contacts Sync Secret, or leave the field empty.",
    });
  });

  it("says when the authenticator's Secret is the contacts-sync Secret (it cannot send messages or sign in)", async () => {
    expect(await check({ options: options({ authenticator: 'swapped' }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message:
        'The Secret of the authenticator "swapped" is the contacts-sync Secret: it reads the address book but cannot sign members in or send messages. Enter the app\'s Secret there, and this one as the contacts-sync Secret.',
    });
  });

  it("says the app's Secret cannot read the address book when its visible range is not the whole company", async () => {
    expect(await check({ options: options({ contactsSecret: '' }) })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message:
        "The app's Secret cannot read the address book: the app's visible range is not the whole company (WeCom error 60011). Enter the contacts-sync Secret, or make the whole company visible to the app.",
    });
  });

  it('reads with the app alone when it sees the whole company, and says an app created after 2022-06-20 gets no mobile numbers', async () => {
    const result = await withCorp(
      () => (corp().apps[0].visibleTo = 'all'),
      () => check({ options: options({ contactsSecret: '' }) }),
    );
    expect(result).toEqual({
      ok: true,
      message:
        'WeCom lets this source read 3 departments and 9 members. WeCom gives the app (created after 2022-06-20) no mobile numbers or emails: members are matched to existing users only by their link to the authenticator.',
    });
  });

  it("names this server's IP when the contacts-sync Secret reads ids only (48009) and the app cannot read the members", async () => {
    const result = await withCorp(
      () => (corp().contacts!.legacyIps = ['10.20.30.40']),
      () => check({ options: options() }),
    );
    expect(result).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message:
        "The contacts-sync Secret reads only ids from this server's IP address 127.0.0.1 (trusted after 2022-08-15, WeCom error 48009), and the app's Secret cannot read the members either (its visible range is not the whole company). Make the whole company visible to the app.",
    });
  });

  it('passes a 48009 when the app reads the details, and says so', async () => {
    const result = await withCorp(
      () => {
        corp().contacts!.legacyIps = ['10.20.30.40'];
        corp().apps[0].visibleTo = 'all';
      },
      () => check({ options: options() }),
    );
    expect(result).toEqual({
      ok: true,
      message:
        "WeCom lets this source read 3 departments and 9 members. The contacts-sync Secret reads only ids from this server's IP address 127.0.0.1 (trusted after 2022-08-15, WeCom error 48009): the details are read with the app's Secret. WeCom gives the app (created after 2022-06-20) no mobile numbers or emails: members are matched to existing users only by their link to the authenticator.",
    });
  });

  it("names this server's IP when it is not a trusted IP of Contacts Sync (60020)", async () => {
    const result = await withCorp(
      () => (corp().contacts!.trustedIps = ['10.20.30.40']),
      () => check({ options: options() }),
    );
    expect(result).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message: "This server's IP address 127.0.0.1 is not a trusted IP of Contacts Sync. Add it under 管理工具 → 通讯录同步 in the WeCom admin console.",
    });
  });

  it("names the IP WeCom saw when the app's trusted IPs refuse this server (60020, injected)", async () => {
    w.sandbox.inject({ endpoint: 'agent/get', errcode: 60020 });
    expect(await check({ options: options() })).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'authenticator',
      message: "This server's IP address 127.0.0.1 is not in the app's Corporate Trusted IP list. Add it in the WeCom admin console.",
    });
  });

  it('says 48009 as WeCom injects it on the first details call, with the IP from its errmsg', async () => {
    w.sandbox.inject({ endpoint: 'department/get', errcode: 48009 });
    const result = await check({ options: options() });
    expect(result.message).toContain("The contacts-sync Secret reads only ids from this server's IP address 127.0.0.1");
  });

  it('says when WeCom lets the source read no members', async () => {
    const result = await withCorp(
      () => (corp().members = []),
      () => check({ options: options() }),
    );
    expect(result).toEqual({
      ok: false,
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message: "WeCom lets this source read no members. Check the app's visible range and the contacts-sync Secret.",
    });
  });

  it.each([
    ['an EncodingAESKey of 42 characters', { callbackToken: 'cbToken123', callbackEncodingAESKey: AES_KEY.slice(1) }, 'callbackEncodingAESKey', 'The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.'],
    ['an EncodingAESKey with a character outside base64', { callbackToken: 'cbToken123', callbackEncodingAESKey: `${AES_KEY.slice(1)}!` }, 'callbackEncodingAESKey', 'The callback EncodingAESKey must be the 43 English letters and digits set in WeCom.'],
    ['a Token with a space', { callbackToken: 'cb token', callbackEncodingAESKey: AES_KEY }, 'callbackToken', 'The callback Token must be 3 to 32 English letters or digits, as set in WeCom.'],
    ['a Token of 33 characters', { callbackToken: 'a'.repeat(33), callbackEncodingAESKey: AES_KEY }, 'callbackToken', 'The callback Token must be 3 to 32 English letters or digits, as set in WeCom.'],
    ['a Token of 2 characters', { callbackToken: 'ab', callbackEncodingAESKey: AES_KEY }, 'callbackToken', 'The callback Token must be 3 to 32 English letters or digits, as set in WeCom.'],
    ['a Token without its EncodingAESKey', { callbackToken: 'cbToken123' }, 'callbackEncodingAESKey', 'The callback needs both the Token and the EncodingAESKey.'],
  ])('names %s, without calling WeCom', async (_, callback, field, message) => {
    const { result, calls } = await callsDuring(w.sandbox, () => check({ options: options(callback) }));
    expect(result).toEqual({ ok: false, code: 'WECOM_CONFIG', field, message });
    expect(calls).toEqual({});
  });

  it('says what a valid callback Token and EncodingAESKey are, in the language of the admin', async () => {
    const token = options({ callbackToken: 'ab', callbackEncodingAESKey: AES_KEY });
    const key = options({ callbackToken: 'cbToken123', callbackEncodingAESKey: 'short' });
    expect((await check({ options: token }, { 'x-locale': 'zh-CN' })).message).toBe('回调 Token 须为 3 到 32 位英文字母或数字，与企业微信中设置的一致。');
    expect((await check({ options: key }, { 'x-locale': 'zh-CN' })).message).toBe('回调 EncodingAESKey 须为企业微信中设置的 43 位英文字母和数字。');
    expect((await check({ options: token }, { 'x-locale': 'ja-JP' })).message).toBe('コールバック Token は WeCom で設定した 3〜32 文字の英字または数字でなければなりません。');
    expect((await check({ options: key }, { 'x-locale': 'ja-JP' })).message).toBe('コールバック EncodingAESKey は WeCom で設定した 43 文字の英字と数字でなければなりません。');
  });

  it('answers in the language of the admin', async () => {
    expect(await check({ options: options({ authenticator: 'off' }) }, { 'x-locale': 'zh-CN' })).toMatchObject({
      message: '认证器“off”已停用。请在“设置 → 用户认证”中启用它，或选择其他认证器。',
    });
    expect(await check({ options: options() }, { 'x-locale': 'ja-JP' })).toMatchObject({
      ok: true,
      message: 'WeCom はこの同期ソースに 3 部門と 9 人のメンバーの読み取りを許可しています。連絡先同期 Secret で、すべての項目を含めて読み取ります。',
    });
  });

  it('never writes the contacts-sync Secret to the log', async () => {
    await check({ options: options() });
    expect(w.t.logs()).toContain('checkContacts');
    expect(w.t.logs()).not.toContain(CONTACTS_SECRET);
  });

  it('is refused to a signed-in user who may not manage user data sync, and allowed with that permission', async () => {
    await w.admin.post('users:create', { email: 'member@example.com', password: 'member-pass-123', nickname: 'Member', roles: ['member'] });
    const member = await Api.signIn(w.t.url, 'member@example.com', 'member-pass-123');
    const { result, calls } = await callsDuring(w.sandbox, () => member.post('wecom:checkContacts', { options: options() }).then(() => 'allowed', (error: Error) => error.message));
    expect(result).toMatch(/HTTP 403/);
    expect(calls).toEqual({});

    await w.admin.post('roles:create', { name: 'syncer', title: 'Syncer', snippets: ['pm.user-data-sync'] });
    await w.admin.post('users:create', { email: 'syncer@example.com', password: 'syncer-pass-123', nickname: 'Syncer', roles: ['syncer'] });
    const syncer = await Api.signIn(w.t.url, 'syncer@example.com', 'syncer-pass-123');
    expect(await syncer.post<Answer>('wecom:checkContacts', { options: options() })).toMatchObject({ ok: true });
  });

  it('is not open to anonymous visitors', async () => {
    const res = await fetch(`${w.t.url}/api/wecom:checkContacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ options: options() }) });
    expect(res.status).toBe(401);
  });
});
