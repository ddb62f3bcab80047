// The test app's authenticators and users, through NocoBase's API as the admin.
import { expect, inject } from 'vitest';
import type { Page } from 'playwright-core';
import { Api } from '../../scripts/nocobase';
import { ADMIN, CORP, ZHANG_SAN } from './world';

export interface WeComOptions {
  public: { autoSignup: boolean; autoLogin: boolean };
  corpId: string;
  agentId: string;
  corpSecret: string;
  origin: string;
  redirectPath: string;
}

interface AuthenticatorRecord {
  id: number;
  name: string;
  authType: string;
  title?: string;
  enabled: boolean;
  options: WeComOptions;
}

export const adminApi = () => Api.signIn(inject('appUrl'), ADMIN.email, ADMIN.password);

export function demoOptions(overrides: Partial<WeComOptions['public']> = {}): WeComOptions {
  return {
    public: { autoSignup: false, autoLogin: false, ...overrides },
    corpId: CORP.corpId,
    agentId: CORP.agentId,
    corpSecret: CORP.secret,
    origin: inject('appUrl'),
    redirectPath: '/admin',
  };
}

export async function wecomAuthenticators(api: Api): Promise<AuthenticatorRecord[]> {
  return api.get<AuthenticatorRecord[]>('authenticators:list', { filter: JSON.stringify({ authType: 'WeCom' }), paginate: 'false' });
}

/**
 * Makes `name` the only enabled WeCom authenticator, with these options. Each test file has its own
 * authenticator, so that member links (scoped to the authenticator) do not leak between files.
 */
export async function onlyWeComAuthenticator(name: string, options: WeComOptions, title = 'WeCom'): Promise<void> {
  const api = await adminApi();
  const existing = await wecomAuthenticators(api);
  for (const other of existing.filter((a) => a.name !== name && a.enabled)) await disable(api, other.id);
  const own = existing.find((a) => a.name === name);
  const values = { name, authType: 'WeCom', title, enabled: true, options };
  if (own) await api.post(`authenticators:update?filterByTk=${own.id}`, values);
  else await api.post('authenticators:create', values);
}

/** NocoBase's "keep at least one enabled" check reads `values.id`, not `filterByTk`: send both. */
export async function disable(api: Api, id: number): Promise<void> {
  await api.post(`authenticators:update?filterByTk=${id}`, { id, enabled: false });
}

export async function removeAuthenticator(name: string): Promise<void> {
  const api = await adminApi();
  for (const record of (await wecomAuthenticators(api)).filter((a) => a.name === name)) {
    await api.post(`authenticators:destroy?filterByTk=${record.id}`, {});
  }
}

/** The id of the user Zhang San (world.ts) in the app `api` signs in to. */
export async function zhangSanId(api: Api): Promise<number> {
  const [user] = await api.get<{ id: number }[]>('users:list', { filter: JSON.stringify({ username: ZHANG_SAN.username }) });
  if (!user) throw new Error(`no user ${ZHANG_SAN.username}`);
  return Number(user.id);
}

/** The user the page's session belongs to, asked with the token the page stored. */
export async function sessionUser(page: Page): Promise<{ id: number; username?: string; phone?: string; nickname?: string } | undefined> {
  return page.evaluate(async () => {
    const res = await fetch('/api/auth:check', {
      headers: {
        authorization: `Bearer ${localStorage.getItem('NOCOBASE_TOKEN') ?? ''}`,
        'x-authenticator': localStorage.getItem('NOCOBASE_AUTHENTICATOR') ?? '',
      },
    });
    const body = (await res.json()) as { data?: { id: number; username?: string; phone?: string; nickname?: string } };
    return body.data?.id ? body.data : undefined;
  });
}

/** The session token must never have been part of a URL the browser requested or showed. */
export async function expectTokenNeverInUrls(page: Page, urls: string[]): Promise<void> {
  const token = await page.evaluate(() => localStorage.getItem('NOCOBASE_TOKEN'));
  expect(token).toBeTruthy();
  expect(urls.filter((url) => url.includes(token as string) || /[?&#]token=/.test(url))).toEqual([]);
}

/** Nothing of the login (code, state, token) can reach a third site: every request stays on these origins. */
export function expectOnlyOrigins(urls: string[], origins: string[]): void {
  const elsewhere = urls.filter((url) => /^https?:/.test(url) && !origins.includes(new URL(url).origin));
  expect(elsewhere).toEqual([]);
}
