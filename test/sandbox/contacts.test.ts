import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxConfig } from '../../sandbox/index';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { getToken, json, post, twoAppConfig, type Json } from './helpers';

const CORP = 'wwtest0000000002';
const SYNC_SECRET = 'sync-secret-0123456789';
const CALLBACK = { token: 'cbToken123', encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR' };

function contactsConfig(): SandboxConfig {
  const config = twoAppConfig();
  const corp = config.corps[0];
  corp.departments = [
    { id: 1, name: 'Test Corp', parentid: 0, order: 100000000 },
    { id: 7, name: 'Design', name_en: 'Design EN', parentid: 1, order: 5000, department_leader: ['alice'] },
    { id: 8, name: 'Print', parentid: 7, order: 4000 },
    { id: 9, name: 'Ops', parentid: 1, order: 3000 },
  ];
  corp.members[0] = { ...corp.members[0], department: [7, 9], is_leader_in_dept: [1, 0], main_department: 7, order: [10, 20], direct_leader: ['bob'], status: 1, alias: 'Al', telephone: '010-1234' };
  corp.contacts = { secret: SYNC_SECRET };
  return config;
}

async function api(sb: Sandbox, path: string, token: string, body?: unknown): Promise<Json> {
  const url = `${sb.url}/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${token}`;
  return json(fetch(url, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }));
}

