// Changes to the sandbox's address book, and the change_contact callback WeCom sends for each [90970,
// 90971, 90972]: signed and encrypted (WXBizMsgCrypt [90968], written here again on purpose so that the
// plugin's own implementation is checked against an independent one), POSTed to the configured URL,
// retried on network failure or timeout only.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './api';
import { departmentsOf } from './contacts';
import { findCorp } from './config';
import { readBody, sendJson } from './http';
import type { SandboxContacts, SandboxCorp, SandboxDepartment, SandboxMember } from './types';

export type ChangeType = 'create_user' | 'update_user' | 'delete_user' | 'create_party' | 'update_party' | 'delete_party';
const CHANGE_TYPES: ChangeType[] = ['create_user', 'update_user', 'delete_user', 'create_party', 'update_party', 'delete_party'];

export interface ContactChange {
  /** default: the first corp */
  corpId?: string;
  changeType: ChangeType;
  /** create_user: the whole member; update_user: userid and what changes; delete_user: userid */
  user?: Partial<SandboxMember> & { userid: string };
  /** update_user: the member's new userid */
  newUserId?: string;
  /** create_party: the whole department; update_party: id and what changes; delete_party: id */
  party?: Partial<SandboxDepartment> & { id: number };
  /** false: change the address book without telling anyone (a lost callback) */
  deliver?: boolean;
}

export interface DeliveryAttempt {
  status?: number;
  body?: string;
  error?: string;
}

export interface DeliveryReport {
  /** false when no callback URL is configured or `deliver` was false */
  sent: boolean;
  /** the decrypted XML that was sent */
  xml?: string;
  attempts: DeliveryAttempt[];
}

export interface CallbackOptions {
  /** per attempt; WeCom waits 5 s */
  timeoutMs?: number;
}

const RETRIES = 3;
const DEFAULT_TIMEOUT_MS = 5000;

export class ContactChangeError extends Error {}

function fail(message: string): never {
  throw new ContactChangeError(message);
}

// --- WXBizMsgCrypt, the sending side ---

function aesKey(encodingAESKey: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) fail('the callback EncodingAESKey must be 43 characters of base64');
  return key;
}

