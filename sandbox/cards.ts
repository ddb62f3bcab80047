// Interactive template cards (`button_interaction` [90236]) as a member's WeCom client shows them: the card with
// its buttons, a tap that POSTs the encrypted `template_card_event` to the app's receive-message callback (and
// re-sends it, like WeCom, when the answer does not come in time), `update_template_card` [94888] and the
// passive reply [90241] that grey out the buttons with a text. The app's callback settings (URL, Token,
// EncodingAESKey) are those an admin saves in the console (API接收消息).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Call, Context } from './api';
import { authorize, jsonBody, requirePost } from './api';
import { findApp, findCorp } from './config';
import { decryptFrom, encryptFor, signature, urlCheck } from './contacts-events';
import { WeComError } from './errors';
import { Html, html } from './html';
import { readBody, redirect, sendJson } from './http';
import type { InboxMessage } from './message';
import type { SandboxApp, SandboxCorp } from './types';

/** A response_code lasts 72 h [94945] and updates once. */
const CODE_TTL_MS = 72 * 3600_000;
const RETRIES = 3;
/** WeCom waits 5 s for the answer before it re-sends. */
const DEFAULT_TIMEOUT_MS = 5000;

interface SentCard {
  msgid: string;
  corpId: string;
  agentId: string;
  taskId: string;
  recipients: string[];
}

interface CodeRecord {
  /** absent: the send-time code (every recipient); present: the code of this member's click */
  userid?: string;
  expiresAt: number;
  used: boolean;
}

/**
 * What a card is now, kept on each member's copy of the message so that it outlives a restart of a persisted
 * sandbox (sandbox/persist.ts keeps the inboxes): the text that greyed out its buttons, and its update codes
 * (the send-time code on every copy, a click's code on the tapper's).
 */
type CardMessage = InboxMessage & { replaced?: string; codes?: Record<string, CodeRecord> };

const copiesOf = (ctx: Context, msgid: string): CardMessage[] => ctx.state.inbox.all().filter((m) => m.msgid === msgid);

function sentOf(ctx: Context, msgid: string): SentCard | undefined {
  const copies = copiesOf(ctx, msgid);
  const first = copies[0];
  if (!first || first.content.card_type !== 'button_interaction') return undefined;
  return { msgid, corpId: first.corpId, agentId: first.agentId, taskId: String(first.content.task_id), recipients: copies.map((m) => m.userid) };
}

function codeOf(ctx: Context, code: unknown): { msgid: string; record: CodeRecord } | undefined {
  if (typeof code !== 'string') return undefined;
  for (const m of ctx.state.inbox.all() as CardMessage[]) {
    const record = m.codes?.[code];
    if (record) return { msgid: m.msgid, record };
  }
  return undefined;
}

function setCode(ctx: Context, msgid: string, code: string, record: CodeRecord): void {
  for (const m of copiesOf(ctx, msgid)) {
    if (record.userid && m.userid !== record.userid) continue;
    m.codes = { ...m.codes, [code]: { ...record } };
  }
}

function useCode(ctx: Context, msgid: string, code: string): void {
  for (const m of copiesOf(ctx, msgid)) if (m.codes?.[code]) m.codes[code].used = true;
}

const random = (): string => randomBytes(24).toString('base64url');
const chars = (text: string): number => [...text].length;
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const cdata = (value: string): string => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** WeCom's checks of a `button_interaction` card (errcodes 42027–42051, wecom-facts-3 §6). */
export function checkButtonCard(object: Record<string, unknown>): Record<string, unknown> {
  const title = objectOf(object.main_title)?.title;
  if (typeof title !== 'string' || !title) throw new WeComError(42033, 'main_title.title missing');
  const taskId = object.task_id;
  if (typeof taskId !== 'string' || !/^[0-9A-Za-z_\-@]{1,128}$/.test(taskId)) throw new WeComError(40058, 'invalid task_id');
  const buttons = object.button_list;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 6) throw new WeComError(40058, 'button_list must have 1 to 6 buttons');
  const keys = new Set<string>();
  for (const raw of buttons) {
    const button = objectOf(raw) ?? {};
    if (typeof button.text !== 'string' || !button.text || chars(button.text) > 10) throw new WeComError(42038, 'invalid button_list.text');
    if ((button.type ?? 0) === 0) {
      if (typeof button.key !== 'string' || !button.key || bytes(button.key) > 1024 || keys.has(button.key)) throw new WeComError(42039, 'invalid button_list.key');
      keys.add(button.key);
    }
  }
  const action = objectOf(object.card_action);
  if (action && action.type === 1 && typeof action.url !== 'string') throw new WeComError(42028, 'card_action.url missing');
  return object;
}

