// The contacts area of the sandbox: the read APIs of WeCom's address book [90208, 95350, 95351, 96067,
// 90200, 90201, 90196] with what each secret may read since 2022, and the contacts-sync secret.
import type { Call } from './api';
import { findApp, findCorp, findMember, isVisible } from './config';
import { WeComError } from './errors';
import type { SandboxApp, SandboxCorp, SandboxDepartment, SandboxMember } from './types';

/** The agentId a contacts-sync token carries in the sandbox's token table. */
export const CONTACTS_AGENT = 'contacts';
const ROOT = 1;
const MAX_LIST_ID = 10_000;

type Json = Record<string, unknown>;

interface Caller {
  corp: SandboxCorp;
  /** absent for the contacts-sync secret */
  app?: SandboxApp;
  /** the sync secret used from an IP added after 2022-08-15: no details */
  detailsBlocked: boolean;
}

export function departmentsOf(corp: SandboxCorp): SandboxDepartment[] {
  return corp.departments ?? [{ id: ROOT, name: corp.name, parentid: 0, order: 100000000 }];
}

/** The gettoken answer for the contacts-sync secret, or undefined when `secret` is not it. */
export function contactsToken(call: Call, corp: SandboxCorp, secret: string): Json | undefined {
  if (!corp.contacts?.secret || corp.contacts.secret !== secret) return undefined;
  return { access_token: call.ctx.state.token(corp.corpId, CONTACTS_AGENT).token, expires_in: 7200 };
}

function caller(call: Call): Caller {
  const token = call.query.get('access_token');
  if (!token) throw new WeComError(41001);
  const check = call.ctx.state.checkToken(token);
  if (!check.ok) throw new WeComError(check.errcode);
  const corp = findCorp(call.ctx.config, check.corpId);
  if (!corp) throw new WeComError(40014);
  let result: Caller;
  if (check.agentId === CONTACTS_AGENT) {
    const contacts = corp.contacts;
    if (!contacts) throw new WeComError(40014);
    if (contacts.trustedIps?.length && !contacts.trustedIps.includes(call.ip)) throw new WeComError(60020);
    result = { corp, detailsBlocked: Boolean(contacts.legacyIps && !contacts.legacyIps.includes(call.ip)) };
  } else {
    const app = findApp(corp, check.agentId);
    if (!app) throw new WeComError(40014);
    if (app.trustedIps?.length && !app.trustedIps.includes(call.ip)) throw new WeComError(60020);
    result = { corp, app, detailsBlocked: false };
  }
  const perMinute = call.ctx.config.rateLimit?.perMinute ?? 10_000;
  if (call.ctx.state.overRate(corp.corpId, call.endpoint, perMinute)) throw new WeComError(45009);
  return result;
}

function details(c: Caller): void {
  if (c.detailsBlocked) throw new WeComError(48009);
}

/** An app sees the whole tree only when its visible range is the whole corp. */
function wholeCorp(c: Caller): boolean {
  return !c.app || (c.app.visibleTo ?? 'all') === 'all';
}

function memberVisible(c: Caller, userid: string): boolean {
  return !c.app || isVisible(c.app, userid);
}

function intParam(call: Call, name: string): number | undefined {
  const raw = call.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new WeComError(40058, `invalid ${name}`);
  return Number(raw);
}

/** `id` and every department under it, parents before children. */
function subtree(corp: SandboxCorp, id: number): SandboxDepartment[] {
  const all = departmentsOf(corp);
  const start = all.find((d) => d.id === id);
  if (!start) throw new WeComError(60003);
  const out = [start];
  for (let i = 0; i < out.length; i += 1) out.push(...all.filter((d) => d.parentid === out[i].id && d.id !== out[i].id));
  return out;
}

function departmentScope(call: Call, c: Caller): SandboxDepartment[] {
  const id = intParam(call, 'id') ?? ROOT;
  if (!wholeCorp(c)) throw new WeComError(60011);
  return subtree(c.corp, id);
}

function departmentJson(d: SandboxDepartment): Json {
  return { id: d.id, name: d.name, name_en: d.name_en ?? '', department_leader: d.department_leader ?? [], parentid: d.parentid, order: d.order ?? 0 };
}

const departmentsOfMember = (m: SandboxMember): number[] => m.department ?? [ROOT];

