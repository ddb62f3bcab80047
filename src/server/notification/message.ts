// A notification message as the channel receives it (after NocoBase filled in the variables) becomes the
// body of WeCom's message/send [90236], or a reason naming what is wrong. Nothing is cut: WeCom would
// truncate a long text silently, the channel refuses it instead.
import { LoginError, Reason } from '../common/errors';
import { LinkTarget, signedInContent, signedInLink } from '../common/signed-in-links';

export const MSGTYPES = ['text', 'textcard', 'markdown', 'template_card'] as const;
export type Msgtype = (typeof MSGTYPES)[number];

export interface WecomMessage {
  msgtype: Msgtype;
  /** The msgtype's object in message/send. */
  content: Record<string, unknown>;
}

/** WeCom's limits (wecom-facts-2 §1), in UTF-8 bytes unless said otherwise. */
export const LIMITS = {
  content: 2048,
  title: 128,
  description: 512,
  url: 2048,
  /** characters */
  btntxt: 4,
  taskId: 128,
  horizontalContent: 6,
  jumps: 3,
};

type Raw = Record<string, unknown>;

const invalid = (message: string, params?: Record<string, string | number>): LoginError =>
  new LoginError({ code: 'WECOM_MESSAGE_INVALID', status: 400, message, params } satisfies Reason);

export const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The labels of the message form's fields (English locale keys), by WeCom's names: a refusal names a field as
 * the person who wrote the message sees it.
 */
const LABELS: Record<string, string> = {
  content: 'Content',
  title: 'Title',
  description: 'Description',
  url: 'Link',
  btntxt: 'Button text',
  template_card: 'Template card (text notice)',
  'template_card.main_title.title': 'Title',
  'template_card.card_action.url': 'Link',
  'template_card.quote_area.url': 'Quote link',
  'template_card.jump_list': 'Jump links',
  'template_card.jump_list.url': 'Jump link',
  'template_card.horizontal_content_list': 'Horizontal content',
  'template_card.horizontal_content_list.url': 'Horizontal content link',
  'template_card.task_id': 'Task ID',
};

const label = (field: string): string => LABELS[field] ?? field;

type Link = (value: string, field: string) => string;

/**
 * `message` as WeCom's message/send wants it; `defaultPath` is where a text card without a link leads. Every
 * link must lead into the app (a path or an address on the authenticator's Origin); a link to a page becomes
 * its signed-in link (src/server/common/signed-in-links.ts), so that a tap in the WeCom client opens the page
 * signed in as the member who tapped.
 */
export function toWecomMessage(message: unknown, context: { target: LinkTarget; defaultPath: string }): WecomMessage {
  const raw: Raw = isObject(message) ? message : {};
  const { target } = context;
  const link: Link = (value, field) => signedInLink(value, target, label(field), LIMITS.url);
  const msgtype = raw.msgtype ?? 'text';
  if (typeof msgtype !== 'string' || !(MSGTYPES as readonly string[]).includes(msgtype)) {
    throw invalid('The message type must be text, textcard, markdown or template_card.');
  }
  switch (msgtype as Msgtype) {
    case 'text':
    case 'markdown': {
      const kind = msgtype as 'text' | 'markdown';
      // A link rewritten is longer than written: the limit holds for what is sent.
      const content = signedInContent(text(raw, 'content', LIMITS.content), kind, target, label('content'));
      if (bytes(content) > LIMITS.content) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: label('content'), max: LIMITS.content });
      return { msgtype: kind, content: { content } };
    }
    case 'textcard': {
      const url = link(optional(raw.url) ? String(raw.url) : context.defaultPath, 'url');
      const btntxt = optional(raw.btntxt) ? String(raw.btntxt).trim() : '';
      if ([...btntxt].length > LIMITS.btntxt) throw invalid('{{field}} is longer than WeCom allows ({{max}} characters).', { field: label('btntxt'), max: LIMITS.btntxt });
      return {
        msgtype: 'textcard',
        content: {
          title: text(raw, 'title', LIMITS.title),
          description: text(raw, 'description', LIMITS.description),
          url,
          ...(btntxt ? { btntxt } : {}),
        },
      };
    }
    case 'template_card':
      return { msgtype: 'template_card', content: textNotice(raw.template_card, link) };
  }
}

/** template_card, card_type text_notice: a title, a card action, links into this app. */
function textNotice(value: unknown, link: Link): Raw {
  if (!isObject(value)) throw invalid('The message has no {{field}}.', { field: label('template_card') });
  const card: Raw = { card_type: 'text_notice', ...value };
  if (card.card_type !== 'text_notice') throw invalid('Only template cards of type text_notice can be sent.');
  const main = isObject(card.main_title) ? card.main_title : {};
  if (!optional(main.title) && !optional(card.sub_title_text)) throw invalid('The message has no {{field}}.', { field: label('template_card.main_title.title') });
  const action: Raw = isObject(card.card_action) ? { ...card.card_action } : {};
  if (!action.type) action.type = optional(action.appid) ? 2 : 1;
  if (action.type === 1) {
    if (!optional(action.url)) throw invalid('The message has no {{field}}.', { field: label('template_card.card_action.url') });
    action.url = link(String(action.url), 'template_card.card_action.url');
  } else if (action.type !== 2 || !optional(action.appid)) {
    throw invalid('The message has no {{field}}.', { field: label('template_card.card_action.url') });
  }
  card.card_action = action;
  if (isObject(card.quote_area) && optional(card.quote_area.url)) {
    card.quote_area = { ...card.quote_area, url: link(String(card.quote_area.url), 'template_card.quote_area.url') };
  }
  card.jump_list = links(card.jump_list, LIMITS.jumps, link, 'template_card.jump_list');
  card.horizontal_content_list = links(card.horizontal_content_list, LIMITS.horizontalContent, link, 'template_card.horizontal_content_list');
  if (card.jump_list === undefined) delete card.jump_list;
  if (card.horizontal_content_list === undefined) delete card.horizontal_content_list;
  if (isObject(card.action_menu) && typeof card.task_id === 'string' && bytes(card.task_id) > LIMITS.taskId) {
    throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: label('template_card.task_id'), max: LIMITS.taskId });
  }
  return card;
}

/** jump_list / horizontal_content_list: at most `max` entries, each link into this app. */
function links(value: unknown, max: number, link: Link, field: string): Raw[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > max || !value.every(isObject)) {
    throw invalid('{{field}} must be a list of at most {{max}} entries.', { field: label(field), max });
  }
  return value.map((entry: Raw) => (optional(entry.url) ? { ...entry, url: link(String(entry.url), `${field}.url`) } : entry));
}

function text(raw: Raw, field: string, max: number): string {
  const value = raw[field];
  if (typeof value !== 'string' && typeof value !== 'number') throw invalid('The message has no {{field}}.', { field: label(field) });
  const result = String(value);
  if (!result.trim()) throw invalid('The message has no {{field}}.', { field: label(field) });
  if (bytes(result) > max) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: label(field), max });
  return result;
}

function optional(value: unknown): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
