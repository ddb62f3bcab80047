// The sandbox's interactive cards: a button_interaction card in the inbox, a tap POSTed (encrypted and signed) to
// the app's receive-message callback and re-sent when the answer is slow, update_template_card and the passive
// reply greying out the buttons. The callback here is a plain HTTP server using the plugin's own WXBizMsgCrypt.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, startSandbox, type Sandbox } from '../../sandbox/index';
import { CallbackCrypto } from '../../src/server/wecom/callback-crypto';
import { parseCallbackXml } from '../../src/server/wecom/callback-xml';
import { passiveReplyXml } from '../../src/server/wecom/callback-reply';
import { AGENT, CORP, getToken, json, post, type Json } from './helpers';

const TOKEN = 'sandboxCardToken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const crypto = new CallbackCrypto({ token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP });

describe('interactive cards', () => {
  let sb: Sandbox;
  let server: Server;
  let callbackUrl: string;
  let token: string;
  /** What the callback received (decrypted), and how it answers the next POST. */
  const received: Record<string, string>[] = [];
  let answer: (res: ServerResponse, event: Record<string, string>) => void = (res) => res.end('');

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = (n: string) => url.searchParams.get(n) ?? '';
      if (req.method === 'GET') return res.end(crypto.verifyAndDecrypt({ signature: q('msg_signature'), timestamp: q('timestamp'), nonce: q('nonce'), encrypt: q('echostr') }));
      let body = '';
      for await (const chunk of req) body += chunk;
      const encrypt = parseCallbackXml(body).Encrypt;
      const event = parseCallbackXml(crypto.verifyAndDecrypt({ signature: q('msg_signature'), timestamp: q('timestamp'), nonce: q('nonce'), encrypt }));
      received.push(event);
      answer(res, event);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    sb = await startSandbox(structuredClone(defaultConfig));
    expect(await post(sb, '/__sandbox/app/callback', { url: callbackUrl, token: TOKEN, encodingAESKey: AES_KEY })).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await sb.close();
    server.closeAllConnections();
    server.close();
  });
  beforeEach(async () => {
    sb.reset();
    received.length = 0;
    answer = (res) => res.end('');
    token = await getToken(sb);
  });

  let tasks = 0;
  const send = (touser: string) =>
    json(
      fetch(`${sb.url}/cgi-bin/message/send?access_token=${token}`, {
        method: 'POST',
        body: JSON.stringify({
          agentid: Number(AGENT),
          touser,
          msgtype: 'template_card',
          template_card: {
            card_type: 'button_interaction',
            main_title: { title: 'Approve?' },
            task_id: `task${++tasks}`,
            button_list: [
              { text: 'Yes', key: 'yes', style: 1 },
              { text: 'No', key: 'no', style: 4 },
            ],
          },
        }),
      }),
    );
  const update = (body: Json) => json(fetch(`${sb.url}/cgi-bin/message/update_template_card?access_token=${token}`, { method: 'POST', body: JSON.stringify({ agentid: Number(AGENT), ...body }) }));
  const cards = async (userid: string) => ((await json(fetch(`${sb.url}/__sandbox/cards/${userid}`))).cards as Json[]).reverse();

  it('delivers the card with its buttons and answers a response_code', async () => {
    const sent = await send('zhangsan|lisi');
    expect(sent).toMatchObject({ errcode: 0, response_code: expect.any(String) });
    expect(await cards('lisi')).toMatchObject([{ title: 'Approve?', taskId: `task${tasks}`, buttons: [{ key: 'yes', text: 'Yes' }, { key: 'no', text: 'No' }] }]);
    const page = await (await fetch(`${sb.url}/inbox/lisi`)).text();
    expect(page).toContain('data-card-button="yes"');
  });

  it('refuses a card WeCom refuses: 7 buttons, a repeated task_id, a long button text', async () => {
    const base = { card_type: 'button_interaction', main_title: { title: 'T' }, button_list: [{ text: 'OK', key: 'ok' }] };
    const raw = (card: Json) => json(fetch(`${sb.url}/cgi-bin/message/send?access_token=${token}`, { method: 'POST', body: JSON.stringify({ agentid: Number(AGENT), touser: 'zhangsan', msgtype: 'template_card', template_card: card }) }));
    expect(await raw({ ...base, task_id: 'r1', button_list: Array.from({ length: 7 }, (_, i) => ({ text: 'OK', key: `k${i}` })) })).toMatchObject({ errcode: 40058 });
    expect(await raw({ ...base, task_id: 'r2' })).toMatchObject({ errcode: 0 });
    expect(await raw({ ...base, task_id: 'r2' })).toMatchObject({ errcode: 40058 });
    expect(await raw({ ...base, task_id: 'r3', button_list: [{ text: '12345678901', key: 'ok' }] })).toMatchObject({ errcode: 42038 });
  });

  it('posts a tap as template_card_event, signed and encrypted for the corp', async () => {
    await send('zhangsan');
    const report = await post(sb, '/__sandbox/cards/tap', { userid: 'zhangsan', key: 'no' });
    expect(report).toMatchObject({ ok: true, attempts: [{ status: 200, body: '' }] });
    expect(received).toEqual([
      {
        ToUserName: CORP,
        FromUserName: 'zhangsan',
        CreateTime: expect.stringMatching(/^\d+$/),
        MsgType: 'event',
        Event: 'template_card_event',
        EventKey: 'no',
        TaskId: `task${tasks}`,
        CardType: 'button_interaction',
        ResponseCode: expect.any(String),
        AgentID: AGENT,
      },
    ]);
  });

  it('re-sends the same event when the answer is slower than the timeout (3 more tries)', async () => {
    await send('zhangsan');
    answer = (res) => setTimeout(() => res.end(''), 300);
    const report = await post(sb, '/__sandbox/cards/tap', { userid: 'zhangsan', key: 'yes', timeoutMs: 100 });
    expect((report.attempts as Json[]).map((a) => a.error ?? a.status)).toEqual(Array(4).fill(expect.stringMatching(/TimeoutError/)));
    await new Promise<void>((resolve) => {
      const check = () => (received.length >= 4 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(new Set(received.map((e) => JSON.stringify(e))).size).toBe(1);
  });

  it('greys out the buttons with update_template_card: one member with the click code, everyone with the send code, each code once', async () => {
    const sent = await send('zhangsan|lisi');
    await post(sb, '/__sandbox/cards/tap', { userid: 'lisi', key: 'yes' });
    const clickCode = received[0].ResponseCode;
    expect(await update({ userids: ['lisi'], response_code: clickCode, button: { replace_name: 'Approved by Li Si' } })).toMatchObject({ errcode: 0 });
    expect((await cards('lisi'))[0].replaced).toBe('Approved by Li Si');
    expect((await cards('zhangsan'))[0].replaced).toBeUndefined();
    expect(await update({ userids: ['lisi'], response_code: clickCode, button: { replace_name: 'again' } })).toMatchObject({ errcode: 60140 });
    expect(await update({ userids: ['wangwu'], response_code: sent.response_code, button: { replace_name: 'x' } })).toMatchObject({ errcode: 82102 });
    expect(await update({ atall: 1, response_code: sent.response_code, button: { replace_name: 'Approved' } })).toMatchObject({ errcode: 0 });
    expect((await cards('zhangsan'))[0].replaced).toBe('Approved');
    // A greyed-out button cannot be tapped.
    expect(await post(sb, '/__sandbox/cards/tap', { userid: 'zhangsan', key: 'yes' })).toMatchObject({ ok: false, error: 'the buttons are greyed out' });
  });

  it('applies a passive reply that replaces the button text', async () => {
    await send('zhangsan');
    answer = (res, event) => res.end(passiveReplyXml(crypto, '<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[Done]]></ReplaceName></Button>', event.FromUserName, CORP));
    await post(sb, '/__sandbox/cards/tap', { userid: 'zhangsan', key: 'yes' });
    expect((await cards('zhangsan'))[0].replaced).toBe('Done');
  });

  it('keeps a card, its greyed-out text and its codes across a restart of a persisted sandbox', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sandbox-cards-')), 'state.json');
    const first = await startSandbox(structuredClone(defaultConfig), { persist: { file } });
    const firstToken = await getToken(first);
    const sendOn = (sandbox: Sandbox, accessToken: string, body: Json) =>
      json(fetch(`${sandbox.url}/cgi-bin/message/${body.response_code ? 'update_template_card' : 'send'}?access_token=${accessToken}`, { method: 'POST', body: JSON.stringify({ agentid: Number(AGENT), ...body }) }));
    const sent = await sendOn(first, firstToken, {
      touser: 'zhangsan|lisi',
      msgtype: 'template_card',
      template_card: { card_type: 'button_interaction', main_title: { title: 'Kept' }, task_id: 'kept1', button_list: [{ text: 'OK', key: 'ok' }] },
    });
    expect(await sendOn(first, firstToken, { userids: ['lisi'], response_code: sent.response_code, button: { replace_name: 'x' } })).toMatchObject({ errcode: 0 });
    const later = await sendOn(first, firstToken, {
      touser: 'zhangsan',
      msgtype: 'template_card',
      template_card: { card_type: 'button_interaction', main_title: { title: 'Later' }, task_id: 'kept2', button_list: [{ text: 'OK', key: 'ok' }] },
    });
    await first.close();
    const second = await startSandbox(structuredClone(defaultConfig), { persist: { file } });
    try {
      const cardsOf = async (userid: string) => (await json(fetch(`${second.url}/__sandbox/cards/${userid}`))).cards as Json[];
      expect(await cardsOf('lisi')).toMatchObject([{ title: 'Kept', replaced: 'x' }]);
      expect((await cardsOf('zhangsan'))[0].replaced).toBeUndefined();
      const secondToken = await getToken(second);
      expect(await sendOn(second, secondToken, { atall: 1, response_code: sent.response_code, button: { replace_name: 'y' } })).toMatchObject({ errcode: 60140 });
      expect(await sendOn(second, secondToken, { atall: 1, response_code: later.response_code, button: { replace_name: 'Done' } })).toMatchObject({ errcode: 0 });
      expect((await cardsOf('zhangsan'))[1]).toMatchObject({ title: 'Later', replaced: 'Done' });
    } finally {
      await second.close();
    }
  });

  it('taps from the inbox page', async () => {
    await send('zhangsan');
    const [card] = await cards('zhangsan');
    const res = await fetch(`${sb.url}/inbox/zhangsan/tap`, { method: 'POST', body: new URLSearchParams({ msgid: String(card.msgid), key: 'no' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(received.map((e) => e.EventKey)).toEqual(['no']);
  });
});
