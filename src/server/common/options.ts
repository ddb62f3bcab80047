// The authenticator's options, checked once: a missing or malformed value is reported by field name.
import { DEFAULT_REDIRECT_PATH } from '../../constants';
import { safeRedirectPath } from '../../shared/redirect';
import { LoginError, reasons } from './errors';

export interface WeComOptions {
  corpId: string;
  agentId: string;
  corpSecret: string;
  /** `http(s)://host[:port]`, this app's address as the browser sees it. */
  origin: string;
  redirectPath: string;
  autoSignup: boolean;
  autoLogin: boolean;
}

type Raw = Record<string, unknown>;

export function parseOptions(input: unknown): WeComOptions {
  const raw: Raw = isObject(input) ? input : {};
  const pub: Raw = isObject(raw.public) ? raw.public : {};
  return {
    corpId: required(raw, 'corpId', 'Company ID', /^[A-Za-z0-9_-]{1,64}$/),
    agentId: required(raw, 'agentId', 'AgentId', /^\d{1,12}$/),
    corpSecret: secret(raw.corpSecret),
    origin: origin(raw.origin),
    redirectPath: redirectPath(raw.redirectPath),
    autoSignup: pub.autoSignup === true,
    autoLogin: pub.autoLogin === true,
  };
}

/** What the anonymous sign-in page may know: never the Secret, nor anything it does not need. */
export function publicOptions(input: unknown): { autoSignup: boolean; autoLogin: boolean; tooltip: string } {
  const pub: Raw = isObject(input) && isObject(input.public) ? input.public : {};
  const tooltip = typeof pub.tooltip === 'string' ? pub.tooltip.trim().slice(0, 500) : '';
  return { autoSignup: pub.autoSignup === true, autoLogin: pub.autoLogin === true, tooltip };
}

/** How an authenticator's name given as a variable is refused (a sync source and a notification channel alike). */
export const NAME_IS_VARIABLE = 'The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.';

/** Whether a value holds a `{{…}}` variable (NocoBase's "Variables and secrets"). */
export const hasVariable = (value: string) => value.includes('{{');

/**
 * `{{$env.NAME}}` refers to NocoBase's "Variables and secrets"; an undefined one would silently render
 * as an empty string, so name it before rendering.
 */
export function assertVariablesDefined(input: unknown, variables: Record<string, unknown>): void {
  const raw: Raw = isObject(input) ? input : {};
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    for (const match of value.matchAll(/\{\{\s*\$env\.([A-Za-z0-9_]+)\s*\}\}/g)) {
      if (!(match[1] in variables)) {
        throw new LoginError(reasons.config(field, 'The value of {{field}} refers to the variable {{name}}, which is not defined.', { field: LABELS[field] ?? field, name: match[1] }));
      }
    }
  }
}

const LABELS: Record<string, string> = { corpId: 'Company ID', agentId: 'AgentId', corpSecret: 'Secret', origin: 'Origin' };

function required(raw: Raw, field: string, label: string, pattern: RegExp): string {
  const value = typeof raw[field] === 'number' ? String(raw[field]) : raw[field];
  if (typeof value !== 'string' || !value.trim()) {
    throw new LoginError(reasons.config(field, '{{field}} is not set in the WeCom authenticator settings.', { field: label }));
  }
  if (!pattern.test(value.trim())) {
    throw new LoginError(reasons.config(field, '{{field}} in the WeCom authenticator settings is not valid.', { field: label }));
  }
  return value.trim();
}

function secret(value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw new LoginError(reasons.config('corpSecret', '{{field}} is not set in the WeCom authenticator settings.', { field: 'Secret' }));
  }
  if (/\s/.test(value.trim()) || value.length > 256) {
    throw new LoginError(reasons.config('corpSecret', '{{field}} in the WeCom authenticator settings is not valid.', { field: 'Secret' }));
  }
  return value.trim();
}

function origin(value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw new LoginError(reasons.config('origin', '{{field}} is not set in the WeCom authenticator settings.', { field: 'Origin' }));
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    throw new LoginError(reasons.config('origin', 'Origin must be an address like https://nocobase.example.com, without a path.'), { cause: error });
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if (!['http:', 'https:'].includes(url.protocol) || !bare) {
    throw new LoginError(reasons.config('origin', 'Origin must be an address like https://nocobase.example.com, without a path.'));
  }
  return url.origin;
}

function redirectPath(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULT_REDIRECT_PATH;
  const path = safeRedirectPath(value);
  if (!path) {
    throw new LoginError(reasons.config('redirectPath', 'The workbench redirect link must be a path on this site, like /admin.'));
  }
  return path;
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