/** "task_id 同一个应用任务id不能重复" [90236]: checked before anything is delivered. */
export function assertNewTaskId(ctx: Context, corpId: string, agentId: string, content: Record<string, unknown>): void {
  if (content.card_type !== 'button_interaction') return;
  const used = ctx.state.inbox.all().some((m) => m.corpId === corpId && m.agentId === agentId && m.content.card_type === 'button_interaction' && m.content.task_id === content.task_id);
  if (used) throw new WeComError(40058, 'task_id already used');
}

/** After message/send delivered a callback card: its send-time response_code. */
export function registerSentCard(ctx: Context, card: { msgid: string }): string {
  const code = random();
  setCode(ctx, card.msgid, code, { expiresAt: ctx.state.now() + CODE_TTL_MS, used: false });
  return code;
}

/** `message/update_template_card` [94888]: with `button.replace_name` (or a new card's `replace_text`). */
export function updateTemplateCard(call: Call): Record<string, unknown> {
  requirePost(call);
  const { app } = authorize(call);
  const body = jsonBody(call);
  if (String(body.agentid ?? '') !== app.agentId) throw new WeComError(body.agentid === undefined ? 41011 : 301002);
  const found = codeOf(call.ctx, body.response_code);
  const code = found?.record;
  const sent = found && sentOf(call.ctx, found.msgid);
  if (!found || !code || !sent || code.used || code.expiresAt < call.ctx.state.now() || sent.agentId !== app.agentId) {
    throw new WeComError(60140, 'invalid response_code');
  }
  let targets: string[];
  if (body.atall === 1) targets = sent.recipients;
  else {
    const userids = Array.isArray(body.userids) ? body.userids.filter((u): u is string => typeof u === 'string') : [];
    if (userids.length === 0) throw new WeComError(82101, 'update target empty');
    const recipients = new Map(sent.recipients.map((r) => [r.toLowerCase(), r]));
    if (userids.some((u) => !recipients.has(u.toLowerCase()))) throw new WeComError(82102, 'update target not in the message');
    targets = userids.map((u) => recipients.get(u.toLowerCase())!);
  }
  const text = replacement(objectOf(body.button)?.replace_name, objectOf(body.template_card)?.replace_text);
  if (!text) throw new WeComError(40058, 'button.replace_name or template_card missing');
  useCode(call.ctx, found.msgid, body.response_code as string);
  for (const m of copiesOf(call.ctx, sent.msgid) as CardMessage[]) if (targets.includes(m.userid)) m.replaced = text;
  return { invaliduser: [] };
}

function replacement(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.length > 0);
}

export interface CardView {
  msgid: string;
  taskId: string;
  title: string;
  description: string;
  url?: string;
  buttons: { key: string; text: string; style: number }[];
  /** The text that greyed out the buttons, once updated */
  replaced?: string;
}

/** A card message as the member sees it now. */
export function cardView(message: InboxMessage): CardView | undefined {
  const c = message.content;
  if (c.card_type !== 'button_interaction') return undefined;
  const buttons = (Array.isArray(c.button_list) ? c.button_list : []).map((raw) => {
    const b = objectOf(raw) ?? {};
    return { key: String(b.key ?? ''), text: String(b.text ?? ''), style: Number(b.style ?? 1) };
  });
  const url = objectOf(c.card_action)?.url;
  return {
    msgid: message.msgid,
    taskId: String(c.task_id ?? ''),
    title: String(objectOf(c.main_title)?.title ?? ''),
    description: String(c.sub_title_text ?? ''),
    url: typeof url === 'string' ? url : undefined,
    buttons,
    replaced: (message as CardMessage).replaced,
  };
}

/** The card's buttons on the inbox page: each a form that taps it, or the grey text once updated. */
export function cardButtonsHtml(message: InboxMessage): Html {
  const view = cardView(message);
  if (!view) return html``;
  if (view.replaced) return html`<p><button disabled data-replaced>${view.replaced}</button></p>`;
  const action = `/inbox/${encodeURIComponent(message.userid)}/tap`;
  return html`<p>${view.buttons.map(
    (b) => html`<form method="post" action="${action}" style="display:inline"><input type="hidden" name="msgid" value="${view.msgid}"><input type="hidden" name="key" value="${b.key}"><button type="submit" data-card-button="${b.key}">${b.text}</button></form> `,
  )}</p>`;
}

export interface TapAttempt {
  status?: number;
  body?: string;
  error?: string;
  ms: number;
}

