// The message form's checks, as the server makes them (src/server/notification/message.ts); both clients'
// message forms use them.
import type { TFunction } from 'react-i18next';

export const bytesOf = (text: string): number => new TextEncoder().encode(text).length;

/**
 * true when `value` cannot be a link into this app: a path (not `//host`) is fine, and so is an http(s)
 * address, which the server accepts only on the authenticator's Origin. A `{{variable}}` is checked
 * once it is filled in, on the server.
 */
export function linkProblem(value: string): boolean {
  const link = value.trim();
  if (link.includes('{{')) return false;
  if (link.startsWith('/')) return link.startsWith('//') || link.includes('\\');
  return !/^https?:\/\/[^/\\]/i.test(link);
}

/** The validators of the message forms' fields: a localized message, or '' when the value is fine. */
export const maxBytes = (t: TFunction, max: number) => (value: unknown) =>
  typeof value === 'string' && bytesOf(value) > max ? t('At most {{max}} bytes (a Chinese character takes 3).', { max }) : '';

export const maxChars = (t: TFunction, max: number) => (value: unknown) =>
  typeof value === 'string' && [...value].length > max ? t('At most {{max}} characters.', { max }) : '';

export const appLink = (t: TFunction) => (value: unknown) => {
  if (typeof value !== 'string' || !value.trim()) return '';
  return linkProblem(value) ? t('A path of this app, like /admin/..., or an address on its Origin.') : maxBytes(t, 2048)(value);
};
