// The robot message's checks (src/shared/robot-message.ts): the server refuses with them, the forms show them.
import { describe, expect, it } from 'vitest';
import { isWebhookKey, robotFieldProblem, robotMessageProblems, webhookKeyOf } from '../../src/shared/robot-message';

describe('webhookKeyOf', () => {
  it('takes the key from a whole webhook address, or the key as it is', () => {
    expect(webhookKeyOf(' https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa ')).toBe('693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa');
    expect(webhookKeyOf('693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa')).toBe('693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa');
  });

  it('finds none in an address without a key, or in nothing', () => {
    expect(webhookKeyOf('https://qyapi.weixin.qq.com/cgi-bin/webhook/send')).toBeUndefined();
    expect(webhookKeyOf('   ')).toBeUndefined();
    expect(webhookKeyOf(42)).toBeUndefined();
  });

  it('accepts letters, digits, dashes and underscores only as a key', () => {
    expect(isWebhookKey('693a91f6-7abc_x')).toBe(true);
    expect(isWebhookKey('a b')).toBe(false);
    expect(isWebhookKey('a&b=c')).toBe(false);
  });
});

describe('robot message checks', () => {
  it('counts bytes, not characters: 682 Chinese characters fit a text, 683 do not', () => {
    expect(robotFieldProblem('text.content', '中'.repeat(682), true)).toBeUndefined();
    expect(robotFieldProblem('text.content', '中'.repeat(683), true)).toEqual({
      path: 'text.content',
      message: '{{field}} is longer than WeCom allows ({{max}} bytes).',
      params: { field: 'Content', max: 2048 },
    });
  });

  it('allows 4,096 bytes of markdown', () => {
    expect(robotMessageProblems({ msgtype: 'markdown', markdown: { content: 'a'.repeat(4096) } })).toEqual([]);
    expect(robotMessageProblems({ msgtype: 'markdown', markdown: { content: 'a'.repeat(4097) } })[0].params).toEqual({ field: 'Content', max: 4096 });
  });

  it('takes 1 to 8 news articles, each with a title of at most 128 bytes and a link', () => {
    const article = { title: 'T', url: '/admin' };
    expect(robotMessageProblems({ msgtype: 'news', news: { articles: Array(8).fill(article) } })).toEqual([]);
    expect(robotMessageProblems({ msgtype: 'news', news: { articles: Array(9).fill(article) } })[0].message).toBe('{{field}}: from 1 to {{max}} entries.');
    expect(robotMessageProblems({ msgtype: 'news', news: { articles: [] } })[0].params).toEqual({ field: 'Articles', max: 8 });
    expect(robotMessageProblems({ msgtype: 'news', news: { articles: [{ title: 'x'.repeat(129), url: '/a' }, { title: 'ok' }] } }).map((p) => p.path)).toEqual([
      'news.articles.0.title',
      'news.articles.1.url',
    ]);
  });

  it('wants a text_notice card with a title (or sub-title text) and a link', () => {
    expect(robotMessageProblems({ msgtype: 'template_card', template_card: { sub_title_text: 'Body', card_action: { url: '/admin' } } })).toEqual([]);
    expect(robotMessageProblems({ msgtype: 'template_card', template_card: { card_action: { url: '/admin' } } }).map((p) => p.path)).toEqual(['template_card.main_title.title']);
    expect(robotMessageProblems({ msgtype: 'template_card', template_card: { card_type: 'button_interaction' } })[0].message).toBe('Only template cards of type text_notice can be sent.');
  });

  it('refuses an unknown message type', () => {
    expect(robotMessageProblems({ msgtype: 'image' })[0].message).toBe('The message type must be text, markdown, news or template_card.');
  });
});
