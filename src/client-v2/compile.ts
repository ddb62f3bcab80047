/**
 * Texts the administrator wrote (title, tooltip), localized like NocoBase's schema texts: each t() template
 * (a quoted key in double braces) in the UI language, the rest as it is. The modern client gives plugins
 * no useCompile.
 */
export const compileText = (text: string, t: (key: string) => string) =>
  text.replace(/\{\{\s*t\(\s*(["'])((?:(?!\1).)+)\1\s*\)\s*\}\}/g, (_match, _quote, key: string) => t(key));
