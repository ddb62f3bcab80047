// Group robots of the sandbox: `POST /cgi-bin/webhook/send?key=KEY` [91770] with WeCom's answers, limit and
// errcodes, each group's messages, and the group page a person reads (`/groups/<group>`; JSON for tests at
// `/__sandbox/groups/<group>`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Call, Context } from './api';
import { jsonBody, requirePost } from './api';
import { WeComError } from './errors';
import { Html, html, layout } from './html';
import { sendJson, sendPage } from './http';
import type { SandboxConfig, SandboxRobot } from './types';

export const GROUPS_PATH = '/groups/';
const MSGTYPES = ['text', 'markdown', 'markdown_v2', 'news', 'template_card'];

export interface GroupMessage {
  /** 1, 2, ... per sandbox: the order messages arrived in. */
  seq: number;
  group: string;
  robot: string;
  msgtype: string;
  /** The msgtype's object as sent (text and markdown content included). */
  content: Record<string, unknown>;
  /** Who the message @mentions: userids (`mentioned_list`, `<@userid>`), mobiles, everyone. */
  mentions: { userids: string[]; mobiles: string[]; all: boolean };
  at: number;
}

/** WeCom's robot limit: 20 messages a minute per robot (configurable, for tests: `robotLimit`). */
export function robotLimitOf(config: SandboxConfig): { perWindow: number; windowMs: number } {
  return { perWindow: config.robotLimit?.perWindow ?? 20, windowMs: config.robotLimit?.windowMs ?? 60_000 };
}

/** What the robots delivered, and when each robot sent (its window). Cleared with the sandbox's state. */
export class RobotGroups {
  private messages: GroupMessage[] = [];
  private sends = new Map<string, number[]>();
  private seq = 0;

  reset(): void {
    this.messages = [];
    this.sends.clear();
    this.seq = 0;
  }

  /** false when the robot already sent `perWindow` messages in the last window (refused calls do not count). */
  admit(key: string, now: number, limit: { perWindow: number; windowMs: number }): boolean {
    const times = (this.sends.get(key) ?? []).filter((t) => t > now - limit.windowMs);
    this.sends.set(key, times);
    if (times.length >= limit.perWindow) return false;
    times.push(now);
    return true;
  }

  deliver(message: Omit<GroupMessage, 'seq'>): GroupMessage {
    const kept = { ...message, seq: ++this.seq };
    this.messages.push(kept);
    return kept;
  }

  /** Oldest first. */
  of(group: string): GroupMessage[] {
    return this.messages.filter((m) => m.group === group);
  }

  groups(): string[] {
    return [...new Set(this.messages.map((m) => m.group))];
  }
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);

function text(object: Record<string, unknown>, name: string): string {
  const value = object[name];
  return typeof value === 'string' ? value : '';
}

/** The msgtype's object, checked as WeCom checks a robot's message. */
function content(msgtype: string, body: Record<string, unknown>): Record<string, unknown> {
  const object = objectOf(body[msgtype]);
  if (!object) throw new WeComError(40058, `missing ${msgtype}`);
  switch (msgtype) {
    case 'text':
    case 'markdown':
    case 'markdown_v2': {
      const value = text(object, 'content');
      if (!value.trim()) throw new WeComError(44004);
      const max = msgtype === 'text' ? 2048 : 4096;
      if (bytes(value) > max) throw new WeComError(40058, `content exceed max length ${max}`);
      return object;
    }
    case 'news': {
      const articles = Array.isArray(object.articles) ? object.articles.map(objectOf) : [];
      if (articles.length < 1 || articles.length > 8 || articles.some((a) => !a)) throw new WeComError(40058, 'articles size must be 1~8');
      for (const article of articles as Record<string, unknown>[]) {
        if (!text(article, 'title') || !text(article, 'url')) throw new WeComError(40058, 'missing title or url');
        if (bytes(text(article, 'title')) > 128 || bytes(text(article, 'description')) > 512) throw new WeComError(40058, 'title or description exceed max length');
      }
      return object;
    }
    default: {
      if (object.card_type !== 'text_notice' && object.card_type !== 'news_notice') throw new WeComError(40058, 'invalid card_type');
      const action = objectOf(object.card_action);
      if (!action || (action.type === 1 && !text(action, 'url'))) throw new WeComError(40058, 'missing card_action');
      if (!text(objectOf(object.main_title) ?? {}, 'title') && !text(object, 'sub_title_text')) {
        throw new WeComError(40058, 'missing main_title.title or sub_title_text');
      }
      return object;
    }
  }
}

function robotOf(call: Call): SandboxRobot {
  const key = call.query.get('key') ?? '';
  const robot = (call.ctx.config.robots ?? []).find((r) => r.key === key);
  // WeCom answers a wrong key and a robot removed from its group alike.
  if (!robot || robot.status === 'removed') throw new WeComError(93000);
  if (robot.status === 'disabled') throw new WeComError(93004);
  if (robot.status === 'notInGroup') throw new WeComError(93008);
  return robot;
}

