// A WeCom group-robot message (消息推送 webhook [91770]) with WeCom's field names, and the one set of checks the
// server makes before sending and both clients' message forms make per field. Pure string work, no NocoBase.

/** The msgtypes the `wecom-robot` channel sends. */
export const ROBOT_MSGTYPES = ['text', 'markdown', 'news', 'template_card'] as const;
export type RobotMsgtype = (typeof ROBOT_MSGTYPES)[number];

/** WeCom's robot limits (wecom-facts-3 §4), in UTF-8 bytes unless said otherwise. */
export const ROBOT_LIMITS = {
  text: 2048,
  markdown: 4096,
  /** news: 1 to 8 articles */
  articles: 8,
  articleTitle: 128,
  articleDescription: 512,
  url: 2048,
  /** template_card lists (entries) */
  horizontalContent: 6,
  jumps: 3,
} as const;

/** What is wrong with a field: an English locale key with its parameters (`field` is a label, translated too). */
export interface RobotProblem {
  /** Dot path of the field in the message, e.g. `news.articles.2.title`. */
  path: string;
  message: string;
  params: Record<string, string | number>;
}

/** The message forms' labels (English locale keys) by field. */
const LABELS: Record<string, string> = {
  'text.content': 'Content',
  'markdown.content': 'Content',
  'news.articles': 'Articles',
  'news.articles.title': 'Article title',
  'news.articles.description': 'Article description',
  'news.articles.url': 'Article link',
  'news.articles.picurl': 'Picture address',
  'template_card.main_title.title': 'Title',
  'template_card.card_action.url': 'Link',
  'template_card.horizontal_content_list': 'Horizontal content',
  'template_card.jump_list': 'Jump links',
};

/** The label of a field path, list indexes left out (`news.articles.2.title` → 'Article title'). */
export const robotLabel = (path: string): string => LABELS[path.replace(/\.\d+(?=\.|$)/g, '')] ?? path;

export const bytesOf = (text: string): number => new TextEncoder().encode(text).length;

const problem = (path: string, message: string, params: Record<string, string | number> = {}): RobotProblem => ({
  path,
  message,
  params: { field: robotLabel(path), ...params },
});

const tooLong = (path: string, max: number) => problem(path, '{{field}} is longer than WeCom allows ({{max}} bytes).', { max });
const missing = (path: string) => problem(path, 'The message has no {{field}}.');

/** The byte limit of a text field of the robot message, by path (list indexes left out). */
export function robotByteLimit(path: string): number | undefined {
  switch (path.replace(/\.\d+(?=\.|$)/g, '')) {
    case 'text.content':
      return ROBOT_LIMITS.text;
    case 'markdown.content':
      return ROBOT_LIMITS.markdown;
    case 'news.articles.title':
      return ROBOT_LIMITS.articleTitle;
    case 'news.articles.description':
      return ROBOT_LIMITS.articleDescription;
    case 'news.articles.url':
    case 'news.articles.picurl':
    case 'template_card.card_action.url':
      return ROBOT_LIMITS.url;
    default:
      return undefined;
  }
}

/**
 * One field as the form shows it: required and within WeCom's byte limit. `required` says whether an empty
 * value is a problem. Whether a link leads into the app is a separate rule (message-links.ts).
 */
export function robotFieldProblem(path: string, value: unknown, required: boolean): RobotProblem | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  if (!text.trim()) return required ? missing(path) : undefined;
  const max = robotByteLimit(path);
  return max !== undefined && bytesOf(text) > max ? tooLong(path, max) : undefined;
}

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every problem of a robot message's own fields (not its mentions, not where its links lead), first one first.
 * The server refuses a message with any; the forms show the same texts next to the fields.
 */
export function robotMessageProblems(message: unknown): RobotProblem[] {
  const raw: Raw = isObject(message) ? message : {};
  const msgtype = raw.msgtype ?? 'text';
  const at = (path: string): unknown => path.split('.').reduce<unknown>((value, key) => (isObject(value) || Array.isArray(value) ? (value as Raw)[key] : undefined), raw);
  const fields = (paths: [string, boolean][]) =>
    paths.map(([path, required]) => robotFieldProblem(path, at(path), required)).filter((p): p is RobotProblem => p !== undefined);
  switch (msgtype) {
    case 'text':
      return fields([['text.content', true]]);
    case 'markdown':
      return fields([['markdown.content', true]]);
    case 'news': {
      const articles = at('news.articles');
      if (!Array.isArray(articles) || articles.length === 0 || articles.length > ROBOT_LIMITS.articles) {
        return [problem('news.articles', '{{field}}: from 1 to {{max}} entries.', { max: ROBOT_LIMITS.articles })];
      }
      return articles.flatMap((_, i) =>
        fields([
          [`news.articles.${i}.title`, true],
          [`news.articles.${i}.description`, false],
          [`news.articles.${i}.url`, true],
          [`news.articles.${i}.picurl`, false],
        ]),
      );
    }
    case 'template_card': {
      const card = at('template_card');
      if (!isObject(card)) return [missing('template_card.main_title.title')];
      if (card.card_type !== undefined && card.card_type !== 'text_notice') {
        return [problem('template_card', 'Only template cards of type text_notice can be sent.')];
      }
      const result = fields([['template_card.card_action.url', true]]);
      // text_notice needs a title or a sub-title text.
      const filled = (value: unknown) => (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
      if (!filled(at('template_card.main_title.title')) && !filled(at('template_card.sub_title_text'))) result.unshift(missing('template_card.main_title.title'));
      for (const [path, max] of [
        ['template_card.horizontal_content_list', ROBOT_LIMITS.horizontalContent],
        ['template_card.jump_list', ROBOT_LIMITS.jumps],
      ] as const) {
        const list = at(path);
        if (list !== undefined && list !== null && (!Array.isArray(list) || list.length > max || !list.every(isObject))) {
          result.push(problem(path, '{{field}} must be a list of at most {{max}} entries.', { max }));
        }
      }
      return result;
    }
    default:
      return [problem('msgtype', 'The message type must be text, markdown, news or template_card.')];
  }
}

/**
 * The `key` of a robot's webhook: the key itself, or taken from the whole webhook address an admin pasted
 * (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`). undefined when there is none to take.
 */
export function webhookKeyOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      return new URL(trimmed).searchParams.get('key')?.trim() || undefined;
    } catch (error) {
      return undefined; // not an address
    }
  }
  return trimmed || undefined;
}

/** WeCom's keys are UUIDs; any other plain token of letters, digits and dashes is let through to WeCom. */
export const isWebhookKey = (key: string): boolean => /^[A-Za-z0-9_-]{1,128}$/.test(key);
