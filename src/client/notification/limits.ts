// The message form's checks, as the server makes them (src/server/notification/message.ts).
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