export function webhookSend(call: Call): Record<string, unknown> {
  requirePost(call);
  const robot = robotOf(call);
  const body = jsonBody(call);
  const msgtype = typeof body.msgtype === 'string' ? body.msgtype : '';
  if (!MSGTYPES.includes(msgtype)) throw new WeComError(40008);
  const delivered = content(msgtype, body);
  const now = call.ctx.state.now();
  if (!call.ctx.state.robots.admit(robot.key, now, robotLimitOf(call.ctx.config))) {
    call.ctx.state.count('webhook/send:45009');
    throw new WeComError(45009);
  }
  const markdownMentions = msgtype === 'markdown' ? [...text(delivered, 'content').matchAll(/<@([^>\s]+)>/g)].map((m) => m[1]) : [];
  const userids = msgtype === 'text' ? strings(delivered.mentioned_list) : markdownMentions;
  const mobiles = msgtype === 'text' ? strings(delivered.mentioned_mobile_list) : [];
  const all = userids.includes('@all') || mobiles.includes('@all');
  call.ctx.state.robots.deliver({
    group: robot.group,
    robot: robot.name,
    msgtype,
    content: delivered,
    mentions: { userids: userids.filter((u) => u !== '@all'), mobiles: mobiles.filter((m) => m !== '@all'), all },
    at: now,
  });
  return {};
}

/**
 * `GET /groups/`: the groups; `GET /groups/<group>`: its messages as a page; `GET /__sandbox/groups/<group>`: the
 * same as JSON. false when the path is none of these.
 */
export function handleGroups(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET') return false;
  const json = url.pathname.startsWith(`/__sandbox${GROUPS_PATH}`);
  if (!json && !url.pathname.startsWith(GROUPS_PATH)) return false;
  let group: string;
  try {
    group = decodeURIComponent(url.pathname.slice((json ? `/__sandbox${GROUPS_PATH}` : GROUPS_PATH).length));
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    group = '';
  }
  const messages = ctx.state.robots.of(group);
  if (json) {
    sendJson(res, 200, { group, messages });
    return true;
  }
  if (!group) {
    sendPage(res, 200, groupsPage(ctx));
    return true;
  }
  sendPage(res, 200, groupPage(ctx, group, messages));
  return true;
}

function groupsPage(ctx: Context): string {
  const groups = [...new Set([...(ctx.config.robots ?? []).map((r) => r.group), ...ctx.state.robots.groups()])];
  const body = html`<div class="brand">企业微信 WeCom</div><h1>群聊 / Group chats</h1>
${groups.length === 0 ? html`<p class="sub" data-empty>暂无群机器人 / no group robots</p>` : ''}
<ul>${groups.map((g) => html`<li><a href="${GROUPS_PATH}${encodeURIComponent(g)}" data-group>${g}</a> (${ctx.state.robots.of(g).length})</li>`)}</ul>`;
  return layout('群聊 - Group chats', body);
}

function groupPage(ctx: Context, group: string, messages: GroupMessage[]): string {
  const members = ctx.config.corps.flatMap((c) => c.members);
  const byUserid = new Map(members.map((m) => [m.userid.toLowerCase(), m.name]));
  const byMobile = new Map(members.filter((m) => m.mobile).map((m) => [String(m.mobile).replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, ''), m.name]));
  const named = (userid: string) => `@${byUserid.get(userid.toLowerCase()) ?? userid}`;
  const mobileNamed = (mobile: string) => `@${byMobile.get(mobile.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '')) ?? mobile}`;
  const view = (m: GroupMessage): Html => {
    const when = new Date(m.at).toISOString().replace('T', ' ').slice(0, 19);
    const mentions = [...(m.mentions.all ? ['@所有人 @all'] : []), ...m.mentions.userids.map(named), ...m.mentions.mobiles.map(mobileNamed)];
    const c = m.content;
    let inner: Html;
    if (m.msgtype === 'news') {
      const articles = (c.articles as Record<string, unknown>[]) ?? [];
      inner = html`${articles.map((a) => html`<p><a href="${text(a, 'url')}" data-link rel="noreferrer"><b>${text(a, 'title')}</b></a><br>${text(a, 'description')}</p>`)}`;
    } else if (m.msgtype === 'template_card') {
      const main = objectOf(c.main_title) ?? {};
      const action = objectOf(c.card_action) ?? {};
      inner = html`<h2>${text(main, 'title')}</h2><p class="sub">${text(main, 'desc')}</p><p>${text(c, 'sub_title_text')}</p>
${text(action, 'url') ? html`<p><a href="${text(action, 'url')}" data-link rel="noreferrer">${text(action, 'url')}</a></p>` : ''}`;
    } else {
      // text and markdown are shown as the raw text: the sandbox renders no markup.
      inner = html`<pre style="white-space:pre-wrap;font:inherit;margin:0">${text(c, 'content')}</pre>`;
    }
    return html`<article class="member" style="display:block;margin:12px 0;cursor:default" data-message data-msgtype="${m.msgtype}">
<p class="sub"><b>${m.robot}</b> · ${when} UTC · ${m.msgtype}</p>${inner}
${mentions.length ? html`<p data-mentions>${mentions.join(' ')}</p>` : ''}</article>`;
  };
  const body = html`<div class="brand">企业微信 WeCom</div><h1>群聊 / Group</h1><p class="sub">${group}</p>
${messages.length === 0 ? html`<p class="sub" data-empty>暂无消息 / no messages yet</p>` : ''}
<div class="messages">${[...messages].reverse().map(view)}</div>`;
  return layout(`${group} - 群聊`, body);
}
