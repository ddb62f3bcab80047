// The flat XML of WeCom's callbacks: `<xml><Name><![CDATA[value]]></Name><CreateTime>1</CreateTime>…</xml>`.
// A small exact reader instead of an XML library: no DOCTYPE, entities or nesting are accepted.

export class CallbackXmlError extends Error {
  constructor(message: string) {
    super(`malformed callback XML: ${message}`);
    this.name = 'CallbackXmlError';
  }
}

const ROOT = /^\s*(?:<\?xml[^<>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/;
// A CDATA section may not run past its own `]]>`: with a lazy `[\s\S]*?` a run of sections without the
// closing tag has exponentially many splits, and one small anonymous request would block the process.
const ELEMENT = /\s*(?:<([A-Za-z_][A-Za-z0-9_]*)\s*\/>|<([A-Za-z_][A-Za-z0-9_]*)>((?:<!\[CDATA\[(?:(?!\]\]>)[\s\S])*\]\]>)+|[^<]*)<\/\2>)/y;
const CDATA = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function text(raw: string): string {
  if (raw.startsWith('<![CDATA[')) return [...raw.matchAll(CDATA)].map((m) => m[1]).join('');
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) throw new CallbackXmlError(`bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[name];
    if (value === undefined) throw new CallbackXmlError(`unknown entity ${whole}`);
    return value;
  });
}

/** The children of `<xml>` by name (the first of a repeated name wins). */
export function parseCallbackXml(xml: string, maxLength = 64 * 1024): Record<string, string> {
  if (typeof xml !== 'string' || xml.length === 0) throw new CallbackXmlError('empty');
  if (xml.length > maxLength) throw new CallbackXmlError('too large');
  const root = ROOT.exec(xml);
  if (!root) throw new CallbackXmlError('no <xml> root');
  const body = root[1];
  const fields: Record<string, string> = {};
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < body.length) {
    if (/^\s*$/.test(body.slice(ELEMENT.lastIndex))) break;
    const at = ELEMENT.lastIndex;
    const match = ELEMENT.exec(body);
    if (!match) throw new CallbackXmlError(`unexpected content at ${at}`);
    const name = match[1] ?? match[2];
    if (!(name in fields)) fields[name] = match[1] ? '' : text(match[3]);
  }
  return fields;
}
