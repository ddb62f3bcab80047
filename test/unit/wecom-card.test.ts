// The card node's configuration checks, shared by the server and both node forms.
import { describe, expect, it } from 'vitest';
import { callbackOptionErrors, cardConfigErrors, cutToChars, isCallbackAESKey, isCallbackToken } from '../../src/shared/wecom-card';

const good = {
  authenticator: 'wecom',
  assignees: [1],
  mode: 0,
  title: 'Approve the purchase',
  description: 'Order {{$context.data.id}}',
  url: '/admin/orders',
  buttons: [
    { key: 'ok', text: 'Approve', style: 1, action: 'approve' },
    { key: 'no', text: 'Reject', style: 4, action: 'reject' },
  ],
  timeout: 3600,
};
const messages = (config: unknown, origin?: string) => cardConfigErrors(config, { origin }).map((e) => `${e.field}: ${e.message}`);

describe('cardConfigErrors', () => {
  it('accepts a complete configuration', () => {
    expect(messages(good, 'https://nocobase.example.com')).toEqual([]);
  });

  it('refuses no buttons and 7 buttons', () => {
    expect(messages({ ...good, buttons: [] })).toEqual(['buttons: A card has 1 to 6 buttons.']);
    const seven = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, text: 'OK', action: 'approve' }));
    expect(messages({ ...good, buttons: seven })).toEqual(['buttons: A card has 1 to 6 buttons.']);
  });

  it('refuses duplicate keys, long texts, bad styles and actions', () => {
    const buttons = [
      { key: 'a', text: 'Approve', action: 'approve' },
      { key: 'a', text: '12345678901', style: 5, action: 'maybe' },
    ];
    expect(messages({ ...good, buttons })).toEqual([
      'buttons.1.key: Two buttons have the key "{{key}}". Each button needs its own key.',
      'buttons.1.text: A button text is at most {{max}} characters.',
      'buttons.1.style: The button style must be 1, 2, 3 or 4.',
      'buttons.1.action: Each button either approves or rejects.',
    ]);
  });

  it('counts the title in characters, without its variables', () => {
    expect(messages({ ...good, title: '审'.repeat(36) })).toEqual([]);
    expect(messages({ ...good, title: '审'.repeat(37) })).toEqual(['title: The title is longer than WeCom allows ({{max}} characters).']);
    expect(messages({ ...good, title: `${'a'.repeat(30)}{{$context.data.a.very.long.variable.name}}` })).toEqual([]);
  });

  it('refuses off-site links', () => {
    for (const url of ['https://evil.example/x', '//evil.example', 'javascript:alert(1)', '/%2F%2Fevil.example']) {
      expect(messages({ ...good, url }, 'https://nocobase.example.com'), url).toEqual(['url: The link must lead to a page of this app (a path like /admin/…).']);
    }
    expect(messages({ ...good, url: 'https://nocobase.example.com/admin/x' }, 'https://nocobase.example.com')).toEqual([]);
    expect(messages({ ...good, url: '{{$context.data.link}}' }, 'https://nocobase.example.com')).toEqual([]);
  });

  it('needs an authenticator by name, assignees and a sane timeout', () => {
    expect(messages({ ...good, authenticator: '{{$env.A}}', assignees: [], timeout: -1 })).toEqual([
      'authenticator: The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.',
      'assignees: Choose at least one assignee.',
      'timeout: The timeout must be a whole number of seconds between 1 and {{max}}.',
    ]);
  });
});

describe('callback options', () => {
  it('takes a Token of 3 to 32 letters or digits and a 43-character key', () => {
    expect(isCallbackToken('abc')).toBe(true);
    expect(isCallbackToken('ab')).toBe(false);
    expect(isCallbackToken('a'.repeat(33))).toBe(false);
    expect(isCallbackToken('ab-c')).toBe(false);
    expect(isCallbackAESKey('a'.repeat(43))).toBe(true);
    expect(isCallbackAESKey('a'.repeat(42))).toBe(false);
  });

  it('wants both or neither', () => {
    expect(callbackOptionErrors({})).toEqual([]);
    expect(callbackOptionErrors({ callbackToken: 'abc', callbackEncodingAESKey: 'a'.repeat(43) })).toEqual([]);
    expect(callbackOptionErrors({ callbackToken: 'abc' }).map((e) => e.message)).toEqual(['Enter both the callback Token and the EncodingAESKey, or neither.']);
    expect(callbackOptionErrors({ callbackToken: 'a b', callbackEncodingAESKey: 'short' }).map((e) => e.field)).toEqual(['callbackToken', 'callbackEncodingAESKey']);
  });
});

it('cuts a filled-in text to WeCom’s length', () => {
  expect(cutToChars('abcdef', 4)).toBe('abc…');
  expect(cutToChars('abc', 4)).toBe('abc');
});
