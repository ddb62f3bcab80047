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
