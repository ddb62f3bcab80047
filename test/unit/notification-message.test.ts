import { describe, expect, it } from 'vitest';
import { LoginError } from '../../src/server/common/errors';
import { linksOffSite } from '../../src/client-common/notification/limits';
import { LinkTarget, signedInLink } from '../../src/server/common/signed-in-links';
import { toWecomMessage } from '../../src/server/notification/message';
import { linksInMessage } from '../../src/shared/message-links';

const ORIGIN = 'https://nocobase.example.com';
const target: LinkTarget = { origin: ORIGIN, authenticator: 'wecom', pages: { publicPath: '/', modern: 'v' }, apiBase: '/api/' };
const context = { target, defaultPath: '/admin' };
/** The signed-in link of a page, written out. */
const start = (redirect: string, app = '') =>
  `https://nocobase.example.com/api/${app ? `__app/${app}/` : ''}wecom:authorize?authenticator=wecom&prompt=none&fallback=page&redirect=${redirect}`;
const startV2 = (redirect: string, app = '') =>
  `https://nocobase.example.com/api/${app ? `__app/${app}/` : ''}wecom:authorize?authenticator=wecom&prompt=none&client=v2&fallback=page&redirect=${redirect}`;

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof LoginError) return `${error.reason.message} ${JSON.stringify(error.reason.params ?? {})}`;
    throw error;
  }
  return 'no error';
}

describe('links in a message', () => {
  it.each([
    ['/admin/approvals/7?tab=1#top', start('/admin/approvals/7%3Ftab%3D1%23top')],
    ['https://nocobase.example.com/m/page', start('/m/page')],
    ['  /admin  ', start('/admin')],
  ])('makes %s a signed-in link into the app', (value, expected) => {
    expect(signedInLink(value, target, 'Link')).toBe(expected);
  });

  it.each([
    'https://evil.example/phish',
    '//evil.example/x',
    '/%2F%2Fevil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    'https://nocobase.example.com.evil.example/',
    'https://user:pass@nocobase.example.com/admin',
    'http://nocobase.example.com/admin',
    'admin/page',
  ])('refuses %s, naming the field by its label', (value) => {
    expect(reasonOf(() => signedInLink(value, target, 'Link'))).toBe(
      '{{field}} must be a path of this app (like /admin) or an address on {{origin}}. {"field":"Link","origin":"https://nocobase.example.com"}',
    );
  });
});

const refusedLink = (link: string) =>
  `The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on {{origin}}. {"link":${JSON.stringify(link)},"field":"Content","origin":"https://nocobase.example.com"}`;

describe('links in text and markdown messages', () => {
  it.each([
    ['an <a href> to javascript:', 'Click <a href="javascript:alert(1)">here</a>', 'javascript:alert(1)'],
    ['an <a href> to another site', "<a href='https://evil.example/phish'>Your leave</a>", 'https://evil.example/phish'],
    ['a protocol-relative <a href>', '<A HREF=//evil.example>x</A>', '//evil.example'],
    ['an href after a quoted ">" in another attribute', '<a title="a>b" href="https://evil.example">x</a>', 'https://evil.example'],
    ['an href whose character references make //', '<a href="/&#47;evil.example">x</a>', '/&#47;evil.example'],
    ['an href with an unknown character reference', '<a href="java&scr;ipt:alert(1)">x</a>', 'java&scr;ipt:alert(1)'],
    ['a mailto: href', '<a href="mailto:boss@evil.example">mail</a>', 'mailto:boss@evil.example'],
    ['a bare address on another site', '请打开 https://evil.example/login。', 'https://evil.example/login'],
    ['a bare address whose host goes on after an ideographic full stop', 'https://nocobase.example.com。evil.example/x', 'https://nocobase.example.com。evil.example/x'],
    ['a bare www. address', 'see www.evil.example/x', 'www.evil.example/x'],
    ['a bare address with credentials', 'https://nocobase.example.com@evil.example/', 'https://nocobase.example.com@evil.example/'],
    ['the http address of an https Origin', 'http://nocobase.example.com/admin', 'http://nocobase.example.com/admin'],
  ])('refuses a text message with %s', (_, content, link) => {
    expect(reasonOf(() => toWecomMessage({ msgtype: 'text', content }, context))).toBe(refusedLink(link));
  });

  it.each([
    ['a link to javascript:', '[Open](javascript:alert(1))', 'javascript:alert(1)'],
    ['a link to another site, with a title', '[Open](https://evil.example/phish "Your leave")', 'https://evil.example/phish'],
    ['a link in angle brackets', '[Open](<//evil.example/a b>)', '//evil.example/a b'],
    ['a link with escaped parentheses', '[Open](javascript:alert\\(1\\))', 'javascript:alert\\(1\\)'],
    ['an image from another site', '![logo](https://evil.example/pixel.png)', 'https://evil.example/pixel.png'],
    ['an autolink to javascript:', '<javascript:alert(1)>', 'javascript:alert(1)'],
    ['a reference definition', '[Open][1]\n\n[1]: https://evil.example', 'https://evil.example'],
    ['an off-site address as the text of a link into the app', '[https://evil.example](/admin)', 'https://evil.example'],
    ['an HTML link', '**Leave** <a href="https://evil.example">open</a>', 'https://evil.example'],
  ])('refuses a markdown message with %s', (_, content, link) => {
    expect(reasonOf(() => toWecomMessage({ msgtype: 'markdown', content }, context))).toBe(refusedLink(link));
  });

  it('makes the links of <a href> and the bare addresses of pages signed-in links, and keeps files and the plain text as written', () => {
    const content =
      'Approved: <a href="/admin/leaves/7?tab=1&x=2">leave #7</a>, see https://nocobase.example.com/m/page. File https://nocobase.example.com/storage/uploads/a.pdf. Path /admin stays text.';
    expect(toWecomMessage({ msgtype: 'text', content }, context).content).toEqual({
      content: `Approved: <a href="${start('/admin/leaves/7%3Ftab%3D1%26x%3D2').replace(/&/g, '&amp;')}">leave #7</a>, see ${start(
        '/m/page',
      )}. File https://nocobase.example.com/storage/uploads/a.pdf. Path /admin stays text.`,
    });
  });

  it('makes the links of markdown signed-in links, in a sub-app under the main domain', () => {
    const content = '# Report\n[Open](/admin/r/1 "title") and [v2](</v/admin>)\n\n[ref]: /admin/x';
    const sub = { ...context, target: { ...target, pages: { publicPath: '/', modern: 'v', app: 'hr' } } };
    expect(toWecomMessage({ msgtype: 'markdown', content }, sub).content).toEqual({
      content: `# Report\n[Open](${start('/apps/hr/admin/r/1', 'hr')} "title") and [v2](<${startV2('/v/apps/hr/admin', 'hr')}>)\n\n[ref]: ${start('/apps/hr/admin/x', 'hr')}`,
    });
  });

  it('sends a text without links as it is', () => {
    expect(toWecomMessage({ msgtype: 'text', content: '3 < 4 & 5 > 2, see page /admin' }, context).content).toEqual({ content: '3 < 4 & 5 > 2, see page /admin' });
  });

  it('counts the bytes of the content as sent, its paths made absolute', () => {
    const content = `${'x'.repeat(2030)}<a href="/a">a</a>`;
    expect(reasonOf(() => toWecomMessage({ msgtype: 'text', content }, context))).toBe('{{field}} is longer than WeCom allows ({{max}} bytes). {"field":"Content","max":2048}');
  });

  it('finds each link once, with where it is written', () => {
    expect(linksInMessage('<a href="/a">https://x.example</a> [t](/b) https://y.example.', 'markdown').map(({ raw, start, place }) => [raw, start, place])).toEqual([
      ['/a', 9, 'html'],
      ['https://x.example', 13, 'bare'],
      ['/b', 39, 'markdown'],
      ['https://y.example', 43, 'bare'],
    ]);
  });
});