describe('contacts read APIs', () => {
  let sb: Sandbox;
  let app: string;
  let oldApp: string;
  let sync: string;
  beforeAll(async () => {
    sb = await startSandbox(contactsConfig());
    app = await getToken(sb, CORP, 'new-app-secret');
    oldApp = await getToken(sb, CORP, 'old-app-secret');
    sync = await getToken(sb, CORP, SYNC_SECRET);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('gives the contacts-sync secret a token that opens the address book only (48002 elsewhere)', async () => {
    expect(await api(sb, 'agent/get?agentid=1000010', sync)).toMatchObject({ errcode: 48002 });
    expect(await api(sb, 'auth/getuserinfo?code=abc', sync)).toMatchObject({ errcode: 48002 });
    expect(await api(sb, 'department/simplelist', sync)).toMatchObject({ errcode: 0 });
  });

  it('lists the departments below one, recursively, with every field', async () => {
    expect(await api(sb, 'department/list?id=7', app)).toEqual({
      errcode: 0,
      errmsg: 'ok',
      department: [
        { id: 7, name: 'Design', name_en: 'Design EN', department_leader: ['alice'], parentid: 1, order: 5000 },
        { id: 8, name: 'Print', name_en: '', department_leader: [], parentid: 7, order: 4000 },
      ],
    });
    const all = await api(sb, 'department/list', sync);
    expect((all.department as Json[]).map((d) => d.id)).toEqual([1, 7, 9, 8]);
  });

  it('answers department/simplelist and department/get', async () => {
    expect(await api(sb, 'department/simplelist?id=7', sync)).toMatchObject({
      department_id: [
        { id: 7, parentid: 1, order: 5000 },
        { id: 8, parentid: 7, order: 4000 },
      ],
    });
    expect(await api(sb, 'department/get?id=9', app)).toMatchObject({ errcode: 0, department: { id: 9, name: 'Ops', parentid: 1, order: 3000 } });
    expect(await api(sb, 'department/get?id=99', app)).toMatchObject({ errcode: 60003 });
    expect(await api(sb, 'department/list?id=99', app)).toMatchObject({ errcode: 60003 });
  });

  it('refuses the department tree to an app whose visible range is not the whole corp (60011)', async () => {
    expect(await api(sb, 'department/list', oldApp)).toMatchObject({ errcode: 60011 });
    expect(await api(sb, 'user/list?department_id=7', oldApp)).toMatchObject({ errcode: 60011 });
  });

  it('lists the members directly in a department, without contact fields for an app created after 2022-06-20', async () => {
    const body = await api(sb, 'user/list?department_id=7', app);
    const users = body.userlist as Json[];
    expect(users.map((u) => u.userid)).toEqual(['alice', 'bob']);
    expect(users[0]).toEqual({
      userid: 'alice',
      name: 'Alice',
      department: [7, 9],
      order: [10, 20],
      position: '',
      main_department: 7,
      is_leader_in_dept: [1, 0],
      direct_leader: ['bob'],
      status: 1,
      enable: 1,
      alias: 'Al',
      telephone: '010-1234',
      extattr: { attrs: [] },
      external_position: '',
    });
    expect((await api(sb, 'user/list?department_id=8', app)).userlist).toEqual([]);
  });

  it('gives the contact fields to the sync secret', async () => {
    const body = await api(sb, 'user/list?department_id=9', sync);
    expect((body.userlist as Json[])[0]).toMatchObject({
      userid: 'alice',
      mobile: '13700000001',
      email: 'alice@test.example',
      biz_mail: 'alice@corp.test.example',
      gender: '2',
      avatar: '',
      address: '',
    });
    expect(await api(sb, 'user/get?userid=bob', sync)).toMatchObject({ errcode: 0, userid: 'bob', mobile: '13700000002' });
  });

  it('answers user/simplelist with names and departments only', async () => {
    expect((await api(sb, 'user/simplelist?department_id=1', app)).userlist).toEqual([
      { userid: 'evil', name: '<script>alert(1)</script>', department: [1], open_userid: 'wo_evil' },
    ]);
    expect(await api(sb, 'user/simplelist', app)).toMatchObject({ errcode: 40058 });
  });

  it('pages user/list_id with a cursor, one row per member and department, for the sync secret only', async () => {
    const first = await api(sb, 'user/list_id', sync, { limit: 2 });
    expect(first.dept_user).toEqual([
      { userid: 'alice', department: 7 },
      { userid: 'alice', department: 9 },
    ]);
    expect(first.next_cursor).not.toBe('');
    const second = await api(sb, 'user/list_id', sync, { cursor: first.next_cursor, limit: 10 });
    expect(second).toMatchObject({ errcode: 0, next_cursor: '', dept_user: [{ userid: 'evil', department: 1 }, { userid: 'bob', department: 7 }] });
    expect(await api(sb, 'user/list_id', app, {})).toMatchObject({ errcode: 48002 });
    expect(await api(sb, 'user/list_id', sync, { limit: 10001 })).toMatchObject({ errcode: 40058 });
    expect(await api(sb, 'user/list_id', sync, { cursor: 'bogus' })).toMatchObject({ errcode: 40058 });
    expect(await api(sb, 'user/list_id', sync, [])).toMatchObject({ errcode: 47001 });
  });
});

describe('the sync secret from an IP added after 2022-08-15', () => {
  let sb: Sandbox;
  let sync: string;
  beforeAll(async () => {
    const config = contactsConfig();
    config.corps[0].contacts = { secret: SYNC_SECRET, legacyIps: ['10.9.9.9'] };
    sb = await startSandbox(config);
    sync = await getToken(sb, CORP, SYNC_SECRET);
  });
  afterAll(async () => {
    await sb.close();
  });

  it('reads no details (48009)', async () => {
    for (const path of ['user/get?userid=alice', 'user/list?department_id=7', 'department/list', 'department/get?id=7']) {
      expect(await api(sb, path, sync)).toMatchObject({ errcode: 48009 });
    }
  });

  it('still reads the ids: department/simplelist, user/list_id and user/simplelist', async () => {
    expect(await api(sb, 'department/simplelist', sync)).toMatchObject({ errcode: 0 });
    expect(await api(sb, 'user/list_id', sync, {})).toMatchObject({ errcode: 0, next_cursor: '' });
    expect(await api(sb, 'user/simplelist?department_id=7', sync)).toMatchObject({ errcode: 0 });
  });

  it('refuses the sync secret from outside its trusted IPs (60020)', async () => {
    sb.config.corps[0].contacts!.trustedIps = ['10.9.9.9'];
    try {
      expect(await api(sb, 'department/simplelist', sync)).toMatchObject({ errcode: 60020 });
    } finally {
      sb.config.corps[0].contacts!.trustedIps = [];
    }
  });
});

interface Received {
  method: string;
  url: URL;
  body: string;
}

/** A stand-in for the plugin's callback URL; `answer` decides each reply. */
async function receiver(answer: (r: Received, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      answer(r, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/wecom:contactsCallback?source=wecom`, received, server };
}

const crypto = new CallbackCrypto({ ...CALLBACK, receiveId: CORP });

function decrypted(r: Received): string {
  const encrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(r.body)?.[1] ?? '';
  const q = r.url.searchParams;
  return crypto.verifyAndDecrypt({ signature: q.get('msg_signature') ?? '', timestamp: q.get('timestamp') ?? '', nonce: q.get('nonce') ?? '', encrypt });
}

describe('contact changes and their callbacks', () => {
  let sb: Sandbox;
  let servers: Server[] = [];
  beforeAll(async () => {
    sb = await startSandbox(contactsConfig());
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    servers = [];
  });
  const listen = async (answer: Parameters<typeof receiver>[0]) => {
    const r = await receiver(answer);
    servers.push(r.server);
    sb.config.corps[0].contacts!.callback = { ...CALLBACK, url: r.url };
    return r;
  };

  it('creates a member and POSTs the signed, encrypted create_user event to the callback URL', async () => {
    const r = await listen((_r, _req, res) => res.end(''));
    const report = await sb.changeContact({
      changeType: 'create_user',
      user: { userid: 'carol', name: 'Carol', department: [9, 8], is_leader_in_dept: [0, 1], mobile: '13700000003', biz_mail: 'carol@corp.test.example' },
    });
    expect(report.attempts).toEqual([{ status: 200, body: '' }]);
    expect(r.received).toHaveLength(1);
    const { url, body } = r.received[0];
    expect(url.searchParams.get('source')).toBe('wecom');
    expect(body).toMatch(/^<xml><ToUserName><!\[CDATA\[wwtest0000000002\]\]><\/ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]><\/Encrypt><AgentID><!\[CDATA\[\]\]><\/AgentID><\/xml>$/);
    const xml = decrypted(r.received[0]);
    expect(xml).toContain('<FromUserName><![CDATA[sys]]></FromUserName>');
    expect(xml).toContain('<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[carol]]></UserID><Name><![CDATA[Carol]]></Name><Department><![CDATA[9,8]]></Department><MainDepartment>9</MainDepartment><IsLeaderInDept><![CDATA[0,1]]></IsLeaderInDept>');
    expect(xml).toContain('<Mobile><![CDATA[13700000003]]></Mobile>');
    const sync = await getToken(sb, CORP, SYNC_SECRET);
    expect(await api(sb, 'user/get?userid=carol', sync)).toMatchObject({ errcode: 0, name: 'Carol', department: [9, 8] });
  });

  it('renames a userid with NewUserID and removes a member with delete_user', async () => {
    const r = await listen((_r, _req, res) => res.end('success'));
    await sb.changeContact({ changeType: 'update_user', user: { userid: 'bob', name: 'Robert' }, newUserId: 'robert' });
    expect(decrypted(r.received[0])).toContain('<ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[bob]]></UserID><NewUserID><![CDATA[robert]]></NewUserID><Name><![CDATA[Robert]]></Name>');
    await sb.changeContact({ changeType: 'delete_user', user: { userid: 'robert' } });
    expect(decrypted(r.received[1])).toMatch(/<ChangeType><!\[CDATA\[delete_user\]\]><\/ChangeType><UserID><!\[CDATA\[robert\]\]><\/UserID><\/xml>$/);
    const sync = await getToken(sb, CORP, SYNC_SECRET);
    expect(await api(sb, 'user/get?userid=bob', sync)).toMatchObject({ errcode: 60111 });
    expect(await api(sb, 'user/get?userid=robert', sync)).toMatchObject({ errcode: 60111 });
  });

  it('creates, updates and deletes a department with party events (update carries what changed only)', async () => {
    const r = await listen((_r, _req, res) => res.end(''));
    await sb.changeContact({ changeType: 'create_party', party: { id: 20, name: 'Legal', parentid: 9, order: 10 } });
    await sb.changeContact({ changeType: 'update_party', party: { id: 20, name: 'Legal & Tax' } });
    await sb.changeContact({ changeType: 'delete_party', party: { id: 20 } });
    expect(decrypted(r.received[0])).toContain('<ChangeType><![CDATA[create_party]]></ChangeType><Id>20</Id><Name><![CDATA[Legal]]></Name><ParentId>9</ParentId><Order>10</Order></xml>');
    expect(decrypted(r.received[1])).toContain('<ChangeType><![CDATA[update_party]]></ChangeType><Id>20</Id><Name><![CDATA[Legal & Tax]]></Name></xml>');
    expect(decrypted(r.received[2])).toContain('<ChangeType><![CDATA[delete_party]]></ChangeType><Id>20</Id></xml>');
  });

  it('retries three times after network failures, then stops', async () => {
    let n = 0;
    const r = await listen((_r, req, res) => {
      n += 1;
      if (n < 3) req.socket.destroy();
      else res.end('');
    });
    const report = await sb.changeContact({ changeType: 'update_user', user: { userid: 'alice', position: 'Lead' } });
    expect(report.attempts).toHaveLength(3);
    expect(report.attempts[2]).toEqual({ status: 200, body: '' });
    // The same message each time: the receiver recognises a retry by FromUserName + CreateTime.
    expect(new Set(r.received.map((x) => decrypted(x))).size).toBe(1);

    await listen((_r, req) => req.socket.destroy());
    const failed = await sb.changeContact({ changeType: 'update_user', user: { userid: 'alice', position: 'Head' } });
    expect(failed.attempts).toHaveLength(4);
    expect(failed.attempts.every((a) => a.error !== undefined)).toBe(true);
  });

  it('retries after a timeout but not after an HTTP error', async () => {
    const slow = await listen(() => undefined);
    const report = await sb.changeContact({ changeType: 'update_user', user: { userid: 'alice', alias: 'A' } }, { timeoutMs: 300 });
    expect(report.attempts).toHaveLength(4);
    expect(slow.received).toHaveLength(4);

    const broken = await listen((_r, _req, res) => {
      res.statusCode = 500;
      res.end('oops');
    });
    const once = await sb.changeContact({ changeType: 'update_user', user: { userid: 'alice', alias: 'B' } });
    expect(once.attempts).toEqual([{ status: 500, body: 'oops' }]);
    expect(broken.received).toHaveLength(1);
  });

  it('verifies the callback URL as WeCom does: the decrypted echostr, bare', async () => {
    await listen((r, _req, res) => {
      const q = r.url.searchParams;
      res.end(crypto.verifyAndDecrypt({ signature: q.get('msg_signature') ?? '', timestamp: q.get('timestamp') ?? '', nonce: q.get('nonce') ?? '', encrypt: q.get('echostr') ?? '' }));
    });
    expect(await sb.verifyContactsCallback()).toMatchObject({ ok: true, status: 200 });
    await listen((r, _req, res) => {
      const q = r.url.searchParams;
      res.end(`"${crypto.decrypt(q.get('echostr') ?? '')}"\n`);
    });
    expect(await sb.verifyContactsCallback()).toMatchObject({ ok: false, status: 200 });
  });

  it('changes the address book without a callback when none is configured or deliver is false', async () => {
    sb.config.corps[0].contacts!.callback = undefined;
    expect(await sb.changeContact({ changeType: 'create_party', party: { id: 30, name: 'Quiet', parentid: 1 } })).toMatchObject({ sent: false, attempts: [] });
    const r = await listen((_r, _req, res) => res.end(''));
    expect(await sb.changeContact({ changeType: 'update_party', party: { id: 30, order: 1 }, deliver: false })).toMatchObject({ sent: false });
    expect(r.received).toHaveLength(0);
  });

  it('offers the changes over HTTP and refuses what WeCom would refuse', async () => {
    await listen((_r, _req, res) => res.end(''));
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'create_party', party: { id: 40, name: 'Remote', parentid: 1 } })).toMatchObject({ ok: true, sent: true });
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'delete_party', party: { id: 7 } })).toMatchObject({ ok: false, error: 'department 7 has sub-departments (60006)' });
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'delete_party', party: { id: 9 } })).toMatchObject({ ok: false, error: 'department 9 has members (60005)' });
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'create_user', user: { userid: 'ALICE', name: 'Dup' } })).toMatchObject({ ok: false, error: 'userid ALICE exists (60102)' });
    expect(await post(sb, '/__sandbox/contacts/change', { changeType: 'rename_corp' })).toMatchObject({ ok: false });
    expect(await post(sb, '/__sandbox/contacts/callback', { url: 'http://127.0.0.1:1/x', token: 't', encodingAESKey: 'short' })).toMatchObject({ ok: false });
    expect(await post(sb, '/__sandbox/contacts/callback', { url: 'http://127.0.0.1:1/x', token: 't', encodingAESKey: CALLBACK.encodingAESKey })).toEqual({ ok: true });
    expect(sb.config.corps[0].contacts!.callback).toEqual({ url: 'http://127.0.0.1:1/x', token: 't', encodingAESKey: CALLBACK.encodingAESKey });
  });
});
