// Links in a notification message, the one rule for the server (before a message is sent) and both clients'
// message forms: a link leads into this app (a path, or an address on the authenticator's Origin), nothing
// else. A notification from the company's app is trusted by the people who receive it, and its text may come
// from workflow variables. Pure string work, no NocoBase.
import { safeRedirectPath } from './redirect';

/** Where a link leads in the app: a path (made absolute from the Origin when sent), or an address on the Origin. */
export interface AppLink {
  kind: 'path' | 'address';
  /** path, query and fragment */
  path: string;
}

/**
 * Where `value` leads in this app, or undefined when it leads elsewhere: another site, `//host`, `javascript:`,
 * `mailto:`, credentials in the address, `/\host`, `/%2F%2Fhost`. An address counts only on `origin` itself.
 */
export function linkIntoApp(value: string, origin: string): AppLink | undefined {
  const trimmed = value.trim();
  const path = safeRedirectPath(trimmed);
  if (path) return { kind: 'path', path };
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch (error) {
    return undefined; // not an address: refused like any other
  }
  if (url.origin !== origin || url.username || url.password) return undefined;
  const onOrigin = safeRedirectPath(url.pathname + url.search + url.hash);
  return onOrigin ? { kind: 'address', path: onOrigin } : undefined;
}

/** A link found in a text or markdown message. */
export interface MessageLink {
  /** What the client opens (character references and markdown escapes decoded); undefined when that cannot be told. */
  value: string | undefined;
  /** The link as written, `content.slice(start, end)`. */
  raw: string;
  start: number;
  end: number;
  /**
   * Where it is: `target` is the address of an `<a href>` (any tag's href or src), a markdown link, image,
   * autolink or reference definition (a path there is made absolute when sent); `bare` an address in the
   * text that the WeCom client turns into a link by itself (`scheme://...`, `www.`): checked, kept as written.
   */
  place: 'html' | 'markdown' | 'bare';
}

/**
 * Every link of a `text` or `markdown` message. WeCom's text messages take `<a href="...">` and the client
 * links bare addresses; markdown adds `[text](url)`, `![alt](url)`, `<scheme:...>` and `[id]: url`. HTML tags
 * are read in markdown too. Bare addresses are looked for everywhere outside the targets found (a title,
 * a link's text), so what reads as an address is checked wherever it is.
 */
export function linksInMessage(content: string, msgtype: 'text' | 'markdown'): MessageLink[] {
  const targets = [...htmlTargets(content), ...(msgtype === 'markdown' ? markdownTargets(content) : [])];
  targets.sort((a, b) => a.start - b.start);
  const kept: MessageLink[] = [];
  for (const link of targets) if (!kept.some((other) => link.start < other.end && other.start < link.end)) kept.push(link);
  let masked = content;
  for (const link of kept) masked = masked.slice(0, link.start) + ' '.repeat(link.end - link.start) + masked.slice(link.end);
  return [...kept, ...bareAddresses(content, masked)].sort((a, b) => a.start - b.start);
}

/**
 * The links of a message written in a form, with `{{variables}}` not filled in yet: a link is decided when
 * what comes before its first variable already says where it leads (a path, a scheme other than http(s), an
 * address whose host is written out); otherwise it is left to the server, which checks the filled-in message.
 */
export function undecidedByVariables(raw: string): boolean {
  const at = raw.indexOf('{{');
  if (at < 0) return false;
  const before = raw.slice(0, at).trim();
  if (!before) return true;
  if (before.startsWith('/')) return before === '/';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(before);
  if (scheme && !/^https?$/i.test(scheme[1])) return false;
  return !/^https?:\/\/[^/?#]+[/?#]/i.test(before);
}

/** A variable stands for some text: `/admin/{{id}}` is judged as `/admin/x`. */
export const withoutVariables = (value: string): string => value.replace(/\{\{[^}]*\}\}/g, 'x');

