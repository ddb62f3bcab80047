// Shared by the server (start URL, options) and the client (after sign-in): a return path is only ever
// a path on this site. Anything else falls back to the configured default.
const UNSAFE = /[\\\u0000-\u001f\u007f]/;
const BASE = 'http://app.invalid';

/** `input` as a same-origin path (path, query, fragment), or undefined when it could leave the site. */
export function safeRedirectPath(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > 2048) return undefined;
  if (!input.startsWith('/') || input.startsWith('//') || UNSAFE.test(input)) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(input);
  } catch (error) {
    return undefined; // a malformed escape is not a path we produced
  }
  // `/%2F%2Fevil.example` and `/%5Cevil.example` become protocol-relative once a router decodes them.
  if (decoded.startsWith('//') || UNSAFE.test(decoded)) return undefined;
  const url = new URL(input, BASE);
  // `/admin/../..//evil.example` normalizes to `//evil.example`.
  if (url.origin !== BASE || url.pathname.startsWith('//')) return undefined;
  return url.pathname + url.search + url.hash;
}