function memberJson(c: Caller, m: SandboxMember): Json {
  const department = departmentsOfMember(m);
  const base: Json = {
    userid: m.userid,
    name: m.name,
    department,
    order: m.order ?? department.map(() => 0),
    position: m.position ?? '',
    main_department: m.main_department ?? department[0],
    is_leader_in_dept: m.is_leader_in_dept ?? department.map(() => 0),
    direct_leader: m.direct_leader ?? [],
    status: m.status ?? 1,
    enable: m.enable ?? 1,
    alias: m.alias ?? '',
    telephone: m.telephone ?? '',
    extattr: m.extattr ?? { attrs: [] },
    external_position: m.external_position ?? '',
    ...(m.english_name !== undefined ? { english_name: m.english_name } : {}),
  };
  // Apps created after 2022-06-20 no longer receive contact fields (the sync secret still does).
  if (c.app && (c.app.createdAfter20220620 ?? true)) return base;
  return {
    ...base,
    mobile: m.mobile ?? '',
    gender: m.gender ?? '0',
    email: m.email ?? '',
    biz_mail: m.biz_mail ?? '',
    avatar: m.avatar ?? '',
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=sandbox_${m.userid}`,
    address: m.address ?? '',
  };
}

/** department/list [90208]: the department and all below it, with details. */
export function departmentList(call: Call): Json {
  const c = caller(call);
  details(c);
  return { department: departmentScope(call, c).map(departmentJson) };
}

/** department/simplelist [95350]: ids only; the sync secret may call it from any IP. */
export function departmentSimplelist(call: Call): Json {
  const c = caller(call);
  return { department_id: departmentScope(call, c).map((d) => ({ id: d.id, parentid: d.parentid, order: d.order ?? 0 })) };
}

/** department/get [95351] */
export function departmentGet(call: Call): Json {
  const c = caller(call);
  details(c);
  const id = intParam(call, 'id');
  if (id === undefined) throw new WeComError(40058, 'missing id');
  const department = departmentsOf(c.corp).find((d) => d.id === id);
  if (!department) throw new WeComError(60003);
  if (!wholeCorp(c)) throw new WeComError(60011);
  return { department: departmentJson(department) };
}

/** Members directly in the department (WeCom no longer recurses: fetch_child is ignored). */
function membersIn(call: Call, c: Caller): SandboxMember[] {
  const id = intParam(call, 'department_id');
  if (id === undefined) throw new WeComError(40058, 'missing department_id');
  if (!departmentsOf(c.corp).some((d) => d.id === id)) throw new WeComError(60003);
  if (!wholeCorp(c)) throw new WeComError(60011);
  return c.corp.members.filter((m) => departmentsOfMember(m).includes(id));
}

/** user/simplelist [90200] */
export function userSimplelist(call: Call): Json {
  const c = caller(call);
  return {
    userlist: membersIn(call, c).map((m) => ({ userid: m.userid, name: m.name, department: departmentsOfMember(m), open_userid: `wo_${m.userid}` })),
  };
}

/** user/list [90201] */
export function userList(call: Call): Json {
  const c = caller(call);
  details(c);
  return { userlist: membersIn(call, c).map((m) => memberJson(c, m)) };
}

/** user/get [90196] */
export function userGet(call: Call): Json {
  const c = caller(call);
  details(c);
  const userid = call.query.get('userid') ?? '';
  const member = findMember(c.corp, userid);
  if (!member) throw new WeComError(60111);
  if (!memberVisible(c, userid)) throw new WeComError(60011);
  return memberJson(c, member);
}

/** user/list_id [96067]: one row per member and department, paged by an opaque cursor; sync secret only. */
export function userListId(call: Call): Json {
  if (call.method !== 'POST') throw new WeComError(43002);
  const c = caller(call);
  if (c.app) throw new WeComError(48002);
  let body: Json;
  try {
    const parsed: unknown = call.body.trim() ? JSON.parse(call.body) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not an object');
    body = parsed as Json;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new WeComError(47001);
  }
  const limit = body.limit ?? MAX_LIST_ID;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_ID) throw new WeComError(40058, 'invalid limit');
  const cursor = body.cursor ?? '';
  let offset = 0;
  if (cursor !== '') {
    const decoded = typeof cursor === 'string' ? /^c(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
    if (!decoded) throw new WeComError(40058, 'invalid cursor');
    offset = Number(decoded[1]);
  }
  const rows = c.corp.members.flatMap((m) => departmentsOfMember(m).map((department) => ({ userid: m.userid, department })));
  const page = rows.slice(offset, offset + limit);
  const next = offset + limit < rows.length ? Buffer.from(`c${offset + limit}`).toString('base64url') : '';
  return { next_cursor: next, dept_user: page };
}

export const CONTACTS_HANDLERS: [string, (call: Call) => Json][] = [
  ['department/list', departmentList],
  ['department/simplelist', departmentSimplelist],
  ['department/get', departmentGet],
  ['user/simplelist', userSimplelist],
  ['user/list', userList],
  ['user/list_id', userListId],
  ['user/get', userGet],
];
