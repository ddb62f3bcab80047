// The WeCom card workflow node (`wecom-card`): its configuration and the one set of checks shared by the server
// (on save and before sending) and both clients' node forms. WeCom's limits are those of message/send's
// `template_card` of type `button_interaction` [90236]; lengths WeCom gives in characters are counted in
// characters, keys in bytes. Pure string work, no NocoBase.
import { linkIntoApp, undecidedByVariables, withoutVariables } from './message-links';

/** The workflow instruction type. */
export const CARD_INSTRUCTION = 'wecom-card';

export type CardAction = 'approve' | 'reject';

export interface CardButton {
  /** What WeCom returns as EventKey when the button is tapped. */
  key: string;
  text: string;
  /** WeCom's button style 1–4 (1 when absent). */
  style?: number;
  action: CardAction;
}

/** 0: the first decision decides; 1: everyone must approve, one reject rejects. */
export type CardMode = 0 | 1;

export interface CardConfig {
  /** The WeCom authenticator (by name) whose app sends the card and receives the clicks. */
  authenticator: string;
  /** User ids or variables, like the manual node's assignees. */
  assignees: unknown[];
  mode: CardMode;
  title: string;
  description?: string;
  /** A page of this app (a path, or an address on the authenticator's Origin). */
  url?: string;
  buttons: CardButton[];
  /** Seconds; absent or 0: no timeout. */
  timeout?: number;
}

/** WeCom's limits for the fields the card uses (wecom-facts-3 §1). */
export const CARD_LIMITS = {
  minButtons: 1,
  maxButtons: 6,
  /** button_list[].text: characters */
  buttonText: 10,
  /** button_list[].key: bytes (WeCom allows 1024; the card keeps keys short and plain) */
  buttonKey: 64,
  /** main_title.title: characters */
  title: 36,
  /** sub_title_text: characters */
  description: 160,
  /** card_action.url: bytes */
  url: 2048,
  /** a single message/send reaches at most 1,000 userids */
  maxAssignees: 1000,
  /** seconds: up to 30 days (WeCom's response_code lasts 72 h; a later decision still resumes the job) */
  maxTimeout: 30 * 24 * 3600,
} as const;

/** Button keys: what a form offers and the EventKey WeCom echoes. */
const KEY_PATTERN = /^[A-Za-z0-9_-]+$/;

/** One refusal: the field (dot path), a locale key of the `auth-wecom` namespace and its values. */
export interface CardConfigError {
  field: string;
  message: string;
  values?: Record<string, string | number>;
}

const chars = (text: string): number => [...text].length;
export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What is wrong with a card node's configuration, in order of the form's fields; empty when nothing.
 * `origin`: the chosen authenticator's Origin when known (a full address must be on it); without it only
 * paths and addresses cannot be told apart, so an address is left to the server.
 * Texts may hold `{{variables}}`: their length is judged without them (the filled-in text is cut to WeCom's
 * limit when sent).
 */
export function cardConfigErrors(input: unknown, options: { origin?: string } = {}): CardConfigError[] {
  const errors: CardConfigError[] = [];
  const config = isObject(input) ? input : {};
  const add = (field: string, message: string, values?: Record<string, string | number>) => errors.push({ field, message, values });

  if (typeof config.authenticator !== 'string' || !config.authenticator.trim()) add('authenticator', 'Choose the WeCom authenticator that sends the card.');
  else if (config.authenticator.includes('{{')) add('authenticator', 'The authenticator is chosen by its name, which cannot be a variable. Choose a WeCom authenticator.');

  if (!Array.isArray(config.assignees) || config.assignees.filter((a) => a !== null && a !== '' && a !== undefined).length === 0) {
    add('assignees', 'Choose at least one assignee.');
  }
  if (config.mode !== undefined && config.mode !== 0 && config.mode !== 1) add('mode', 'The mode must be "any one decides" or "everyone must approve".');

  const title = typeof config.title === 'string' ? config.title : '';
  if (!title.trim()) add('title', 'The card needs a title.');
  else if (chars(withoutVariables(title)) > CARD_LIMITS.title) add('title', 'The title is longer than WeCom allows ({{max}} characters).', { max: CARD_LIMITS.title });

  if (config.description !== undefined && config.description !== null && config.description !== '') {
    if (typeof config.description !== 'string') add('description', 'The description must be text.');
    else if (chars(withoutVariables(config.description)) > CARD_LIMITS.description) {
      add('description', 'The description is longer than WeCom allows ({{max}} characters).', { max: CARD_LIMITS.description });
    }
  }

  if (config.url !== undefined && config.url !== null && config.url !== '') {
    const url = config.url;
    if (typeof url !== 'string') add('url', 'The link must lead to a page of this app (a path like /admin/…).');
    else if (utf8Bytes(url) > CARD_LIMITS.url) add('url', 'The link is longer than WeCom allows ({{max}} bytes).', { max: CARD_LIMITS.url });
    else if (!linkIsInApp(url, options.origin)) add('url', 'The link must lead to a page of this app (a path like /admin/…).');
  }

  const buttons = config.buttons;
  if (!Array.isArray(buttons) || buttons.length < CARD_LIMITS.minButtons || buttons.length > CARD_LIMITS.maxButtons) {
    add('buttons', 'A card has 1 to 6 buttons.');
  } else {
    const seen = new Set<string>();
    buttons.forEach((raw, i) => {
      const button = isObject(raw) ? raw : {};
      const at = `buttons.${i}`;
      const key = typeof button.key === 'string' ? button.key : '';
      if (!key || !KEY_PATTERN.test(key) || utf8Bytes(key) > CARD_LIMITS.buttonKey) {
        add(`${at}.key`, 'A button key is 1 to {{max}} letters, digits, - or _.', { max: CARD_LIMITS.buttonKey });
      } else if (seen.has(key)) add(`${at}.key`, 'Two buttons have the key "{{key}}". Each button needs its own key.', { key });
      seen.add(key);
      const text = typeof button.text === 'string' ? button.text : '';
      if (!text.trim()) add(`${at}.text`, 'Each button needs a text.');
      else if (chars(text) > CARD_LIMITS.buttonText) add(`${at}.text`, 'A button text is at most {{max}} characters.', { max: CARD_LIMITS.buttonText });
      if (button.style !== undefined && button.style !== null && !(Number.isInteger(button.style) && (button.style as number) >= 1 && (button.style as number) <= 4)) {
        add(`${at}.style`, 'The button style must be 1, 2, 3 or 4.');
      }
      if (button.action !== 'approve' && button.action !== 'reject') add(`${at}.action`, 'Each button either approves or rejects.');
    });
  }

  if (config.timeout !== undefined && config.timeout !== null && config.timeout !== '' && config.timeout !== 0) {
    const timeout = config.timeout;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > CARD_LIMITS.maxTimeout) {
      add('timeout', 'The timeout must be a whole number of seconds between 1 and {{max}}.', { max: CARD_LIMITS.maxTimeout });
    }
  }
  return errors;
}