const TAG = /<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])/g;
// HTML's own reading: a name is anything up to a space, `/`, `>` or `=`; an unquoted value anything up to a space or `>`.
const ATTRIBUTE = /[\s/]*([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;
const LINK_ATTRIBUTES = new Set(['href', 'src', 'xlink:href', 'action', 'formaction', 'data', 'poster', 'background']);

function htmlTargets(content: string): MessageLink[] {
  const links: MessageLink[] = [];
  for (const tag of content.matchAll(TAG)) {
    ATTRIBUTE.lastIndex = tag.index! + tag[0].length;
    for (;;) {
      const at = ATTRIBUTE.lastIndex;
      if (/^[\s/]*(>|$)/.test(content.slice(at, at + 200))) break;
      const attribute = ATTRIBUTE.exec(content);
      if (!attribute || attribute[0].length === 0) break;
      const raw = attribute[2] ?? attribute[3] ?? attribute[4];
      if (raw === undefined || !LINK_ATTRIBUTES.has(attribute[1].toLowerCase())) continue;
      const end = attribute.index + attribute[0].length - (attribute[4] === undefined ? 1 : 0);
      links.push({ value: decodeReferences(raw), raw, start: end - raw.length, end, place: 'html' });
    }
  }
  return links;
}

function markdownTargets(content: string): MessageLink[] {
  const links: MessageLink[] = [];
  const add = (start: number, raw: string) => links.push({ value: decodeMarkdown(raw), raw, start, end: start + raw.length, place: 'markdown' });
  // [text](dest "title"), ![alt](dest): the destination, `<...>` or a run without spaces with balanced parentheses.
  for (const open of content.matchAll(/\]\(/g)) {
    let at = open.index! + 2;
    const space = /^[ \t]*\n?[ \t]*/.exec(content.slice(at))!;
    at += space[0].length;
    if (content[at] === '<') {
      const close = /^<((?:[^<>\n\\]|\\.)*)>/.exec(content.slice(at));
      if (close) add(at + 1, close[1]);
      continue;
    }
    let end = at;
    let depth = 0;
    while (end < content.length && !/[\s\u0000-\u001f]/.test(content[end])) {
      const c = content[end];
      if (c === '\\' && end + 1 < content.length) {
        end += 2;
        continue;
      }
      if (c === '(') depth += 1;
      if (c === ')' && depth-- === 0) break;
      end += 1;
    }
    if (end > at) add(at, content.slice(at, end));
  }
  // <scheme:...> autolinks (CommonMark links any scheme, javascript: included).
  for (const auto of content.matchAll(/<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/g)) add(auto.index! + 1, auto[1]);
  // [id]: dest reference definitions.
  for (const definition of content.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*\n?[ \t]*(<[^>\n]*>|\S+)/gm)) {
    const dest = definition[1];
    const start = definition.index! + definition[0].length - dest.length;
    if (dest.startsWith('<')) add(start + 1, dest.slice(1, -1));
    else add(start, dest);
  }
  return links;
}

/** Punctuation that ends a sentence rather than an address. */
const TRAILING = /[.,;:!?'")>。，；：！？、）」』】]+$/;

function bareAddresses(content: string, masked: string): MessageLink[] {
  const links: MessageLink[] = [];
  // An address ends at a space, a quote, an angle bracket or a square bracket (`[https://a.example](/b)`).
  for (const match of masked.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s<>"'`[\]]*|(?<![\w.@/-])www\.[^\s<>"'`[\]]+/gi)) {
    const raw = match[0].replace(TRAILING, '');
    if (!raw) continue;
    const start = match.index!;
    // `www.host` is opened as an https address.
    const value = /^www\./i.test(raw) ? `https://${raw}` : raw;
    links.push({ value: decodeReferences(value), raw: content.slice(start, start + raw.length), start, end: start + raw.length, place: 'bare' });
  }
  return links;
}

/** The characters a renderer may decode in an address; an unknown `&name;` leaves the address undecided. */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", sol: '/', bsol: '\\', colon: ':', period: '.', Tab: '\t',
  NewLine: '\n', nbsp: '\u00a0', lpar: '(', rpar: ')', quest: '?', num: '#', percnt: '%', commat: '@', equals: '=',
  excl: '!', plus: '+', comma: ',', semi: ';', dollar: '$', lowbar: '_', hyphen: '-', ast: '*', midast: '*',
};

function decodeReferences(text: string): string | undefined {
  let unknown = false;
  const decoded = text.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z][A-Za-z0-9]{1,31})(;?)/g, (whole, name: string, semicolon: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
      unknown = true;
      return whole;
    }
    if (!semicolon) return whole; // `?a=1&b=2`
    if (name in NAMED) return NAMED[name];
    unknown = true;
    return whole;
  });
  return unknown ? undefined : decoded;
}

function decodeMarkdown(text: string): string | undefined {
  return decodeReferences(text.replace(/\\([!-/:-@[-`{-~])/g, '$1'));
}