export interface TapReport {
  ok: boolean;
  error?: string;
  /** the decrypted event */
  xml?: string;
  responseCode?: string;
  attempts: TapAttempt[];
}

export interface TapInput {
  userid: string;
  key: string;
  msgid?: string;
  taskId?: string;
  /** per attempt; WeCom waits 5 s */
  timeoutMs?: number;
  /** tap even when the buttons are greyed out (what a late or replayed click looks like) */
  force?: boolean;
}

function appOf(ctx: Context, sent: SentCard): { corp: SandboxCorp; app: SandboxApp } {
  const corp = findCorp(ctx.config, sent.corpId)!;
  return { corp, app: findApp(corp, sent.agentId)! };
}

/** A member taps a button: the event goes to the app's callback, re-sent up to 3 times when not answered 200 in time. */
export async function tap(ctx: Context, input: TapInput): Promise<TapReport> {
  const inbox = ctx.state.inbox.of(input.userid);
  const message = [...inbox].reverse().find((m) => {
    const view = cardView(m);
    return view && (input.msgid ? m.msgid === input.msgid : input.taskId ? view.taskId === input.taskId : true);
  });
  const sent = message && sentOf(ctx, message.msgid);
  if (!message || !sent) return { ok: false, error: 'no such card in the member\'s inbox', attempts: [] };
  const view = cardView(message)!;
  if (!view.buttons.some((b) => b.key === input.key)) return { ok: false, error: 'no such button', attempts: [] };
  if (view.replaced && !input.force) return { ok: false, error: 'the buttons are greyed out', attempts: [] };
  const { corp, app } = appOf(ctx, sent);
  const callback = app.callback;
  if (!callback?.url) return { ok: false, error: 'the app has no receive-message callback', attempts: [] };

  const responseCode = random();
  setCode(ctx, sent.msgid, responseCode, { userid: message.userid, expiresAt: ctx.state.now() + CODE_TTL_MS, used: false });
  const createTime = Math.floor(ctx.state.now() / 1000);
  const xml =
    `<xml><ToUserName>${cdata(corp.corpId)}</ToUserName><FromUserName>${cdata(message.userid)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('template_card_event')}</Event>` +
    `<EventKey>${cdata(input.key)}</EventKey><TaskId>${cdata(sent.taskId)}</TaskId><CardType>${cdata('button_interaction')}</CardType>` +
    `<ResponseCode>${cdata(responseCode)}</ResponseCode><AgentID>${app.agentId}</AgentID></xml>`;
  const attempts = await deliver(ctx, corp, app, xml, input.timeoutMs ?? ctx.config.callbackTimeoutMs ?? DEFAULT_TIMEOUT_MS);
  const answered = attempts.find((a) => a.status === 200);
  if (answered?.body) applyPassiveReply(message as CardMessage, callback, answered.body);
  return { ok: Boolean(answered), xml, responseCode, attempts };
}

