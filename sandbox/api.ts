import type { IncomingMessage, ServerResponse } from 'node:http';
import { findApp, findCorp, findMember, findOutsider, isTrustedHost, isVisible } from './config';
import { WeComError, errorBody } from './errors';
import { applyFault } from './faults';
import { clientIp, readBody, sendJson } from './http';
import { CODE_TTL_MS, TICKET_TTL_MS, type SandboxState } from './state';
import { CONTACTS_AGENT, CONTACTS_HANDLERS, contactsToken } from './contacts';
import { messageSend } from './message';
import { updateTemplateCard } from './cards';
import { webhookSend } from './robot';
import type { SandboxApp, SandboxConfig, SandboxCorp } from './types';

export interface Context {
  config: SandboxConfig;
  state: SandboxState;
}

export interface Call {
  ctx: Context;
  method: string;
  query: URLSearchParams;
  body: string;
  ip: string;
  endpoint: string;
}

type Json = Record<string, unknown>;

const HANDLERS = new Map<string, (call: Call) => Json>([
  ['gettoken', gettoken],
  ['auth/getuserinfo', getuserinfo],
  ['auth/getuserdetail', getuserdetail],
  ['user/getuserid', getuserid],
  ['agent/get', agentGet],
  ...CONTACTS_HANDLERS,
  ['message/send', messageSend],
  ['message/update_template_card', updateTemplateCard],
  ['webhook/send', webhookSend],
]);

export async function handleApi(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const endpoint = url.pathname.slice('/cgi-bin/'.length);
  const ip = clientIp(req);
  const body = await readBody(req);
  ctx.state.count(endpoint);
  const fault = ctx.state.takeFault(endpoint);
  if (fault && (await applyFault(fault, req, res, ip))) return;
  const handler = HANDLERS.get(endpoint);
  if (!handler) return sendJson(res, 404, { errcode: 404, errmsg: `unknown API /cgi-bin/${endpoint}` });
  try {
    sendJson(res, 200, { errcode: 0, errmsg: 'ok', ...handler({ ctx, method: req.method ?? 'GET', query: url.searchParams, body, ip, endpoint }) });
  } catch (error) {
    if (!(error instanceof WeComError)) throw error;
    sendJson(res, 200, errorBody(error.errcode, ip, error.text));
  }
}

function limit(call: Call, corp: SandboxCorp): void {
  const perMinute = call.ctx.config.rateLimit?.perMinute ?? 10_000;
  if (call.ctx.state.overRate(corp.corpId, call.endpoint, perMinute)) throw new WeComError(45009);
}

export function authorize(call: Call): { corp: SandboxCorp; app: SandboxApp } {
  const token = call.query.get('access_token');
  if (!token) throw new WeComError(41001);
  const check = call.ctx.state.checkToken(token);
  if (!check.ok) throw new WeComError(check.errcode);
  // The contacts-sync secret's token opens the address book only.
  if (check.agentId === CONTACTS_AGENT) throw new WeComError(48002);
  const corp = findCorp(call.ctx.config, check.corpId);
  const app = corp && findApp(corp, check.agentId);
  if (!corp || !app) throw new WeComError(40014);
  if (app.trustedIps?.length && !app.trustedIps.includes(call.ip)) throw new WeComError(60020);
  limit(call, corp);
  return { corp, app };
}

export function requirePost(call: Call): void {
  if (call.method !== 'POST') throw new WeComError(43002);
}

export function jsonBody(call: Call): Json {
  try {
    const value: unknown = JSON.parse(call.body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  throw new WeComError(47001);
}

function gettoken(call: Call): Json {
  const corpId = call.query.get('corpid');
  if (!corpId) throw new WeComError(41002);
  const corp = findCorp(call.ctx.config, corpId);
  if (!corp) throw new WeComError(40013);
  limit(call, corp);
  const secret = call.query.get('corpsecret');
  if (!secret) throw new WeComError(41004);
  const app = corp.apps.find((a) => a.secret === secret);
  if (!app) {
    const contacts = contactsToken(call, corp, secret);
    if (contacts) return contacts;
    throw new WeComError(40001);
  }
  // WeCom answers the full lifetime even when it hands out a token it issued earlier.
  return { access_token: call.ctx.state.token(corp.corpId, app.agentId).token, expires_in: 7200 };
}

function getuserinfo(call: Call): Json {
  const { corp, app } = authorize(call);
  const { state } = call.ctx;
  const code = call.query.get('code');
  if (!code) throw new WeComError(41008);
  const record = state.code(code);
  if (
    !record || record.used || record.corpId !== corp.corpId || record.agentId !== app.agentId ||
    state.now() - record.issuedAt >= CODE_TTL_MS
  ) throw new WeComError(40029);
  record.used = true;
  if (!isTrustedHost(app, record.redirectHost)) throw new WeComError(50001);
  if ('openid' in record.subject) {
    const external = findOutsider(corp, record.subject.openid)?.external_userid;
    return { openid: record.subject.openid, ...(external ? { external_userid: external } : {}) };
  }
  const { userid } = record.subject;
  if (!findMember(corp, userid)) throw new WeComError(60111);
  if (!isVisible(app, userid)) throw new WeComError(50002);
  // Only in-client snsapi_privateinfo codes (which need agentid) come with a user_ticket; web/QR login never does.
  if (record.scope !== 'snsapi_privateinfo') return { userid };
  return { userid, user_ticket: state.issueTicket(corp.corpId, app.agentId, userid), expires_in: TICKET_TTL_MS / 1000 };
}

function getuserdetail(call: Call): Json {
  requirePost(call);
  const { corp, app } = authorize(call);
  const { user_ticket: ticket } = jsonBody(call);
  const record = typeof ticket === 'string' ? call.ctx.state.ticket(ticket) : undefined;
  if (!record || record.corpId !== corp.corpId || record.agentId !== app.agentId) {
    throw new WeComError(40029, 'invalid user_ticket');
  }
  const member = findMember(corp, record.userid);
  if (!member) throw new WeComError(60111);
  return {
    userid: member.userid,
    gender: member.gender ?? '0',
    avatar: member.avatar ?? '',
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=sandbox_${member.userid}`,
    mobile: member.mobile ?? '',
    email: member.email ?? '',
    biz_mail: member.biz_mail ?? '',
    address: member.address ?? '',
  };
}

const phoneKey = (mobile: string): string => {
  const digits = mobile.replace(/\D/g, '');
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits;
};

function getuserid(call: Call): Json {
  requirePost(call);
  const { corp, app } = authorize(call);
  const { mobile } = jsonBody(call);
  const key = typeof mobile === 'string' ? phoneKey(mobile) : '';
  const member = key ? corp.members.find((m) => m.mobile && phoneKey(m.mobile) === key) : undefined;
  if (!member) throw new WeComError(46004);
  if (!isVisible(app, member.userid)) throw new WeComError(60011);
  return { userid: member.userid };
}

/** agent/get: the app behind the token may only read itself. */
function agentGet(call: Call): Json {
  const { corp, app } = authorize(call);
  const agentId = call.query.get('agentid');
  if (!agentId) throw new WeComError(41011);
  if (!findApp(corp, agentId)) throw new WeComError(40056);
  if (agentId !== app.agentId) throw new WeComError(301002);
  return { agentid: Number(app.agentId), name: app.name, close: 0, redirect_domain: app.trustedDomains[0] ?? '', home_url: '' };
}
