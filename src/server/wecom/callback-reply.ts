// A passive reply to a callback [90241]: the answer's body, encrypted and signed like WeCom's own envelope.
import { randomBytes } from 'node:crypto';
import type { CallbackCrypto } from './callback-crypto';

const cdata = (value: string): string => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/**
 * `inner`: the reply's elements after its addressing, e.g. `<MsgType>…</MsgType><TemplateCard>…</TemplateCard>`.
 * The reply goes to `toUser` (the member who sent the event) from the corp.
 */
export function passiveReplyXml(crypto: CallbackCrypto, inner: string, toUser: string, corpId: string, now: Date = new Date()): string {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const plain = `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(corpId)}</FromUserName><CreateTime>${timestamp}</CreateTime>${inner}</xml>`;
  const { encrypt, signature } = crypto.encryptAndSign(plain, timestamp, nonce);
  return `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