export function encryptFor(callback: NonNullable<SandboxContacts['callback']>, receiveId: string, message: string): string {
  const key = aesKey(callback.encodingAESKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** The sandbox reads replies only to check URL verification; a passive reply to an event is ignored. */
export function decryptFrom(callback: NonNullable<SandboxContacts['callback']>, encrypt: string): string {
  const key = aesKey(callback.encodingAESKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
  const content = plain.subarray(0, plain.length - plain[plain.length - 1]);
  return content.subarray(20, 20 + content.readUInt32BE(16)).toString('utf8');
}

export function signature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

// --- the address book ---

const cdata = (value: string): string => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

function eventXml(corpId: string, createTime: number, changeType: ChangeType, fields: [string, string | number | undefined][]): string {
  const body = fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => (typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}>${cdata(value as string)}</${name}>`))
    .join('');
  return (
    `<xml><ToUserName>${cdata(corpId)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata('event')}</MsgType><Event>${cdata('change_contact')}</Event>` +
    `<ChangeType>${cdata(changeType)}</ChangeType>${body}</xml>`
  );
}

function userFields(m: SandboxMember, newUserId?: string): [string, string | number | undefined][] {
  const department = m.department ?? [1];
  return [
    ['UserID', m.userid],
    ['NewUserID', newUserId],
    ['Name', m.name],
    ['Department', department.join(',')],
    ['MainDepartment', m.main_department ?? department[0]],
    ['IsLeaderInDept', (m.is_leader_in_dept ?? department.map(() => 0)).join(',')],
    ['DirectLeader', (m.direct_leader ?? []).join(',')],
    ['Position', m.position ?? ''],
    ['Mobile', m.mobile ?? ''],
    ['Gender', Number(m.gender ?? 0)],
    ['Email', m.email ?? ''],
    ['BizMail', m.biz_mail ?? ''],
    ['Status', m.status ?? 1],
    ['Avatar', m.avatar ?? ''],
    ['Alias', m.alias ?? ''],
    ['Telephone', m.telephone ?? ''],
  ];
}

function partyFields(d: SandboxDepartment): [string, string | number | undefined][] {
  return [
    ['Id', d.id],
    ['Name', d.name],
    ['ParentId', d.parentid],
    ['Order', d.order ?? 0],
  ];
}

/** Applies the change to the corp's address book and answers the event's plaintext XML. */
export function applyChange(corp: SandboxCorp, change: ContactChange, createTime: number): string {
  const { changeType } = change;
  const departments = () => (corp.departments ??= departmentsOf(corp));
  const memberIndex = (userid: string) => corp.members.findIndex((m) => m.userid.toLowerCase() === userid.toLowerCase());
  switch (changeType) {
    case 'create_user': {
      const user = change.user;
      if (!user?.userid || !user.name) fail('create_user needs user.userid and user.name');
      if (memberIndex(user.userid) >= 0) fail(`userid ${user.userid} exists (60102)`);
      const member = { ...user, name: user.name } as SandboxMember;
      corp.members.push(member);
      return eventXml(corp.corpId, createTime, changeType, userFields(member));
    }
    case 'update_user': {
      const user = change.user;
      if (!user?.userid) fail('update_user needs user.userid');
      const index = memberIndex(user.userid);
      if (index < 0) fail(`no member ${user.userid} (60111)`);
      const oldUserId = corp.members[index].userid;
      if (change.newUserId && memberIndex(change.newUserId) >= 0) fail(`userid ${change.newUserId} exists (60102)`);
      const member: SandboxMember = { ...corp.members[index], ...user, userid: change.newUserId ?? oldUserId };
      corp.members[index] = member;
      const fields = userFields(member, change.newUserId);
      fields[0] = ['UserID', oldUserId];
      return eventXml(corp.corpId, createTime, changeType, fields);
    }
    case 'delete_user': {
      const userid = change.user?.userid;
      if (!userid) fail('delete_user needs user.userid');
      const index = memberIndex(userid);
      if (index < 0) fail(`no member ${userid} (60111)`);
      const [removed] = corp.members.splice(index, 1);
      return eventXml(corp.corpId, createTime, changeType, [['UserID', removed.userid]]);
    }
    case 'create_party': {
      const party = change.party;
      if (!party?.id || !party.name || party.parentid === undefined) fail('create_party needs party.id, party.name and party.parentid');
      if (departments().some((d) => d.id === party.id)) fail(`department ${party.id} exists (60008)`);
      if (!departments().some((d) => d.id === party.parentid)) fail(`no parent department ${party.parentid} (60004)`);
      const department = { ...party, name: party.name, parentid: party.parentid } as SandboxDepartment;
      departments().push(department);
      return eventXml(corp.corpId, createTime, changeType, partyFields(department));
    }
    case 'update_party': {
      const party = change.party;
      const index = party ? departments().findIndex((d) => d.id === party.id) : -1;
      if (!party || index < 0) fail(`no department ${party?.id} (60003)`);
      const department = { ...departments()[index], ...party };
      departments()[index] = department;
      // Only the id and what changed.
      const changed: [string, string | number | undefined][] = [
        ['Id', department.id],
        ['Name', party.name],
        ['ParentId', party.parentid],
        ['Order', party.order],
      ];
      return eventXml(corp.corpId, createTime, changeType, changed);
    }
    case 'delete_party': {
      const id = change.party?.id;
      const index = departments().findIndex((d) => d.id === id);
      if (index < 0) fail(`no department ${id} (60003)`);
      if (departments().some((d) => d.parentid === id)) fail(`department ${id} has sub-departments (60006)`);
      if (corp.members.some((m) => (m.department ?? [1]).includes(id as number))) fail(`department ${id} has members (60005)`);
      departments().splice(index, 1);
      return eventXml(corp.corpId, createTime, changeType, [['Id', id as number]]);
    }
    default:
      return fail(`unknown changeType ${String(changeType)}`);
  }
}

// --- delivery ---

async function attempt(url: string, init: RequestInit, timeoutMs: number): Promise<DeliveryAttempt & { retry: boolean }> {
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text(), retry: false };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), retry: true };
  }
}

/** POSTs one event as WeCom does: up to 3 more tries, only after a network failure or a timeout. */
export async function deliver(ctx: Context, corp: SandboxCorp, xml: string, options: CallbackOptions = {}): Promise<DeliveryReport> {
  const callback = corp.contacts?.callback;
  if (!callback?.url) return { sent: false, xml, attempts: [] };
  const timestamp = String(Math.floor(ctx.state.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const encrypt = encryptFor(callback, corp.corpId, xml);
  const url = new URL(callback.url);
  url.searchParams.set('msg_signature', signature(callback.token, timestamp, nonce, encrypt));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  const body = `<xml><ToUserName>${cdata(corp.corpId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt><AgentID>${cdata('')}</AgentID></xml>`;
  const attempts: DeliveryAttempt[] = [];
  for (let i = 0; i <= RETRIES; i += 1) {
    const { retry, ...result } = await attempt(url.href, { method: 'POST', body, headers: { 'Content-Type': 'text/xml' } }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    attempts.push(result);
    if (!retry) break;
  }
  return { sent: true, xml, attempts };
}

/**
 * The address of WeCom's URL check of a callback (contacts or the app's): the callback URL with a signed,
 * encrypted echostr; `plain` is what the callback must answer.
 */
export function urlCheck(callback: Parameters<typeof encryptFor>[0] & { url: string }, corpId: string, now: number): { url: URL; plain: string } {
  const plain = String(randomBytes(8).readBigUInt64BE()).slice(0, 19);
  const echostr = encryptFor(callback, corpId, plain);
  const timestamp = String(Math.floor(now / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const url = new URL(callback.url);
  url.searchParams.set('msg_signature', signature(callback.token, timestamp, nonce, echostr));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('echostr', echostr);
  return { url, plain };
}

/** What WeCom does when an admin saves the callback URL: a GET with an encrypted echostr. */
export async function verifyUrl(ctx: Context, corp: SandboxCorp, options: CallbackOptions = {}): Promise<{ ok: boolean; status?: number; body?: string; error?: string }> {
  const callback = corp.contacts?.callback;
  if (!callback?.url) fail('no callback URL configured');
  const { url, plain } = urlCheck(callback, corp.corpId, ctx.state.now());
  const { retry: _retry, ...result } = await attempt(url.href, { method: 'GET' }, options.timeoutMs ?? 1000);
  // WeCom wants the plaintext bare: no quotes, BOM or newline.
  return { ok: result.status === 200 && result.body === plain, ...result };
}

export async function change(ctx: Context, change: ContactChange, options: CallbackOptions = {}): Promise<DeliveryReport> {
  const corp = change.corpId ? findCorp(ctx.config, change.corpId) : ctx.config.corps[0];
  if (!corp) fail(`no corp ${change.corpId}`);
  if (!CHANGE_TYPES.includes(change.changeType)) fail(`changeType must be one of ${CHANGE_TYPES.join(', ')}`);
  const xml = applyChange(corp, change, Math.floor(ctx.state.now() / 1000));
  if (change.deliver === false) return { sent: false, xml, attempts: [] };
  return deliver(ctx, corp, xml, options);
}

function corpOf(ctx: Context, corpId: unknown): SandboxCorp {
  const corp = typeof corpId === 'string' ? findCorp(ctx.config, corpId) : ctx.config.corps[0];
  if (!corp) fail(`no corp ${String(corpId)}`);
  return corp;
}

/**
 * /__sandbox/contacts/change {corpId?, changeType, user?, newUserId?, party?, deliver?, timeoutMs?}
 * /__sandbox/contacts/callback {corpId?, url, token, encodingAESKey}: where events go
 * /__sandbox/contacts/verify-url {corpId?, timeoutMs?}: the GET WeCom sends when the URL is saved
 * Each answers after the delivery, with its report.
 */
export async function handleContactsControl(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith('/__sandbox/contacts/')) return false;
  const route = `${req.method} ${url.pathname.slice('/__sandbox/contacts'.length)}`;
  try {
    const text = await readBody(req);
    const body: unknown = text.trim() ? JSON.parse(text) : {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('expected a JSON object');
    const input = body as Record<string, unknown>;
    const timeoutMs = typeof input.timeoutMs === 'number' ? input.timeoutMs : undefined;
    switch (route) {
      case 'POST /change':
        sendJson(res, 200, { ok: true, ...(await change(ctx, input as unknown as ContactChange, { timeoutMs })) });
        return true;
      case 'POST /callback': {
        const corp = corpOf(ctx, input.corpId);
        const { url: target, token, encodingAESKey } = input;
        if (typeof target !== 'string' || typeof token !== 'string' || typeof encodingAESKey !== 'string') fail('url, token and encodingAESKey are required');
        aesKey(encodingAESKey);
        if (!corp.contacts) fail('the corp has no contacts-sync secret');
        corp.contacts.callback = { url: target, token, encodingAESKey };
        sendJson(res, 200, { ok: true });
        return true;
      }
      case 'POST /verify-url':
        sendJson(res, 200, await verifyUrl(ctx, corpOf(ctx, input.corpId), { timeoutMs }));
        return true;
      default:
        sendJson(res, 404, { ok: false, error: `unknown control ${route}` });
        return true;
    }
  } catch (error) {
    if (!(error instanceof ContactChangeError || error instanceof SyntaxError)) throw error;
    sendJson(res, 400, { ok: false, error: error.message });
    return true;
  }
}
