import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './api';
import { findMember } from './config';
import { readBody, redirect, sendPage } from './http';
import { callbackUrl, identify, loginParams, subjectOf, validate, type LoginRequest } from './login';
import type { CodeSubject } from './state';
import { OAUTH_PATH, SSO_PATH, errorView, oauthPage, ssoPage } from './views';

const COOKIE = 'wecom_sandbox_member';

interface PageCall {
  ctx: Context;
  req: IncomingMessage;
  res: ServerResponse;
  params: URLSearchParams;
}

type PageHandler = (call: PageCall) => void;

const ROUTES = new Map<string, { form: boolean; handler: PageHandler }>([
  [`GET ${OAUTH_PATH}`, { form: false, handler: oauthAuthorize }],
  [`POST ${OAUTH_PATH}/select`, { form: true, handler: oauthSelect }],
  [`POST ${OAUTH_PATH}/confirm`, { form: true, handler: oauthConfirm }],
  [`GET ${SSO_PATH}`, { form: false, handler: ssoLogin }],
  [`POST ${SSO_PATH}/confirm`, { form: true, handler: ssoConfirm }],
]);

/** false when the path is not a page */
export async function handlePage(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const route = ROUTES.get(`${req.method} ${url.pathname}`);
  if (!route) return false;
  route.handler({ ctx, req, res, params: route.form ? new URLSearchParams(await readBody(req)) : url.searchParams });
  return true;
}

function rememberedId(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== COOKIE) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch (error) {
      if (error instanceof URIError) return undefined;
      throw error;
    }
  }
  return undefined;
}

function errorPage(res: ServerResponse, v: { message: string; errcode?: number }): void {
  sendPage(res, 400, errorView(v));
}

function sendCode(ctx: Context, res: ServerResponse, r: LoginRequest, subject: CodeSubject): void {
  const code = ctx.state.issueCode({
    corpId: r.corp.corpId,
    agentId: r.app.agentId,
    subject,
    scope: r.scope,
    redirectHost: r.redirectHost,
  });
  redirect(res, 302, callbackUrl(r.redirectUri, { code, state: r.state }));
}

/** the member refused: WeCom returns without a code */
function sendRefusal(res: ServerResponse, r: LoginRequest): void {
  redirect(res, 302, callbackUrl(r.redirectUri, { state: r.state }));
}

function oauthAuthorize({ ctx, req, res, params }: PageCall): void {
  const v = validate(ctx.config, params, 'oauth');
  if (!v.ok) return errorPage(res, v);
  const who = identify(v.request.corp, rememberedId(req));
  if (who && v.request.scope === 'snsapi_base') return sendCode(ctx, res, v.request, subjectOf(who));
  sendPage(res, 200, oauthPage(v.request, who));
}

function oauthSelect({ res, params: form }: PageCall): void {
  const id = form.get('sandbox_member') ?? '';
  redirect(res, 303, `${OAUTH_PATH}?${loginParams(form)}`, {
    'Set-Cookie': `${COOKIE}=${encodeURIComponent(id)}; Path=/; HttpOnly; SameSite=Lax`,
  });
}

function oauthConfirm({ ctx, req, res, params: form }: PageCall): void {
  const v = validate(ctx.config, loginParams(form), 'oauth');
  if (!v.ok) return errorPage(res, v);
  if (form.get('sandbox_action') === 'deny') return sendRefusal(res, v.request);
  const who = identify(v.request.corp, rememberedId(req));
  if (!who) return sendPage(res, 200, oauthPage(v.request, undefined));
  sendCode(ctx, res, v.request, subjectOf(who));
}

function ssoLogin({ ctx, res, params }: PageCall): void {
  const v = validate(ctx.config, params, 'sso');
  if (!v.ok) return errorPage(res, v);
  sendPage(res, 200, ssoPage(v.request));
}

function ssoConfirm({ ctx, res, params: form }: PageCall): void {
  const v = validate(ctx.config, loginParams(form), 'sso');
  if (!v.ok) return errorPage(res, v);
  if (form.get('sandbox_action') === 'deny') return sendRefusal(res, v.request);
  const member = findMember(v.request.corp, form.get('sandbox_member') ?? '');
  if (!member) return errorPage(res, { message: '未知成员 / unknown member' });
  sendCode(ctx, res, v.request, { userid: member.userid });
}

