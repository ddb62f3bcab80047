import { readFileSync } from 'node:fs';
import demo from './demo-config.json';
import type { SandboxApp, SandboxConfig, SandboxCorp, SandboxMember, SandboxOutsider } from './types';

export const defaultConfig: SandboxConfig = demo;

export function loadConfig(path: string): SandboxConfig {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isConfig(parsed)) throw new Error(`${path}: expected { "corps": [ { corpId, apps: [...], members: [...] } ] }`);
  return parsed;
}

function isConfig(value: unknown): value is SandboxConfig {
  if (typeof value !== 'object' || value === null) return false;
  const corps: unknown = (value as { corps?: unknown }).corps;
  return Array.isArray(corps) && corps.every(
    (c: unknown) => typeof c === 'object' && c !== null &&
      typeof (c as SandboxCorp).corpId === 'string' &&
      Array.isArray((c as SandboxCorp).apps) && Array.isArray((c as SandboxCorp).members),
  );
}

export function findCorp(config: SandboxConfig, corpId: string | null): SandboxCorp | undefined {
  return config.corps.find((c) => c.corpId === corpId);
}

export function findApp(corp: SandboxCorp, agentId: string): SandboxApp | undefined {
  return corp.apps.find((a) => a.agentId === agentId);
}

export function findMember(corp: SandboxCorp, userid: string): SandboxMember | undefined {
  return corp.members.find((m) => m.userid === userid);
}

export function findOutsider(corp: SandboxCorp, openid: string): SandboxOutsider | undefined {
  return (corp.outsiders ?? []).find((o) => o.openid === openid);
}

export function isVisible(app: SandboxApp, userid: string): boolean {
  const visible = app.visibleTo ?? 'all';
  return visible === 'all' || visible.includes(userid);
}

export function isTrustedHost(app: SandboxApp, host: string): boolean {
  return app.trustedDomains.some((d) => d.toLowerCase() === host.toLowerCase());
}

/** `config` with its apps also trusting `hosts` (WeCom checks a redirect_uri's host against the app's trusted domains). */
export function trusting(config: SandboxConfig, hosts: string[]): SandboxConfig {
  return {
    ...config,
    corps: config.corps.map((corp) => ({
      ...corp,
      apps: corp.apps.map((app) => ({ ...app, trustedDomains: [...new Set([...app.trustedDomains, ...hosts])] })),
    })),
  };
}
