import { isVisible } from './config';
import { Html, avatar, fakeQr, html, layout } from './html';
import type { LoginRequest, Who } from './login';
import type { SandboxApp, SandboxMember, SandboxOutsider } from './types';

export const OAUTH_PATH = '/connect/oauth2/authorize';
export const SSO_PATH = '/wwlogin/sso/login';

export function errorView(v: { message: string; errcode?: number }): string {
  const body = html`<h1>无法继续 / Cannot continue</h1>
<p class="error-text" data-error data-errcode="${v.errcode ?? ''}">${v.message}${v.errcode ? ` (${v.errcode})` : ''}</p>`;
  return layout('WeCom sandbox error', body);
}

function hiddenFields(params: URLSearchParams): Html[] {
  return [...params].map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
}

function memberButton(app: SandboxApp, m: SandboxMember, selected: boolean): Html {
  return html`<button type="submit" name="sandbox_member" value="${m.userid}" data-userid="${m.userid}"
 class="member${selected ? ' selected' : ''}" aria-pressed="${String(selected)}">${avatar(m.name, m.avatar)}
<span>${m.name} <small>(${m.userid})</small></span>${isVisible(app, m.userid) ? '' : html`<span class="tag">不在可见范围 / outside visible range</span>`}</button>`;
}

function outsiderButton(o: SandboxOutsider, selected: boolean): Html {
  return html`<button type="submit" name="sandbox_member" value="${`openid:${o.openid}`}" data-openid="${o.openid}"
 class="member${selected ? ' selected' : ''}" aria-pressed="${String(selected)}">${avatar(o.name, undefined)}
<span>${o.name}</span><span class="tag">非企业成员 / not a member</span></button>`;
}

export function oauthPage(r: LoginRequest, who: Who | undefined): string {
  const hidden = hiddenFields(r.params);
  const selectedId = who && ('userid' in who ? who.userid : `openid:${who.openid}`);
  const name = who && ('userid' in who ? who.member.name : who.outsider.name);
  const consent = who && html`<section data-consent>
<h1>${r.app.name}</h1><p class="sub">${r.corp.name}</p>
<p>${name} — 该应用申请获取你的以下信息 / this app asks for:</p>
<ul class="scopes"><li>姓名、头像 / name, avatar</li><li>手机号、邮箱 / mobile, email</li></ul>
<form method="post" action="${OAUTH_PATH}/confirm">${hidden}<div class="actions">
<button type="submit" class="btn" name="sandbox_action" value="deny" data-action="deny">拒绝 / Deny</button>
<button type="submit" class="btn primary" name="sandbox_action" value="allow" data-action="allow">允许 / Allow</button>
</div></form></section>`;
  const picker = html`<form method="post" action="${OAUTH_PATH}/select" data-picker>${hidden}
${who ? html`<p class="sub switch">切换成员 / switch member</p>` : html`<div class="brand">企业微信 WeCom</div>
<h1>${r.app.name}</h1><p class="sub">${r.corp.name} — 选择登录企业微信客户端的成员 / who is signed in to the WeCom client?</p>`}
<div class="members">${r.corp.members.map((m) => memberButton(r.app, m, m.userid === selectedId))}
${(r.corp.outsiders ?? []).map((o) => outsiderButton(o, `openid:${o.openid}` === selectedId))}</div></form>`;
  return layout(`${r.app.name} - 企业微信`, html`${consent}${picker}`, r.lang);
}

function visibleFirst(r: LoginRequest): SandboxMember[] {
  const visible = r.corp.members.filter((m) => isVisible(r.app, m.userid));
  return [...visible, ...r.corp.members.filter((m) => !visible.includes(m))];
}

export function ssoPage(r: LoginRequest): string {
  const body = html`<div class="brand">企业微信 WeCom</div>
<h1>企业微信登录 / Sign in with WeCom</h1><p class="sub">${r.app.name} · ${r.corp.name}</p>
${fakeQr(`${r.corp.corpId}/${r.app.agentId}/${r.state}`)}
<form method="post" action="${SSO_PATH}/confirm">${hiddenFields(r.params)}
<p class="sub">扫码的成员 / the member whose phone scans the code:</p>
<div class="members">${visibleFirst(r).map((m) => memberButton(r.app, m, false))}</div>
<div class="actions"><button type="submit" class="btn" name="sandbox_action" value="deny" data-action="deny">取消 / Cancel</button></div>
</form>`;
  return layout('企业微信登录 - WeCom', body, r.lang);
}