/**
 * Whether a link written in the form leads into this app: a path, or an address on `origin`. A link whose
 * destination depends on a variable is judged by what comes before it (message-links.ts) and otherwise left to
 * the check of the filled-in link when the card is sent.
 */
function linkIsInApp(url: string, origin: string | undefined): boolean {
  if (undecidedByVariables(url)) return true;
  const judged = withoutVariables(url).trim();
  if (origin) return linkIntoApp(judged, origin) !== undefined;
  // Without the Origin an address cannot be judged here; a path can.
  if (/^https?:\/\//i.test(judged)) return true;
  return linkIntoApp(judged, 'http://origin.invalid') !== undefined;
}

/** The text cut to `max` characters, as sent when a filled-in variable makes it longer than WeCom allows. */
export function cutToChars(text: string, max: number): string {
  const all = [...text];
  return all.length <= max ? text : `${all.slice(0, max - 1).join('')}…`;
}

// --- The authenticator's receive-message callback (the app's API接收消息) ---

/** Authenticator options: the Token and EncodingAESKey of the app's receive-message callback (write-only). */
export const CALLBACK_TOKEN = 'callbackToken';
export const CALLBACK_AES_KEY = 'callbackEncodingAESKey';

/** WeCom's console accepts a Token of up to 32 letters and digits; 3 is its own generator's floor. */
export const isCallbackToken = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9]{3,32}$/.test(value);
/** 43 characters of base64 without its `=` (WeCom's console generates letters and digits only). */
export const isCallbackAESKey = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9+/]{43}$/.test(value);

export const CALLBACK_TOKEN_ERROR = 'The callback Token must be 3 to 32 letters or digits.';
export const CALLBACK_AES_KEY_ERROR = 'The callback EncodingAESKey must be 43 letters or digits.';
export const CALLBACK_PAIR_ERROR = 'Enter both the callback Token and the EncodingAESKey, or neither.';

/**
 * What is wrong with an authenticator's callback settings as they will be stored (empty values count as
 * absent). `{{$env.X}}` references are checked where they are used.
 */
export function callbackOptionErrors(options: unknown): CardConfigError[] {
  const raw = isObject(options) ? options : {};
  const token = raw[CALLBACK_TOKEN];
  const key = raw[CALLBACK_AES_KEY];
  const given = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  const isEnv = (value: unknown) => typeof value === 'string' && /^\s*\{\{\s*\$env\.[A-Za-z0-9_]+\s*\}\}\s*$/.test(value);
  const errors: CardConfigError[] = [];
  if (given(token) && !isEnv(token) && !isCallbackToken(token)) errors.push({ field: CALLBACK_TOKEN, message: CALLBACK_TOKEN_ERROR });
  if (given(key) && !isEnv(key) && !isCallbackAESKey(key)) errors.push({ field: CALLBACK_AES_KEY, message: CALLBACK_AES_KEY_ERROR });
  if (given(token) !== given(key)) errors.push({ field: given(token) ? CALLBACK_AES_KEY : CALLBACK_TOKEN, message: CALLBACK_PAIR_ERROR });
  return errors;
}

/** The path of the app's receive-message callback, relative to the API base (`/api/`). */
export const appCallbackPath = (authenticator: string): string => `wecom:appCallback?authenticator=${encodeURIComponent(authenticator)}`;
