import { findApp, findCorp, findMember, findOutsider, isTrustedHost } from './config';
import type { CodeSubject } from './state';
import type { SandboxApp, SandboxConfig, SandboxCorp, SandboxMember, SandboxOutsider } from './types';

const STATE_RE = /^[A-Za-z0-9]{0,128}$/;
const SCOPES = ['snsapi_base', 'snsapi_privateinfo'];

export interface LoginRequest {
  corp: SandboxCorp;
  app: SandboxApp;
  params: URLSearchParams;
  redirectUri: string;
  redirectHost: string;
  state: string;
  scope: string;
  lang: string;
}

export type Validation = { ok: true; request: LoginRequest } | { ok: false; message: string; errcode?: number };

export type Who = { userid: string; member: SandboxMember } | { openid: string; outsider: SandboxOutsider };

function fail(message: string, errcode?: number): Validation {
  return { ok: false, message, errcode };
}

export function validate(config: SandboxConfig, params: URLSearchParams, kind: 'oauth' | 'sso'): Validation {
  const corp = findCorp(config, params.get('appid'));
  if (!corp) return fail('appid 参数错误 / invalid appid', 40013);
  const agentId = params.get('agentid');
  if (kind === 'sso' && params.get('login_type') !== 'CorpApp') return fail('login_type 参数错误 / login_type must be CorpApp');
  if (kind === 'sso' && !agentId) return fail('缺少 agentid / missing agentid', 41011);
  const app = agentId ? findApp(corp, agentId) : corp.apps[0];
  if (!app) return fail('agentid 参数错误 / invalid agentid', 40056);
  let scope = '';
  if (kind === 'oauth') {
    if (params.get('response_type') !== 'code') return fail('response_type 必须为 code / response_type must be code');
    scope = params.get('scope') ?? '';
    if (!SCOPES.includes(scope)) return fail('scope 参数错误 / scope must be snsapi_base or snsapi_privateinfo');
    // Without agentid WeCom silently downgrades snsapi_privateinfo to snsapi_base.
    if (!agentId) scope = 'snsapi_base';
  }
  const redirectUri = params.get('redirect_uri') ?? '';
  const target = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined;
  if (!target || !['http:', 'https:'].includes(target.protocol)) return fail('redirect_uri 参数错误 / redirect_uri must be an http(s) URL');
  if (!isTrustedHost(app, target.host)) {
    return fail(`redirect_uri 需使用应用可信域名 / redirect_uri must use the app's trusted domain: ${target.host}`, 50001);
  }
  const state = params.get('state') ?? '';
  if (!STATE_RE.test(state)) return fail('state 参数错误：仅限 a-zA-Z0-9，最长 128 字节 / state must be a-zA-Z0-9, at most 128 bytes');
  const lang = params.get('lang') === 'en' ? 'en' : 'zh-CN';
  return {
    ok: true,
    request: { corp, app, params: loginParams(params), redirectUri, redirectHost: target.host, state, scope, lang },
  };
}

export function loginParams(form: URLSearchParams): URLSearchParams {
  return new URLSearchParams([...form].filter(([key]) => !key.startsWith('sandbox_')));
}

export function callbackUrl(redirectUri: string, query: Record<string, string>): string {
  const hashAt = redirectUri.indexOf('#');
  const base = hashAt < 0 ? redirectUri : redirectUri.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : redirectUri.slice(hashAt);
  const separator = /[?&]$/.test(base) ? '' : base.includes('?') ? '&' : '?';
  return base + separator + new URLSearchParams(query).toString() + hash;
}

export function identify(corp: SandboxCorp, id: string | undefined): Who | undefined {
  if (!id) return undefined;
  if (id.startsWith('openid:')) {
    const outsider = findOutsider(corp, id.slice(7));
    return outsider && { openid: outsider.openid, outsider };
  }
  const member = findMember(corp, id);
  return member && { userid: member.userid, member };
}

export function subjectOf(who: Who): CodeSubject {
  return 'userid' in who ? { userid: who.userid } : { openid: who.openid };
}
