import { describe, expect, it } from 'vitest';
import { LoginError } from '../../src/server/common/errors';
import { apiBasePath, LinkTarget, signedInContent, signedInLink } from '../../src/server/common/signed-in-links';

const main: LinkTarget = { origin: 'https://app.example', authenticator: 'wecom', pages: { publicPath: '/', modern: 'v' }, apiBase: '/api/' };
const sub: LinkTarget = { ...main, pages: { publicPath: '/', modern: 'v', app: 'hr' } };
const underPath: LinkTarget = { ...main, authenticator: 'corp a', pages: { publicPath: '/nocobase/', modern: 'v' }, apiBase: '/nocobase/api/' };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof LoginError) return `${error.reason.code} ${error.reason.message} ${JSON.stringify(error.reason.params)}`;
    throw error;
  }
  return 'no error';
}

describe('signedInLink: a link of this app becomes its start URL with prompt=none', () => {
  it.each([
    ['a v1 path, query and hash kept', main, '/admin/leaves/7?tab=1#top', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/leaves/7%3Ftab%3D1%23top'],
    ['an address on the Origin', main, 'https://app.example/admin/x', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/x'],
    ['a /v/ page: the modern callback', main, '/v/admin/x?a=1', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v/admin/x%3Fa%3D1'],
    ['the /v root', main, '/v', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v'],
    ['a mobile page', main, '/m/page#h', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/m/page%23h'],
    ['a path that only starts like /v', main, '/vx/admin', 'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/vx/admin'],
    ['a sub-app v1 path', sub, '/admin/x', 'https://app.example/api/__app/hr/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/apps/hr/admin/x'],
    ['a sub-app path written with its segment', sub, '/apps/hr/m/x', 'https://app.example/api/__app/hr/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/apps/hr/m/x'],
    ['a sub-app /v/ path', sub, '/v/admin/x', 'https://app.example/api/__app/hr/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v/apps/hr/admin/x'],
    ['a sub-app address on the Origin', sub, 'https://app.example/v/apps/hr/admin', 'https://app.example/api/__app/hr/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v/apps/hr/admin'],
    ['under a public path, v1', underPath, '/admin/x', 'https://app.example/nocobase/api/wecom:authorize?authenticator=corp%20a&prompt=none&fallback=page&redirect=/nocobase/admin/x'],
    ['under a public path, /v/ (after the public path)', underPath, '/nocobase/v/admin/x', 'https://app.example/nocobase/api/wecom:authorize?authenticator=corp%20a&prompt=none&client=v2&fallback=page&redirect=/v/admin/x'],
  ])('%s', (_, target, value, expected) => {
    expect(signedInLink(value, target, 'Link')).toBe(expected);
  });

  it.each([
    ['an API address', '/api/attachments:get?filterByTk=1', 'https://app.example/api/attachments:get?filterByTk=1'],
    ['a stored file', 'https://app.example/storage/uploads/a.png', 'https://app.example/storage/uploads/a.png'],
  ])('keeps %s a plain address: it is no page to sign in for', (_, value, expected) => {
    expect(signedInLink(value, main, 'Link')).toBe(expected);
  });

  it.each(['javascript:alert(1)', 'https://evil.example/admin', '//evil.example/x', 'https://app.example.evil.example/', 'https://u:p@app.example/admin', '/%2F%2Fevil.example'])(
    'refuses %s as before',
    (value) => {
      expect(refusal(() => signedInLink(value, main, 'Link'))).toBe(
        'WECOM_MESSAGE_INVALID {{field}} must be a path of this app (like /admin) or an address on {{origin}}. {"field":"Link","origin":"https://app.example"}',
      );
    },
  );

  it('refuses a link that WeCom would cut once rewritten', () => {
    expect(refusal(() => signedInLink(`/admin/${'x'.repeat(1990)}`, main, 'Jump link'))).toBe(
      'WECOM_MESSAGE_INVALID {{field}} is longer than WeCom allows ({{max}} bytes). {"field":"Jump link","max":2048}',
    );
  });
});

describe('signedInContent: the links of text and markdown follow the same rule', () => {
  it('rewrites html, markdown, autolink and bare links to pages, escaping & in an attribute', () => {
    const content = '<a href="/admin/1?a=1">one</a> [two](/v/admin/2) <https://app.example/m/3> https://app.example/admin/4 plain /admin/5';
    expect(signedInContent(content, 'markdown', main, 'Content')).toBe(
      '<a href="https://app.example/api/wecom:authorize?authenticator=wecom&amp;prompt=none&amp;fallback=page&amp;redirect=/admin/1%3Fa%3D1">one</a> ' +
        '[two](https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=/v/admin/2) ' +
        '<https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/m/3> ' +
        'https://app.example/api/wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=/admin/4 plain /admin/5',
    );
  });

  it.each([
    ['text', '<a href="javascript:alert(1)">x</a>', 'javascript:alert(1)'],
    ['text', 'see https://evil.example/login', 'https://evil.example/login'],
    ['markdown', '[x](javascript:alert(1))', 'javascript:alert(1)'],
    ['markdown', '[x](https://evil.example)', 'https://evil.example'],
  ] as const)('refuses a %s message with %s', (msgtype, content, link) => {
    expect(refusal(() => signedInContent(content, msgtype, main, 'Content'))).toBe(
      `WECOM_MESSAGE_INVALID The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on {{origin}}. ${JSON.stringify({
        link,
        field: 'Content',
        origin: 'https://app.example',
      })}`,
    );
  });
});

describe('apiBasePath: where the start URL is on the site', () => {
  it.each([
    [{ API_BASE_PATH: '/api/', APP_PUBLIC_PATH: '/' }, '/api/'],
    [{ API_BASE_PATH: '/api', APP_PUBLIC_PATH: '/' }, '/api/'],
    [{ API_BASE_PATH: '/nocobase/api/', APP_PUBLIC_PATH: '/nocobase/' }, '/nocobase/api/'],
    [{ API_BASE_PATH: '', APP_PUBLIC_PATH: '/nocobase' }, '/nocobase/api/'],
  ])('%j → %s', (env, expected) => {
    const saved = { API_BASE_PATH: process.env.API_BASE_PATH, APP_PUBLIC_PATH: process.env.APP_PUBLIC_PATH };
    Object.assign(process.env, env);
    try {
      expect(apiBasePath()).toBe(expected);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
