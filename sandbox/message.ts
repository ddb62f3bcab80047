// The message area of the sandbox: message/send [90236] with WeCom's rules, each member's inbox, and the
// inbox page a person reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Call, Context } from './api';
import { authorize, jsonBody, requirePost } from './api';
import { findApp, isVisible } from './config';
import { WeComError } from './errors';
import { Html, avatar, html, layout } from './html';
import { sendJson, sendPage } from './http';
import { assertNewTaskId, cardButtonsHtml, checkButtonCard, registerSentCard } from './cards';

export const INBOX_PATH = '/inbox/';
const MAX_TOUSER = 1000;
/** Per app and member: beyond it WeCom drops messages without telling anyone. */
const PER_MEMBER_PER_MINUTE = 30;
const MSGTYPES = ['text', 'textcard', 'markdown', 'template_card'];

export interface InboxMessage {
  msgid: string;
  corpId: string;
  agentId: string;
  appName: string;
  userid: string;
  msgtype: string;
  /** The msgtype's object as WeCom delivers it (text and markdown cut at 2,048 bytes). */
  content: Record<string, unknown>;
  at: number;
}

/** What arrived, per member, and the per-member rate. Cleared with the sandbox's state. */
export class Inbox {
  private messages = new Map<string, InboxMessage[]>();
  private sends = new Map<string, number[]>();

  reset(): void {
    this.messages.clear();
    this.sends.clear();
  }

  /** false when the member already had 30 messages from this app in the last minute */
  admit(corpId: string, agentId: string, userid: string, now: number): boolean {
    const key = `${corpId}\n${agentId}\n${userid}`;
    const times = (this.sends.get(key) ?? []).filter((t) => t > now - 60_000);
    if (times.length >= PER_MEMBER_PER_MINUTE) {
      this.sends.set(key, times);
      return false;
    }
    times.push(now);
    this.sends.set(key, times);
    return true;
  }

  deliver(message: InboxMessage): void {
    const key = message.userid.toLowerCase();
    this.messages.set(key, [...(this.messages.get(key) ?? []), message]);
  }

  /** Oldest first. */
  of(userid: string): InboxMessage[] {
    return [...(this.messages.get(userid.toLowerCase()) ?? [])];
  }

