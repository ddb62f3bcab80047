/**
 * A phone number as digits only, for comparison: full-width digits folded, spaces, dashes, dots and
 * brackets dropped, and the Chinese country code removed from an 11-digit mainland number
 * (`+86 138-0000-0000` and `１３８００００００００` both give `13800000000`).
 */
export function normalizePhone(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const folded = input.replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\uff0b/g, '+');
  const compact = folded.replace(/[\s\-().\u00a0]/g, '');
  if (!/^\+?\d+$/.test(compact)) return undefined;
  let digits = compact.replace(/^\+/, '');
  if (/^(0086|86)1\d{10}$/.test(digits)) digits = digits.replace(/^(0086|86)/, '');
  // Too short to identify anyone: never match on it.
  return digits.length >= 6 ? digits : undefined;
}

/**
 * What a database query removes or folds in a stored phone (nested REPLACE, the same on SQLite, PostgreSQL
 * and MySQL) so that it can be compared with a normalized number: normalizePhone's folding, as SQL can do it.
 */
export const PHONE_FOLDS: readonly (readonly [string, string])[] = [
  ...Array.from({ length: 10 }, (_, d) => [String.fromCharCode(0xff10 + d), String(d)] as const),
  ...['\uff0b', '+', ' ', '\u00a0', '\u3000', '\t', '-', '.', '(', ')'].map((c) => [c, ''] as const),
];

/** The folded stored phones that may normalize to `mobile` (a normalizePhone result): with or without 86 / 0086. */
export function storedPhoneForms(mobile: string): string[] {
  return /^1\d{10}$/.test(mobile) ? [mobile, `86${mobile}`, `0086${mobile}`] : [mobile];
}