describe("the message form's check of a content's links (the server's rule, before the variables are filled in)", () => {
  it.each([
    ['an off-site address', 'Open https://evil.example/{{$context.data.id}}', ['https://evil.example/{{$context.data.id}}']],
    ['a javascript: link', '[x](javascript:{{$context.data.code}})', ['javascript:{{$context.data.code}}']],
    ['a path with a variable', '<a href="/admin/leaves/{{$context.data.id}}">open</a>', []],
    ['a link that is a variable', '<a href="{{$context.data.url}}">open</a>', []],
    ['an address whose host is a variable', 'https://{{$context.data.host}}/x', []],
    ['an address on the Origin', '[x](https://nocobase.example.com/admin)', []],
  ])('%s', (_, content, refused) => {
    expect(linksOffSite(content, 'markdown', ORIGIN)).toEqual(refused);
  });

  it('leaves an http(s) address to the server when the Origin is not known, and refuses the rest', () => {
    expect(linksOffSite('[a](https://evil.example) [b](/admin) [c](//evil.example) [d](javascript:x)', 'markdown', undefined)).toEqual(['//evil.example', 'javascript:x']);
  });
});

describe('messages', () => {
  it('gives a text card without a link the redirect link, and leaves out an empty button text', () => {
    expect(toWecomMessage({ msgtype: 'textcard', title: 'T', description: 'D', btntxt: '' }, context)).toEqual({
      msgtype: 'textcard',
      content: { title: 'T', description: 'D', url: start('/admin') },
    });
  });

  it('takes text as the default msgtype and counts bytes, not characters', () => {
    expect(toWecomMessage({ content: '长'.repeat(682) }, context).content).toEqual({ content: '长'.repeat(682) });
    expect(reasonOf(() => toWecomMessage({ content: '长'.repeat(683) }, context))).toBe(
      '{{field}} is longer than WeCom allows ({{max}} bytes). {"field":"Content","max":2048}',
    );
  });

  it('completes a text_notice card: card_type, action type 1, signed-in links; more than 3 jumps refused', () => {
    const card = toWecomMessage(
      { msgtype: 'template_card', template_card: { main_title: { title: 'T' }, card_action: { url: '/a' }, jump_list: [{ type: 1, title: 'j', url: '/b' }] } },
      context,
    );
    expect(card.content).toEqual({
      card_type: 'text_notice',
      main_title: { title: 'T' },
      card_action: { type: 1, url: start('/a') },
      jump_list: [{ type: 1, title: 'j', url: start('/b') }],
    });
    const jumps = Array.from({ length: 4 }, () => ({ type: 1, title: 'j', url: '/b' }));
    expect(reasonOf(() => toWecomMessage({ msgtype: 'template_card', template_card: { main_title: { title: 'T' }, card_action: { url: '/a' }, jump_list: jumps } }, context))).toBe(
      '{{field}} must be a list of at most {{max}} entries. {"field":"Jump links","max":3}',
    );
  });
});