async function deliver(ctx: Context, corp: SandboxCorp, app: SandboxApp, xml: string, timeoutMs: number): Promise<TapAttempt[]> {
  const callback = app.callback!;
  const attempts: TapAttempt[] = [];
  for (let i = 0; i <= RETRIES; i += 1) {
    const timestamp = String(Math.floor(ctx.state.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const encrypt = encryptFor(callback, corp.corpId, xml);
    const url = new URL(callback.url);
    url.searchParams.set('msg_signature', signature(callback.token, timestamp, nonce, encrypt));
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    const body = `<xml><ToUserName>${cdata(corp.corpId)}</ToUserName><AgentID>${cdata(app.agentId)}</AgentID><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
    const started = Date.now();
    try {
      const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/xml' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      attempts.push({ status: res.status, body: text, ms: Date.now() - started });
      // Only a 200 counts as received.
      if (res.status === 200) break;
    } catch (error) {
      attempts.push({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ms: Date.now() - started });
    }
  }
  return attempts;
}

/** A passive reply `update_button` (Button.ReplaceName) or `update_template_card` (TemplateCard.ReplaceText) greys out the tapper's card. */
function applyPassiveReply(message: CardMessage, callback: NonNullable<SandboxApp['callback']>, body: string): void {
  const encrypt = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(body)?.[1];
  if (!encrypt) return;
  let plain: string;
  try {
    plain = decryptFrom(callback, encrypt);
  } catch {
    return; // not a reply WeCom could read: ignored, as WeCom ignores it
  }
  const text = /<ReplaceName><!\[CDATA\[([\s\S]*?)\]\]><\/ReplaceName>/.exec(plain)?.[1] ?? /<ReplaceText><!\[CDATA\[([\s\S]*?)\]\]><\/ReplaceText>/.exec(plain)?.[1];
  if (text) message.replaced = text;
}

/** What WeCom does when an admin saves the app's callback URL: a GET with an encrypted echostr. */
export async function verifyAppUrl(ctx: Context, corp: SandboxCorp, app: SandboxApp, timeoutMs = 1000): Promise<{ ok: boolean; status?: number; body?: string; error?: string }> {
  const callback = app.callback;
  if (!callback?.url) return { ok: false, error: 'no callback URL configured' };
  const { url, plain } = urlCheck(callback, corp.corpId, ctx.state.now());
  try {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { ok: res.status === 200 && body === plain, status: res.status, body };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function appFrom(ctx: Context, input: Record<string, unknown>): { corp: SandboxCorp; app: SandboxApp } {
  const corp = typeof input.corpId === 'string' ? findCorp(ctx.config, input.corpId) : ctx.config.corps[0];
  if (!corp) throw new TypeError(`no corp ${String(input.corpId)}`);
  const app = typeof input.agentId === 'string' ? findApp(corp, input.agentId) : corp.apps[0];
  if (!app) throw new TypeError(`no app ${String(input.agentId)}`);
  return { corp, app };
}

/**
 * /__sandbox/app/callback {corpId?, agentId?, url, token, encodingAESKey}: the app's API receive-message setting
 * (saving it verifies the URL, as the console does: `verify: false` skips that)
 * /__sandbox/app/verify-url {corpId?, agentId?}: the GET WeCom sends when it is saved
 * /__sandbox/cards/tap {userid, key, msgid? | taskId?, timeoutMs?, force?}: a member taps a card's button
 * GET /__sandbox/cards/<userid>: the member's cards as they look now
 * POST /inbox/<userid>/tap (form: msgid, key): the inbox page's buttons
 */
export async function handleCards(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  if (req.method === 'GET' && path.startsWith('/__sandbox/cards/')) {
    const userid = decodeURIComponent(path.slice('/__sandbox/cards/'.length));
    const cards = ctx.state.inbox.of(userid).map((m) => cardView(m)).filter(Boolean);
    sendJson(res, 200, { userid, cards });
    return true;
  }
  const form = /^\/inbox\/([^/]+)\/tap$/.exec(path);
  if (req.method === 'POST' && form) {
    const userid = decodeURIComponent(form[1]);
    const fields = new URLSearchParams(await readBody(req));
    await tap(ctx, { userid, msgid: fields.get('msgid') ?? undefined, key: fields.get('key') ?? '' });
    redirect(res, 303, `/inbox/${encodeURIComponent(userid)}`);
    return true;
  }
  if (req.method !== 'POST' || !['/__sandbox/app/callback', '/__sandbox/app/verify-url', '/__sandbox/cards/tap'].includes(path)) return false;
  try {
    const text = await readBody(req);
    const input = (text.trim() ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('expected a JSON object');
    switch (path) {
      case '/__sandbox/app/callback': {
        const { corp, app } = appFrom(ctx, input);
        const { url: target, token, encodingAESKey } = input;
        if (typeof target !== 'string' || typeof token !== 'string' || typeof encodingAESKey !== 'string') throw new TypeError('url, token and encodingAESKey are required');
        if (!/^[A-Za-z0-9]{43}$/.test(encodingAESKey)) throw new TypeError('the EncodingAESKey must be 43 letters or digits');
        const previous = app.callback;
        app.callback = { url: target, token, encodingAESKey };
        if (input.verify === false) return sendJson(res, 200, { ok: true }), true;
        // The console saves the setting only when the URL answers the check.
        const check = await verifyAppUrl(ctx, corp, app);
        if (!check.ok) app.callback = previous;
        sendJson(res, check.ok ? 200 : 400, { ...check, ok: check.ok, error: check.ok ? undefined : check.error ?? 'the URL did not answer the check (40057)' });
        return true;
      }
      case '/__sandbox/app/verify-url': {
        const { corp, app } = appFrom(ctx, input);
        sendJson(res, 200, await verifyAppUrl(ctx, corp, app, typeof input.timeoutMs === 'number' ? input.timeoutMs : undefined));
        return true;
      }
      default: {
        const report = await tap(ctx, input as unknown as TapInput);
        sendJson(res, report.error ? 400 : 200, report);
        return true;
      }
    }
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof SyntaxError)) throw error;
    sendJson(res, 400, { ok: false, error: error.message });
    return true;
  }
}
