// The message form's checks, as the server makes them (src/server/notification/message.ts, with the same links
// rule from src/shared/message-links.ts); both clients' message forms use them.
import type { TFunction } from 'react-i18next';
import { linkIntoApp, linksInMessage, undecidedByVariables, withoutVariables } from '../../shared/message-links';

export const bytesOf = (text: string): number => new TextEncoder().encode(text).length;

/**
 * The server's links rule for a link written in the form: `origin` is the channel's authenticator's Origin.
 * Without it (no channel chosen yet, or its authenticator cannot be read) an http(s) address is left to the
 * server. A link whose `{{variable}}` decides where it leads is checked once it is filled in, on the server.
 */
export function leadsIntoApp(value: string | undefined, origin: string | undefined): boolean {
  if (value === undefined) return false;
  if (undecidedByVariables(value)) return true;
  const link = withoutVariables(value);
  if (origin) return linkIntoApp(link, origin) !== undefined;
  if (linkIntoApp(link, 'http://origin.invalid')?.kind === 'path') return true;
  try {
    const url = new URL(link.trim());
    return /^https?:$/.test(url.protocol) && !url.username && !url.password;
  } catch (error) {
    return false; // not an address
  }
}

/** The links of a text or markdown content that do not lead into this app, as written. */
export function linksOffSite(content: string, msgtype: 'text' | 'markdown', origin: string | undefined): string[] {
  return linksInMessage(content, msgtype)
    .filter((link) => !leadsIntoApp(link.value, origin))
    .map((link) => link.raw);
}

/** The Origin of the authenticator a channel sends as, by channel name; undefined when it cannot be read. */
export type OriginOf = (channelName: unknown) => Promise<string | undefined>;

type Request = <T>(config: { url: string }) => Promise<{ data: T }>;

/** OriginOf over the admin's API client, each channel read once per form. */
export function channelOrigins(request: Request): OriginOf {
  const known = new Map<string, Promise<string | undefined>>();
  const read = async (channel: string) => {
    const { data: found } = await request<{ data?: { options?: { authenticator?: unknown } } }>({
      url: `notificationChannels:get?filterByTk=${encodeURIComponent(channel)}`,
    });
    const authenticator = found.data?.options?.authenticator;
    if (typeof authenticator !== 'string' || !authenticator) return undefined;
    const filter = encodeURIComponent(JSON.stringify({ name: authenticator }));
    const { data: rows } = await request<{ data?: { options?: { origin?: unknown } }[] }>({ url: `authenticators:list?paginate=false&filter=${filter}` });
    const origin = rows.data?.[0]?.options?.origin;
    return typeof origin === 'string' && origin ? origin.replace(/\/+$/, '') : undefined;
  };
  return (channelName) => {
    const channel = typeof channelName === 'string' ? channelName : (channelName as { value?: unknown } | null)?.value;
    if (typeof channel !== 'string' || !channel) return Promise.resolve(undefined);
    if (!known.has(channel)) known.set(channel, read(channel).catch(() => undefined));
    return known.get(channel)!;
  };
}

/** Plain text: React shows the message as text, and i18next would otherwise write an Origin as http:&#x2F;&#x2F;... */
const plain = { interpolation: { escapeValue: false } };

/** The validators of the message forms' fields: a localized message, or '' when the value is fine. */
export const maxBytes = (t: TFunction, max: number) => (value: unknown) =>
  typeof value === 'string' && bytesOf(value) > max ? t('At most {{max}} bytes (a Chinese character takes 3).', { max }) : '';

export const maxChars = (t: TFunction, max: number) => (value: unknown) =>
  typeof value === 'string' && [...value].length > max ? t('At most {{max}} characters.', { max }) : '';

/** A Link field: a path of this app or an address on the Origin (`origin()` gives the channel's). */
export const appLink = (t: TFunction, origin: () => Promise<string | undefined>) => async (value: unknown) => {
  if (typeof value !== 'string' || !value.trim()) return '';
  const at = await origin();
  if (leadsIntoApp(value, at)) return maxBytes(t, 2048)(value);
  return at ? t('A path of this app, like /admin/..., or an address on {{origin}}.', { origin: at, ...plain }) : t('A path of this app, like /admin/..., or an address on its Origin.');
};

/** The Content of a text or markdown message: its size, and every link in it into this app. */
export const contentLinks = (t: TFunction, msgtype: () => unknown, origin: () => Promise<string | undefined>) => async (value: unknown) => {
  const kind = msgtype();
  if (typeof value !== 'string' || (kind !== 'text' && kind !== 'markdown')) return '';
  const at = await origin();
  const [link] = linksOffSite(value, kind, at);
  if (link === undefined) return maxBytes(t, 2048)(value);
  const shown = [...link].length > 100 ? `${[...link].slice(0, 100).join('')}…` : link;
  return at
    ? t('The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on {{origin}}.', { link: shown, field: t('Content'), origin: at, ...plain })
    : t('The link {{link}} in {{field}} must be a path of this app (like /admin) or an address on its Origin.', { link: shown, field: t('Content'), ...plain });
};
