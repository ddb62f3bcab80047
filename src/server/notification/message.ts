// A notification message as the channel receives it (after NocoBase filled in the variables) becomes the
// body of WeCom's message/send [90236], or a reason naming what is wrong. Nothing is cut: WeCom would
// truncate a long text silently, the channel refuses it instead.
import { AppPages, pageInApp } from '../../shared/app-path';
import { AppLink, linkIntoApp, linksInMessage } from '../../shared/message-links';
import { LoginError, Reason } from '../common/errors';

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

/** The main app at the site's root: a path is the address's path as it is. */
const ROOT_PAGES: AppPages = { publicPath: '/', modern: 'v' };

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

const offSite = (field: string, origin: string): LoginError =>
  invalid('{{field}} must be a path of this app (like /admin) or an address on {{origin}}.', { field: label(field), origin });

/**
 * Links rule (linkIntoApp, shared with the message forms): a link in a message must lead into this app. A
 * path (`/admin/...`) is a page of the app, made absolute from the authenticator's Origin (in a sub-app:
 * `/apps/<name>/admin/...`, see pageInApp); an absolute address is accepted only on that Origin, as it is.
 */
export function appLink(value: string, origin: string, field: string, pages: AppPages = ROOT_PAGES): string {
  const link = linkIntoApp(value, origin);
  if (!link) throw offSite(field, origin);
  return absolute(link, origin, field, pages);
}

function absolute(link: AppLink, origin: string, field: string, pages: AppPages): string {
  const result = origin + (link.kind === 'path' ? pageInApp(link.path, pages) : link.path);
  if (bytes(result) > LIMITS.url) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: label(field), max: LIMITS.url });
  return result;
}

/** A link shown in a refusal: enough to find it in the message. */
const shown = (raw: string): string => ([...raw].length > 100 ? `${[...raw].slice(0, 100).join('')}…` : raw);

/**
 * The content of a `text` or `markdown` message with every link checked (linksInMessage): a link that does
 * not lead into this app refuses the message; a path in an `<a href>` or a markdown link becomes the
 * absolute address of the page; an address on the Origin and a bare address stay as written.
 */
function contentWithAppLinks(content: string, msgtype: 'text' | 'markdown', origin: string, pages: AppPages): string {
  let result = '';
  let from = 0;
  for (const found of linksInMessage(content, msgtype)) {
    const link = found.value === undefined ? undefined : linkIntoApp(found.value, origin);
    if (!link) {
      throw invalid('The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on {{origin}}.', {
        link: shown(found.raw),
        field: label('content'),
        origin,
      });
    }
    if (link.kind !== 'path' || found.place === 'bare') continue;
    const address = absolute(link, origin, 'content', pages);
    result += content.slice(from, found.start) + (found.place === 'html' ? address.replace(/&/g, '&amp;').replace(/"/g, '%22').replace(/'/g, '%27') : address);
    from = found.end;
  }
  return result + content.slice(from);
}

type Link = (value: string, field: string) => string;

/**
 * `message` as WeCom's message/send wants it; `defaultPath` is where a text card without a link leads;
 * `pages` where the app's pages are (the main app at the site's root unless said).
 */
export function toWecomMessage(message: unknown, context: { origin: string; defaultPath: string; pages?: AppPages }): WecomMessage {
  const raw: Raw = isObject(message) ? message : {};
  const pages = context.pages ?? ROOT_PAGES;
  const link: Link = (value, field) => appLink(value, context.origin, field, pages);
  const msgtype = raw.msgtype ?? 'text';
  if (typeof msgtype !== 'string' || !(MSGTYPES as readonly string[]).includes(msgtype)) {
    throw invalid('The message type must be text, textcard, markdown or template_card.');
  }
  switch (msgtype as Msgtype) {
    case 'text':
    case 'markdown': {
      const kind = msgtype as 'text' | 'markdown';
      // A path made absolute is longer than written: the limit holds for what is sent.
      const content = contentWithAppLinks(text(raw, 'content', LIMITS.content), kind, context.origin, pages);
      if (bytes(content) > LIMITS.content) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: label('content'), max: LIMITS.content });
      return { msgtype: kind, content: { content } };
    }
    case 'textcard': {
      const url = optional(raw.url) ? link(String(raw.url), 'url') : context.origin + pageInApp(context.defaultPath, pages);
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
