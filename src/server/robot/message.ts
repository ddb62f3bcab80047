// A robot message as the channel receives it (NocoBase filled in the variables) becomes the body of the webhook
// [91770], or a reason naming what is wrong: the checks of src/shared/robot-message.ts (the forms make the same),
// then the links (into this app and signed in, with an authenticator; any http(s) address without one).
import { ROBOT_LIMITS, RobotMsgtype, robotLabel, robotMessageProblems, bytesOf } from '../../shared/robot-message';
import { LoginError } from '../common/errors';
import { linksInMessage } from '../../shared/message-links';
import { LinkTarget, signedInContent, signedInLink } from '../common/signed-in-links';

type Raw = Record<string, unknown>;

export interface RobotMessage {
  msgtype: RobotMsgtype;
  /** The msgtype's object of the webhook body, before mentions. */
  content: Raw;
  /** The explicit "@all" option. */
  mentionAll: boolean;
}

const invalid = (message: string, params: Record<string, string | number> = {}) =>
  new LoginError({ code: 'WECOM_MESSAGE_INVALID', status: 400, message, params });

const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `target`: where links lead when the channel has an authenticator; without one links are left as written, if http(s). */
export function toRobotMessage(message: unknown, target: LinkTarget | undefined): RobotMessage {
  const raw: Raw = isObject(message) ? message : {};
  const [problem] = robotMessageProblems(raw);
  if (problem) throw invalid(problem.message, problem.params);
  const msgtype = (raw.msgtype ?? 'text') as RobotMsgtype;
  const mentionAll = raw.mentionAll === true;
  if (mentionAll && msgtype !== 'text') throw invalid('Mentioning everyone (@all) works with text messages only.');
  const link = (value: unknown, path: string) => linkOf(String(value), path, target);
  switch (msgtype) {
    case 'text':
    case 'markdown': {
      const written = String((raw[msgtype] as Raw).content);
      const content = target ? signedInContent(written, msgtype, target, 'Content') : withWebLinks(written, msgtype);
      const max = ROBOT_LIMITS[msgtype];
      // A path made absolute is longer than written: the limit holds for what is sent.
      if (bytesOf(content) > max) throw invalid('{{field}} is longer than WeCom allows ({{max}} bytes).', { field: 'Content', max });
      return { msgtype, content: { content }, mentionAll };
    }
    case 'news': {
      const articles = ((raw.news as Raw).articles as Raw[]).map((article, i) => ({
        title: String(article.title),
        ...(filled(article.description) ? { description: String(article.description) } : {}),
        url: link(article.url, `news.articles.${i}.url`),
        ...(filled(article.picurl) ? { picurl: link(article.picurl, `news.articles.${i}.picurl`) } : {}),
      }));
      return { msgtype, content: { articles }, mentionAll };
    }
    case 'template_card': {
      const card: Raw = { ...(raw.template_card as Raw), card_type: 'text_notice' };
      card.card_action = { ...(card.card_action as Raw), type: 1, url: link((card.card_action as Raw).url, 'template_card.card_action.url') };
      for (const list of ['jump_list', 'horizontal_content_list'] as const) {
        if (!Array.isArray(card[list])) {
          delete card[list];
          continue;
        }
        card[list] = (card[list] as Raw[]).map((entry, i) => (filled(entry.url) ? { ...entry, url: link(entry.url, `template_card.${list}.${i}.url`) } : entry));
      }
      return { msgtype, content: card, mentionAll };
    }
  }
}

/** A link field: into this app (signed in) with an authenticator, an http(s) address without one. */
function linkOf(value: string, path: string, target: LinkTarget | undefined): string {
  const field = robotLabel(path);
  if (target) return signedInLink(value, target, field, ROBOT_LIMITS.url);
  if (!isWebAddress(value)) {
    throw invalid('{{field}} must be an http(s) address. Choose a WeCom authenticator for the channel to link to pages of this app by their path.', { field });
  }
  return value.trim();
}

/**
 * Without an authenticator there is no Origin to tell this app's pages by: the links of a text or markdown
 * content (linksInMessage, as the WeCom client reads them) must be http(s) addresses; `javascript:` and the like
 * refuse the message.
 */
function withWebLinks(content: string, msgtype: 'text' | 'markdown'): string {
  for (const link of linksInMessage(content, msgtype)) {
    if (link.value === undefined || !isWebAddress(link.value)) {
      throw invalid('The link {{link}} in {{field}} must be an http(s) address. Choose a WeCom authenticator for the channel to link to pages of this app by their path.', {
        link: [...link.raw].length > 100 ? `${[...link.raw].slice(0, 100).join('')}…` : link.raw,
        field: 'Content',
      });
    }
  }
  return content;
}

function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return /^https?:$/.test(url.protocol) && !url.username && !url.password;
  } catch (error) {
    return false; // not an address
  }
}

function filled(value: unknown): boolean {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}
