// Every message a person can see exists in en-US, zh-CN and ja-JP, and the locale files carry nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localize, LoginError, Reason, reasonFromWecom, reasons } from '../../src/server/common/errors';
import { parseOptions } from '../../src/server/common/options';
import { WecomApiError } from '../../src/server/wecom/errors';

const root = join(__dirname, '../..');
const load = (lang: string): Record<string, string> => JSON.parse(readFileSync(join(root, 'src/locale', `${lang}.json`), 'utf8'));
const locales = { 'en-US': load('en-US'), 'zh-CN': load('zh-CN'), 'ja-JP': load('ja-JP') };

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
}

/** Keys the client passes to its translation functions: t('...'), tval('...'), '{{t("...")}}'. */
function clientKeys(): Set<string> {
  const keys = new Set<string>();
  for (const text of [...sources('src/client'), ...sources('src/client-common'), ...sources('src/client-v2'), ...sources('src/shared')]) {
    for (const match of text.matchAll(/\b(?:t|tval|translate)\(\s*(['"`])((?:(?!\1)[^\\]|\\.)+)\1/g)) keys.add(match[2].replace(/\\(.)/g, '$1'));
    for (const match of text.matchAll(/\{\{\s*t\(\s*\\?["']((?:[^"'\\]|\\.)+)\\?["']/g)) keys.add(match[1]);
  }
  return keys;
}

/** Every reason the server can give: each helper, each errcode in the table, each kind of transport failure. */
function serverReasons(): Reason[] {
  const all: Reason[] = Object.values(reasons)
    .filter((make) => make.length === 0)
    .map((make) => (make as () => Reason)());
  const errcodes = [-1, 40001, 40008, 40013, 40029, 40056, 40091, 41011, 44004, 45002, 45009, 45033, 48002, 50001, 50002, 60011, 60020, 60021, 60111, 80001, 81013, 82001, 301002, 99999];
  for (const errcode of errcodes) all.push(reasonFromWecom(new WecomApiError({ endpoint: 'x', failure: 'errcode', errcode })));
  for (const failure of ['http', 'timeout', 'network', 'malformed'] as const) all.push(reasonFromWecom(new WecomApiError({ endpoint: 'x', failure })));
  const good = { corpId: 'ww1', agentId: '1', corpSecret: 's', origin: 'https://a.example' };
  for (const bad of [{}, { corpId: 'w w' }, { agentId: 'x' }, { corpSecret: 'a b' }, { origin: 'x' }, { redirectPath: '//x' }]) {
    try {
      parseOptions(Object.keys(bad).length ? { ...good, ...bad } : bad);
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      all.push(error.reason);
    }
  }
  return all;
}

describe('locales', () => {
  it('have the same keys in every language, none of them empty', () => {
    const keys = Object.keys(locales['en-US']).sort();
    for (const [lang, messages] of Object.entries(locales)) {
      expect(Object.keys(messages).sort(), lang).toEqual(keys);
      for (const [key, value] of Object.entries(messages)) expect(value.trim(), `${lang}: ${key}`).not.toBe('');
    }
  });

  it('use the English text as the key', () => {
    for (const [key, value] of Object.entries(locales['en-US'])) expect(value).toBe(key);
  });

  it('keep the {{placeholders}} of every message in every language', () => {
    for (const key of Object.keys(locales['en-US'])) {
      const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
      for (const messages of Object.values(locales)) expect(placeholders(messages[key]), key).toEqual(placeholders(key));
    }
  });

  it('translate every reason the server gives, and the field labels in them', () => {
    const used = serverReasons();
    expect(used.length).toBeGreaterThan(25);
    for (const reason of used) {
      expect(locales['en-US'], reason.message).toHaveProperty([reason.message]);
      const field = reason.params?.field;
      if (typeof field === 'string') expect(locales['en-US'], field).toHaveProperty([field]);
    }
  });

  it('translate every key the client uses', () => {
    for (const key of clientKeys()) expect(locales['en-US'], key).toHaveProperty([key]);
  });

  it('carry no key that nothing uses', () => {
    const text = [...sources('src/server'), ...sources('src/client'), ...sources('src/client-common'), ...sources('src/client-v2'), ...sources('src/shared')].join('\n');
    const literal = (key: string) =>
      [`'${key.replace(/'/g, "\\'")}'`, `"${key.replace(/"/g, '\\"')}"`, `\`${key}\``].some((quoted) => text.includes(quoted));
    for (const key of Object.keys(locales['en-US'])) expect(literal(key), key).toBe(true);
  });
});

describe('what a person reads', () => {
  /** i18next's lookup and {{placeholder}} interpolation, over the shipped locale files. */
  const translator = (lang: keyof typeof locales) => (key: string, options: Record<string, unknown> = {}) =>
    (locales[lang][key] ?? key).replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(options[name]));
  const wecom = (errcode: number) => reasonFromWecom(new WecomApiError({ endpoint: 'x', failure: 'errcode', errcode }), { origin: 'https://nocobase.example.com' });

  it.each([
    ['errcode 50001', wecom(50001), 'The domain nocobase.example.com is not a trusted domain of the WeCom app. Add it in the WeCom admin console.', '域名 nocobase.example.com 不是该企业微信应用的可信域名。请在企业微信管理后台添加。'],
    ['errcode 60011', wecom(60011), 'You are not in the visible range of this WeCom app. Ask your administrator to add you to the app.', '你不在该企业微信应用的可见范围内。请联系管理员将你加入应用可见范围。'],
    ['errcode 40001', wecom(40001), 'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings.', 'Secret 与该企业 ID 不匹配。请重新复制应用的 Secret 到认证器设置中。'],
    ['an errcode without its own message (99999)', wecom(99999), 'WeCom refused the request (error 99999). Please try again later or contact your administrator.', '企业微信拒绝了请求（错误 99999）。请稍后重试或联系管理员。'],
    ['already linked', reasons.alreadyLinked(), 'The user with your mobile number is already linked to another WeCom account. Ask your administrator for help.', '使用你手机号的用户已关联了另一个企业微信账号。请联系管理员。'],
    ['a root user by phone', reasons.rootByPhone(), 'Your mobile number in WeCom belongs to a NocoBase root user. Root users sign in with their password only, never with WeCom. Ask your administrator to give that root user another mobile number (or none), or sign in with the password.', '你在企业微信中的手机号属于 NocoBase 的 root 用户。root 用户只能用密码登录，不能用企业微信登录。请联系管理员为该 root 用户更换手机号（或清空），或使用密码登录。'],
    ['not linked', reasons.notLinked(), 'Your WeCom account is not linked to a user yet. Open this app once from the WeCom workbench (inside the WeCom client) to link it, then sign in again.', '你的企业微信账号尚未关联用户。请先在企业微信客户端的工作台中打开一次本应用完成关联，然后再登录。'],
    ['a missing Company ID (a translated field label)', reasons.config('corpId', '{{field}} is not set in the WeCom authenticator settings.', { field: 'Company ID' }), 'Company ID is not set in the WeCom authenticator settings.', '企业微信认证器设置中未填写企业 ID。'],
  ])('says %s literally in en-US and zh-CN', (_, reason, en, zh) => {
    expect(localize(translator('en-US'), reason)).toBe(en);
    expect(localize(translator('zh-CN'), reason)).toBe(zh);
  });

  it('gives errcode 50001 its own reason (the origin field), not the default', () => {
    expect(wecom(50001)).toMatchObject({ code: 'WECOM_CONFIG', status: 502, field: 'origin', params: { domain: 'nocobase.example.com' } });
  });
});