  /** Every member's messages, each member's oldest first (what sandbox/persist.ts keeps). */
  all(): InboxMessage[] {
    return [...this.messages.values()].flat();
  }
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Cut at `max` bytes without splitting a character, as WeCom does with long texts. */
function cut(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  for (const char of text) {
    if (bytes(out + char) > max) break;
    out += char;
  }
  return out;
}

function field(object: Record<string, unknown>, name: string): string {
  const value = object[name];
  return typeof value === 'string' ? value : '';
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The msgtype's object, checked as WeCom checks it; text and markdown are cut, not refused. */
function content(msgtype: string, body: Record<string, unknown>): Record<string, unknown> {
  const object = objectOf(body[msgtype]);
  if (!object) throw new WeComError(41016, `missing ${msgtype}`);
  switch (msgtype) {
    case 'text':
    case 'markdown': {
      const text = field(object, 'content');
      if (!text.trim()) throw new WeComError(44004);
      return { content: cut(text, 2048) };
    }
    case 'textcard': {
      const [title, description, url, btntxt] = ['title', 'description', 'url', 'btntxt'].map((n) => field(object, n));
      if (!title || !description || !url) throw new WeComError(41016, 'missing title, description or url');
      if (bytes(title) > 128 || bytes(description) > 512 || bytes(url) > 2048 || [...btntxt].length > 4) throw new WeComError(45002);
      return { title, description, url, btntxt: btntxt || '详情' };
    }
    default: {
      if (object.card_type === 'button_interaction') return checkButtonCard(object);
      if (object.card_type !== 'text_notice') throw new WeComError(40008, 'sandbox: only text_notice cards');
      const action = objectOf(object.card_action);
      if (!action || (action.type === 1 && !field(action, 'url'))) throw new WeComError(41016, 'missing card_action');
      if (!field(objectOf(object.main_title) ?? {}, 'title') && !field(object, 'sub_title_text')) {
        throw new WeComError(41016, 'missing main_title.title or sub_title_text');
      }
      return object;
    }
  }
}

export function messageSend(call: Call): Record<string, unknown> {
  requirePost(call);
  const { corp, app } = authorize(call);
  const body = jsonBody(call);
  const agentId = body.agentid === undefined || body.agentid === '' ? '' : String(body.agentid);
  if (!agentId) throw new WeComError(41011);
  if (agentId !== app.agentId) throw new WeComError(findApp(corp, agentId) ? 301002 : 40056);
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : '';
  if (!MSGTYPES.includes(msgtype)) throw new WeComError(40008);
  const touser = typeof body.touser === 'string' ? body.touser : '';
  const wanted = touser === '@all' ? corp.members.map((m) => m.userid) : touser.split('|').filter(Boolean);
  if (wanted.length === 0) throw new WeComError(82001);
  if (wanted.length > MAX_TOUSER) throw new WeComError(40031, 'too many users in touser');
  const delivered = content(msgtype, body);
  if (msgtype === 'template_card') assertNewTaskId(call.ctx, corp.corpId, app.agentId, delivered);

  const invalid: string[] = [];
  const unlicensed: string[] = [];
  const reachable: string[] = [];
  // One pass over the corp per call, not one per userid: a 1,000-userid call in a 10,000-member corp took ~0.5 s.
  const members = new Map(corp.members.map((m) => [m.userid.toLowerCase(), m]));
  for (const id of new Set(wanted.map((w) => w.toLowerCase()))) {
    const member = members.get(id);
    // Userids are case-insensitive; the lists come back lowercased.
    if (!member || !isVisible(app, member.userid)) invalid.push(id);
    else if (member.licensed === false) unlicensed.push(id);
    else reachable.push(member.userid);
  }
  if (reachable.length === 0) throw new WeComError(81013);

  const msgid = randomBytes(18).toString('base64url');
  const now = call.ctx.state.now();
  for (const userid of reachable) {
    if (!call.ctx.state.inbox.admit(corp.corpId, app.agentId, userid, now)) continue;
    call.ctx.state.inbox.deliver({ msgid, corpId: corp.corpId, agentId: app.agentId, appName: app.name, userid, msgtype, content: delivered, at: now });
  }
  // A card with buttons answers the code that updates it (update_template_card).
  const interactive = msgtype === 'template_card' && delivered.card_type === 'button_interaction';
  const responseCode = interactive ? registerSentCard(call.ctx, { msgid }) : undefined;
  return { invaliduser: invalid.join('|'), unlicenseduser: unlicensed.join('|'), msgid, ...(responseCode ? { response_code: responseCode } : {}) };
}

/**
 * `GET /inbox/<userid>`: the member's messages as a page; `GET /__sandbox/inbox/<userid>`: the same as
 * JSON for tests. false when the path is neither.
 */
export function handleInbox(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET') return false;
  const json = url.pathname.startsWith(`/__sandbox${INBOX_PATH}`);
  if (!json && !url.pathname.startsWith(INBOX_PATH)) return false;
  let userid: string;
  try {
    userid = decodeURIComponent(url.pathname.slice((json ? `/__sandbox${INBOX_PATH}` : INBOX_PATH).length));
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    userid = '';
  }
  const messages = ctx.state.inbox.of(userid);
  if (json) {
    sendJson(res, 200, { userid, messages });
    return true;
  }
  const member = ctx.config.corps.flatMap((c) => c.members).find((m) => m.userid.toLowerCase() === userid.toLowerCase());
  sendPage(res, member ? 200 : 404, inboxPage(userid, member?.name, member?.avatar, messages));
  return true;
}

function inboxPage(userid: string, name: string | undefined, picture: string | undefined, messages: InboxMessage[]): string {
  const title = name ? `${name} (${userid})` : userid;
  const body = html`<div class="brand">企业微信 WeCom</div>
<h1>${avatar(name ?? userid, picture)} 消息 / Inbox</h1><p class="sub">${title}</p>
${name ? '' : html`<p class="error-text">未知成员 / unknown member</p>`}
${messages.length === 0 ? html`<p class="sub" data-empty>暂无消息 / no messages yet</p>` : ''}
<div class="messages">${[...messages].reverse().map(messageView)}</div>`;
  return layout(`${title} - 消息`, body);
}

function messageView(m: InboxMessage): Html {
  const when = new Date(m.at).toISOString().replace('T', ' ').slice(0, 19);
  const head = html`<p class="sub"><b>${m.appName}</b> · ${when} UTC · ${m.msgtype}</p>`;
  const c = m.content;
  let inner: Html;
  switch (m.msgtype) {
    case 'textcard':
      inner = html`<h2>${field(c, 'title')}</h2><p>${field(c, 'description')}</p>
<p><a href="${field(c, 'url')}" data-link rel="noreferrer">${field(c, 'btntxt')}</a></p>`;
      break;
    case 'template_card': {
      const main = objectOf(c.main_title) ?? {};
      const action = objectOf(c.card_action) ?? {};
      inner = html`<h2>${field(main, 'title')}</h2><p class="sub">${field(main, 'desc')}</p><p>${field(c, 'sub_title_text')}</p>
${field(action, 'url') ? html`<p><a href="${field(action, 'url')}" data-link rel="noreferrer">${field(action, 'url')}</a></p>` : ''}${cardButtonsHtml(m)}`;
      break;
    }
    default:
      // text and markdown are shown as the raw text: the sandbox renders no markup.
      inner = html`<pre style="white-space:pre-wrap;font:inherit;margin:0">${field(c, 'content')}</pre>`;
  }
  return html`<article class="member" style="display:block;margin:12px 0;cursor:default" data-message data-msgtype="${m.msgtype}">${head}${inner}</article>`;
}
