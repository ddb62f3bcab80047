import { describe, expect, it } from 'vitest';
import { LoginError } from '../../src/server/errors';
import { appLink, toWecomMessage } from '../../src/server/notification/message';

const ORIGIN = 'https://nocobase.example.com';
const context = { origin: ORIGIN, defaultPath: '/admin' };

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
    ['/admin/approvals/7?tab=1#top', 'https://nocobase.example.com/admin/approvals/7?tab=1#top'],
    ['https://nocobase.example.com/m/page', 'https://nocobase.example.com/m/page'],
    ['  /admin  ', 'https://nocobase.example.com/admin'],
  ])('makes %s a link into the app', (value, expected) => {
    expect(appLink(value, ORIGIN, 'url')).toBe(expected);
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
  ])('refuses %s', (value) => {
    expect(reasonOf(() => appLink(value, ORIGIN, 'url'))).toBe(
      'The link in {{field}} must be a path of this app (like /admin) or an address on {{origin}}. {"field":"url","origin":"https://nocobase.example.com"}',
    );
  });
});

describe('messages', () => {
  it('gives a text card without a link the redirect link, and leaves out an empty button text', () => {
    expect(toWecomMessage({ msgtype: 'textcard', title: 'T', description: 'D', btntxt: '' }, context)).toEqual({
      msgtype: 'textcard',
      content: { title: 'T', description: 'D', url: 'https://nocobase.example.com/admin' },
    });
  });

  it('takes text as the default msgtype and counts bytes, not characters', () => {
    expect(toWecomMessage({ content: '长'.repeat(682) }, context).content).toEqual({ content: '长'.repeat(682) });
    expect(reasonOf(() => toWecomMessage({ content: '长'.repeat(683) }, context))).toBe(
      '{{field}} is longer than WeCom allows ({{max}} bytes). {"field":"content","max":2048}',
    );
  });

  it('completes a text_notice card: card_type, action type 1, links made absolute; more than 3 jumps refused', () => {
    const card = toWecomMessage(
      { msgtype: 'template_card', template_card: { main_title: { title: 'T' }, card_action: { url: '/a' }, jump_list: [{ type: 1, title: 'j', url: '/b' }] } },
      context,
    );
    expect(card.content).toEqual({
      card_type: 'text_notice',
      main_title: { title: 'T' },
      card_action: { type: 1, url: 'https://nocobase.example.com/a' },
      jump_list: [{ type: 1, title: 'j', url: 'https://nocobase.example.com/b' }],
    });
    const jumps = Array.from({ length: 4 }, () => ({ type: 1, title: 'j', url: '/b' }));
    expect(reasonOf(() => toWecomMessage({ msgtype: 'template_card', template_card: { main_title: { title: 'T' }, card_action: { url: '/a' }, jump_list: jumps } }, context))).toBe(
      '{{field}} must be a list of at most {{max}} entries. {"field":"template_card.jump_list","max":3}',
    );
  });
});
