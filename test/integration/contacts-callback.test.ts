// WeCom's contacts callback: URL check, each change_contact event, retries, and every bad request.
import type { Model } from '@nocobase/database';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { WecomApp, createWecomApp, testConfig } from '../helpers/wecom-app';

const SOURCE = 'wecom-contacts';
const CORP = 'wwdemo0000000001';
const TOKEN = 'cbToken123';
const AES_KEY = 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR';

type Row = Record<string, unknown>;

describe('contacts callback', () => {
  let w: WecomApp;
  let url: string;
  const db = () => w.t.app.db;
  const crypto = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP });
  const user = async (filter: object) => (await db().getRepository('users').findOne({ filter: filter as never }))?.toJSON() as (Row & { id: number }) | undefined;
  const link = async (uuid: string) => (await db().getRepository('usersAuthenticators').findOne({ filter: { authenticator: 'wecom', uuid } }))?.toJSON() as Row | undefined;
  const department = async (title: string) => {
    const d = await db().getRepository('departments').findOne({ filter: { title }, appends: ['parent'] });
    // `sort` is a hidden field: toJSON leaves it out.
    return d ? ({ ...d.toJSON(), sort: d.get('sort') } as Row & { id: unknown; parent?: Row; sort: unknown }) : undefined;
  };
  const memberships = async (userId: number): Promise<Row[]> =>
    (await db().getRepository('departmentsUsers').find({ filter: { userId } })).map((m: Model) => m.toJSON() as Row);

  /** A POST as WeCom sends it, made here so that each part can be spoiled. */
  async function post(plain: string, spoil: { timestamp?: number; signature?: string; body?: string; crypto?: CallbackCrypto; source?: string; contentType?: string; locale?: string } = {}) {
    const timestamp = String(spoil.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = '12345';
    const c = spoil.crypto ?? crypto;
    const encrypt = c.encrypt(plain);
    const signature = spoil.signature ?? c.sign(timestamp, nonce, encrypt);
    const query = new URLSearchParams({ source: spoil.source ?? SOURCE, msg_signature: signature, timestamp, nonce });
    const body = spoil.body ?? `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    return fetch(`${w.t.url}/api/wecom:contactsCallback?${query}`, { method: 'POST', body, headers: { 'content-type': spoil.contentType ?? 'text/xml', ...(spoil.locale ? { 'x-locale': spoil.locale } : {}) } });
  }
  const event = (changeType: string, fields: string, createTime = Math.floor(Date.now() / 1000), to = CORP) =>
    `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[${changeType}]]></ChangeType>${fields}</xml>`;

  beforeAll(async () => {
    w = await createWecomApp(testConfig(), {}, ['user-data-sync', 'departments']);
    await w.addAuthenticator('wecom');
    const created = await w.admin.post<Row>('userDataSyncSources:create', {
      name: SOURCE,
      sourceType: 'wecom',
      enabled: true,
      options: { authenticator: 'wecom', contactsSecret: 'demo-contacts-secret-0123456789abcdef', callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY },
    });
    await w.admin.post(`userData:pull?name=${SOURCE}`, {});
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = await db().getRepository('userDataSyncTasks').findOne({ filter: { sourceId: created.id as number } });
      if (task && ['success', 'failed'].includes(task.get('status') as string)) {
        expect(task.get('status')).toBe('success');
        break;
      }
      if (Date.now() > deadline) throw new Error('the first pull did not finish');
      await db().sequelize.query('SELECT 1');
    }
    url = `${w.t.url}/api/wecom:contactsCallback?source=${SOURCE}`;
    w.sandbox.config.corps[0].contacts!.callback = { url, token: TOKEN, encodingAESKey: AES_KEY };
  });
  afterAll(async () => {
    await w?.destroy();
  });

  it('answers the URL check with the decrypted echostr, bare', async () => {
    expect(await w.sandbox.verifyContactsCallback()).toMatchObject({ ok: true, status: 200 });
  });

  it('answers the URL check as text/plain that no browser may sniff (X-Content-Type-Options: nosniff)', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const echostr = crypto.encrypt('<script>alert(1)</script>');
    const query = new URLSearchParams({ source: SOURCE, msg_signature: crypto.sign(timestamp, '7', echostr), timestamp, nonce: '7', echostr });
    const res = await fetch(`${w.t.url}/api/wecom:contactsCallback?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('<script>alert(1)</script>');
  });

  it('creates a member, with departments, leader flag and link (create_user)', async () => {
    const report = await w.sandbox.changeContact({
      changeType: 'create_user',
      user: { userid: 'sunqi', name: 'Sun Qi', department: [2, 3], is_leader_in_dept: [0, 1], main_department: 3, mobile: '13800000007', biz_mail: 'sunqi@corp.demo.example' },
    });
    expect(report.attempts).toEqual([{ status: 200, body: '' }]);
    const sun = await user({ nickname: 'Sun Qi' });
    expect(sun).toMatchObject({ phone: '13800000007', email: 'sunqi@corp.demo.example', mainDepartmentId: (await department('Sales'))?.id });
    expect(await link('sunqi')).toMatchObject({ userId: sun?.id, meta: { corpId: CORP, userid: 'sunqi' } });
    const rows = await memberships(sun!.id);
    expect(rows.map((r) => [r.departmentId, r.isOwner]).sort()).toEqual(
      [
        [(await department('Engineering'))?.id, false],
        [(await department('Sales'))?.id, true],
      ].sort(),
    );
  });

  it('updates a member and follows a userid change (update_user with NewUserID)', async () => {
    const before = await user({ nickname: 'Sun Qi' });
    await w.sandbox.changeContact({ changeType: 'update_user', user: { userid: 'sunqi', name: 'Sun Qi (Ops)', department: [2] }, newUserId: 'sun.qi' });
    const after = await user({ id: before!.id });
    expect(after).toMatchObject({ nickname: 'Sun Qi (Ops)' });
    expect(await link('sunqi')).toBeUndefined();
    expect(await link('sun.qi')).toMatchObject({ userId: before!.id, meta: { corpId: CORP, userid: 'sun.qi' } });
    expect((await memberships(before!.id)).map((r) => r.departmentId)).toEqual([(await department('Engineering'))?.id]);
  });

  it("takes a userid over from a departed member's leftovers when a member is renamed to it: no second record, no stale link", async () => {
    // A link and a record left under `old.ops` by a member who left (say a delete that never arrived).
    const departed = await w.admin.post<Row>('users:create', { nickname: 'Departed', username: 'departed_local' });
    await db().getRepository('usersAuthenticators').model.create({ authenticator: 'wecom', userId: departed.id, uuid: 'old.ops', meta: { corpId: CORP, userid: 'old.ops' } });
    await db().getRepository('userDataSyncRecords').model.create({ sourceName: SOURCE, dataType: 'user', sourceUk: 'old.ops', metaData: { uid: 'old.ops', nickname: 'Departed' } });
    const sun = await user({ nickname: 'Sun Qi (Ops)' });
    await w.sandbox.changeContact({ changeType: 'update_user', user: { userid: 'sun.qi' }, newUserId: 'old.ops' });
    const links = (await db().getRepository('usersAuthenticators').find({ filter: { authenticator: 'wecom', uuid: 'old.ops' } })).map((l: Model) => l.get('userId'));
    expect(links).toEqual([sun!.id]);
    expect(await db().getRepository('userDataSyncRecords').count({ filter: { sourceName: SOURCE, dataType: 'user', sourceUk: 'old.ops' } })).toBe(1);
    expect(await user({ id: departed.id })).toMatchObject({ nickname: 'Departed' });
    // Back, for the tests after this one.
    await w.sandbox.changeContact({ changeType: 'update_user', user: { userid: 'old.ops' }, newUserId: 'sun.qi' });
    expect(await link('sun.qi')).toMatchObject({ userId: sun!.id });
  });

  it('removes a member (delete_user)', async () => {
    const sun = await user({ nickname: 'Sun Qi (Ops)' });
    await w.sandbox.changeContact({ changeType: 'delete_user', user: { userid: 'sun.qi' } });
    expect(await user({ id: sun!.id })).toBeUndefined();
    expect(await link('sun.qi')).toBeUndefined();
  });

  it('creates, renames, reorders and removes a department (party events)', async () => {
    await w.sandbox.changeContact({ changeType: 'create_party', party: { id: 50, name: 'Legal', parentid: 1, order: 100000500 } });
    const legal = await department('Legal');
    expect(legal).toMatchObject({ parent: { title: 'Demo Corp' }, sort: 1 });
    // Larger order first: Legal moved Engineering and Sales down.
    expect((await department('Engineering'))?.sort).toBe(2);
    expect((await department('Sales'))?.sort).toBe(3);
    await w.sandbox.changeContact({ changeType: 'update_party', party: { id: 50, name: 'Legal & Tax', order: 1 } });
    expect(await department('Legal & Tax')).toMatchObject({ id: legal?.id, sort: 3 });
    expect((await department('Engineering'))?.sort).toBe(1);
    await w.sandbox.changeContact({ changeType: 'delete_party', party: { id: 50 } });
    expect(await department('Legal & Tax')).toBeUndefined();
  });

  it('applies a retried delivery once', async () => {
    await w.sandbox.changeContact({ changeType: 'create_user', user: { userid: 'zhouba', name: 'Zhou Ba', department: [3] }, deliver: false });
    const message = event('create_user', '<UserID><![CDATA[zhouba]]></UserID>');
    expect((await post(message)).status).toBe(200);
    const zhou = await user({ nickname: 'Zhou Ba' });
    expect(zhou).toBeDefined();
    // An admin edits the user; WeCom then delivers the same message again.
    await db().getRepository('users').update({ filterByTk: zhou!.id, values: { nickname: 'Zhou (edited here)' } });
    expect((await post(message)).status).toBe(200);
    expect(await user({ id: zhou!.id })).toMatchObject({ nickname: 'Zhou (edited here)' });
    expect(await db().getRepository('users').count({ filter: { nickname: 'Zhou Ba' } })).toBe(0);
  });

  it('does not create again a user deleted in NocoBase when WeCom retries its create_user; a new event does', async () => {
    await w.sandbox.changeContact({ changeType: 'create_user', user: { userid: 'wujiu', name: 'Wu Jiu', department: [3] }, deliver: false });
    const createTime = Math.floor(Date.now() / 1000);
    const message = event('create_user', '<UserID><![CDATA[wujiu]]></UserID>', createTime);
    expect((await post(message)).status).toBe(200);
    const wu = await user({ nickname: 'Wu Jiu' });
    expect(wu).toBeDefined();
    await w.admin.post(`users:destroy?filterByTk=${wu!.id}`, {});
    expect(await user({ id: wu!.id })).toBeUndefined();
    expect(await link('wujiu')).toBeUndefined();
    // WeCom did not get (or did not wait for) the answer and delivers the same message again.
    expect((await post(message)).status).toBe(200);
    expect(await db().getRepository('users').count({ filter: { nickname: 'Wu Jiu' } })).toBe(0);
    expect(await link('wujiu')).toBeUndefined();
    // Another event about the member (its own CreateTime) is applied: the member is in WeCom.
    expect((await post(event('create_user', '<UserID><![CDATA[wujiu]]></UserID>', createTime + 1))).status).toBe(200);
    const again = await user({ nickname: 'Wu Jiu' });
    expect(again).toBeDefined();
    expect(await link('wujiu')).toMatchObject({ userId: again!.id });
  });

  it('cuts off a streamed body over 64 KB (chunked, no Content-Length) without waiting for its end', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const query = new URLSearchParams({ source: SOURCE, msg_signature: 'c'.repeat(40), timestamp, nonce: '1' });
    // 1 MB offered in 16 KB chunks, and the request never ended: a server that buffers until the end never answers.
    const outcome = await new Promise<{ status?: number; error?: string; sent: number }>((resolve) => {
      const req = request(`${w.t.url}/api/wecom:contactsCallback?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml', 'transfer-encoding': 'chunked' } });
      let sent = 0;
      let done = false;
      const finish = (result: { status?: number; error?: string }) => {
        if (done) return;
        done = true;
        resolve({ ...result, sent });
        req.destroy();
      };
      req.on('response', (res) => {
        res.resume();
        finish({ status: res.statusCode });
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
      req.on('close', () => finish({ error: 'closed' }));
      const chunk = Buffer.alloc(16 * 1024, 'A');
      const pump = () => {
        while (!done && sent < 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      req.write('<xml><Encrypt><![CDATA[');
      pump();
    });
    expect(outcome.status === 413 || ['ECONNRESET', 'EPIPE', 'closed'].includes(outcome.error!), JSON.stringify(outcome)).toBe(true);
    expect(outcome.sent).toBeGreaterThan(64 * 1024);
  }, 60_000);

  describe('refuses, logs and changes nothing for', () => {
    const create = (userid: string) => event('create_user', `<UserID><![CDATA[${userid}]]></UserID>`);
    beforeAll(async () => {
      for (const userid of ['ghost1', 'ghost2', 'ghost3', 'ghost4', 'ghost5']) {
        await w.sandbox.changeContact({ changeType: 'create_user', user: { userid, name: `Ghost ${userid}`, department: [1] }, deliver: false });
      }
    });
    const nothingFor = async (userid: string) => expect(await link(userid)).toBeUndefined();

    it('every request refused before its signature is verified, alike (403, one body), with the reason in the log', async () => {
      // A source without callback settings, a disabled one with them, one whose authenticator was deleted.
      const withCallback = { authenticator: 'wecom', callbackToken: TOKEN, callbackEncodingAESKey: AES_KEY };
      await w.admin.post('userDataSyncSources:create', { name: 'no-callback', sourceType: 'wecom', enabled: true, options: { authenticator: 'wecom' } });
      await w.admin.post('userDataSyncSources:create', { name: 'switched-off', sourceType: 'wecom', enabled: false, options: withCallback });
      await w.addAuthenticator('wecom-gone');
      await w.admin.post('userDataSyncSources:create', { name: 'orphan', sourceType: 'wecom', enabled: true, options: { ...withCallback, authenticator: 'wecom-gone' } });
      const gone = await db().getRepository('authenticators').findOne({ filter: { name: 'wecom-gone' } });
      await w.admin.post(`authenticators:destroy?filterByTk=${gone?.get('id')}`, {});

      const cases: [string, () => Promise<Response>, RegExp][] = [
        ['an unknown source', () => post(create('ghost1'), { source: 'nope' }), /"source":"nope"[^\n]*"reason":"unknown-source"/],
        ['a source without callback settings', () => post(create('ghost1'), { source: 'no-callback' }), /"source":"no-callback"[^\n]*"reason":"no-callback-settings"/],
        ['a disabled source', () => post(create('ghost1'), { source: 'switched-off' }), /"source":"switched-off"[^\n]*"reason":"source-disabled"/],
        ['a source whose authenticator was deleted', () => post(create('ghost1'), { source: 'orphan' }), /"source":"orphan"[^\n]*"reason":"configuration"[^\n]*wecom-gone/],
        ['a bad signature', () => post(create('ghost1'), { signature: 'a'.repeat(40) }), /"source":"wecom-contacts"[^\n]*"reason":"signature"/],
        ['malformed XML', () => post(create('ghost1'), { body: '<xml><Encrypt>unclosed' }), /"source":"wecom-contacts"[^\n]*"reason":"malformed"[^\n]*not WeCom XML/],
        ['a JSON body', () => post(create('ghost1'), { body: '{"Encrypt":"x"}', contentType: 'application/json' }), /"source":"wecom-contacts"[^\n]*"reason":"malformed"[^\n]*application\/json/],
      ];
      const answers: { name: string; status: number; contentType: string | null; body: string; headers: string[] }[] = [];
      for (const [name, send] of cases) {
        const res = await send();
        const headers = [...res.headers.entries()].filter(([header]) => !['date', 'x-request-id'].includes(header)).map(([header, value]) => `${header}: ${value}`);
        answers.push({ name, status: res.status, contentType: res.headers.get('content-type'), body: await res.text(), headers });
      }
      const expected = {
        status: 403,
        contentType: 'application/json; charset=utf-8',
        body: '{"errors":[{"code":"WECOM_CALLBACK_REFUSED","message":"The callback is refused. The server log says why."}]}',
        headers: answers[0].headers,
      };
      for (const answer of answers) expect(answer, answer.name).toEqual({ name: answer.name, ...expected });
      for (const [name, , line] of cases) {
        await expect.poll(() => w.t.logs(), { message: name, timeout: 20_000 }).toMatch(new RegExp(`wecom contacts callback refused before its signature was verified[^\\n]*${line.source}`));
      }
      const logs = w.t.logs();
      for (const secret of [TOKEN, AES_KEY]) expect(logs).not.toContain(secret);
      await nothingFor('ghost1');
    });

    it('a message for another corp (400)', async () => {
      const other = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: 'wwothercorp000001' });
      const res = await post(create('ghost2'), { crypto: other });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Row[] }).errors[0]).toMatchObject({ code: 'WECOM_CALLBACK_WRONG_CORP' });
      const inner = await post(event('create_user', '<UserID><![CDATA[ghost2]]></UserID>', undefined, 'wwothercorp000001'));
      expect(inner.status).toBe(400);
      await nothingFor('ghost2');
    });

    it('malformed XML (403, before the signature can be checked) and a huge body (413)', async () => {
      expect((await post(create('ghost3'), { body: '<xml><Encrypt>unclosed' })).status).toBe(403);
      expect((await post(create('ghost3'), { body: '{"Encrypt":"x"}', contentType: 'application/json' })).status).toBe(403);
      expect((await post(create('ghost3'), { body: `<xml><Encrypt><![CDATA[${'A'.repeat(200_000)}]]></Encrypt></xml>` })).status).toBe(413);
      await nothingFor('ghost3');
    });

    it('a stale or future timestamp (400), in the language asked for', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect((await post(create('ghost4'), { timestamp: now - 3600 })).status).toBe(400);
      const future = await post(create('ghost4'), { timestamp: now + 3600, locale: 'zh-CN' });
      expect(future.status).toBe(400);
      expect(((await future.json()) as { errors: Row[] }).errors[0]).toEqual({ code: 'WECOM_CALLBACK_STALE', message: '回调时间戳过旧或在未来。' });
      await nothingFor('ghost4');
    });

    it('an unknown source (403) and a bad URL check (403)', async () => {
      expect((await post(create('ghost5'), { source: 'nope' })).status).toBe(403);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const echostr = crypto.encrypt('1234567890');
      const bad = new URLSearchParams({ source: SOURCE, msg_signature: 'b'.repeat(40), timestamp, nonce: '1', echostr });
      const refused = await fetch(`${w.t.url}/api/wecom:contactsCallback?${bad}`);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toBe('{"errors":[{"code":"WECOM_CALLBACK_REFUSED","message":"The callback is refused. The server log says why."}]}');
      const good = new URLSearchParams({ source: SOURCE, msg_signature: crypto.sign(timestamp, '1', echostr), timestamp, nonce: '1', echostr });
      const res = await fetch(`${w.t.url}/api/wecom:contactsCallback?${good}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('1234567890');
      await nothingFor('ghost5');
    });
  });
});
