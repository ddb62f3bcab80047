// WXBizMsgCrypt against WeCom's published vectors, then its failures one by one; the callback XML reader.
import { createCipheriv } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CallbackCrypto, CallbackCryptoError, callbackSignature } from '../../src/server/wecom/callback-crypto';
import { CallbackXmlError, parseCallbackXml } from '../../src/server/wecom/callback-xml';

// KAT 1: WeCom's reference sample (sbzhu/weworkapi_golang sample.go).
const KAT1 = { token: 'QDG6eK', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: 'wx5823bf96d3bd56c7' };
const KAT1_ECHOSTR = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
const KAT1_POST_ENCRYPT =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
// KAT 2: wechatpy tests/test_crypto.py.
const KAT2 = { token: '123456', encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR', receiveId: 'wx49f0ab532d5d035a' };
const KAT2_ECHOSTR = '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==';

function failureOf(run: () => unknown): CallbackCryptoError {
  try {
    run();
  } catch (error) {
    if (error instanceof CallbackCryptoError) return error;
    throw error;
  }
  throw new Error('expected a CallbackCryptoError');
}

/** AES-256-CBC of raw 32-byte blocks with the KAT 1 key, to build plaintexts the encoder would never make. */
function rawCipher(plain: Buffer): string {
  const key = Buffer.from(`${KAT1.encodingAESKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

describe('WXBizMsgCrypt known answers', () => {
  it('verifies and decrypts the URL check of KAT 1', () => {
    const crypto = new CallbackCrypto(KAT1);
    expect(crypto.sign('1409659589', '263014780', KAT1_ECHOSTR)).toBe('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3');
    expect(
      crypto.verifyAndDecrypt({ signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', timestamp: '1409659589', nonce: '263014780', encrypt: KAT1_ECHOSTR }),
    ).toBe('1616140317555161061');
  });

  it('verifies and decrypts the POST message of KAT 1 (30 bytes of padding)', () => {
    const crypto = new CallbackCrypto(KAT1);
    const xml = crypto.verifyAndDecrypt({
      signature: '477715d11cdb4164915debcba66cb864d751f3e6',
      timestamp: '1409659813',
      nonce: '1372623149',
      encrypt: KAT1_POST_ENCRYPT,
    });
    expect(xml).toContain('<Content><![CDATA[hello]]></Content>');
    expect(xml).toContain('<CreateTime>1409659813</CreateTime>');
    expect(xml.startsWith('<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>')).toBe(true);
  });

  it('verifies and decrypts the URL check of KAT 2', () => {
    const crypto = new CallbackCrypto(KAT2);
    expect(callbackSignature('123456', '1411443780', '437374425', KAT2_ECHOSTR)).toBe('dd6b9c95b495b3f7e2901bfbc76c664930ffdb96');
    expect(
      crypto.verifyAndDecrypt({ signature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96', timestamp: '1411443780', nonce: '437374425', encrypt: KAT2_ECHOSTR }),
    ).toBe('5927782489442352469');
  });

  it('accepts an upper-case signature', () => {
    const crypto = new CallbackCrypto(KAT2);
    expect(crypto.verify('DD6B9C95B495B3F7E2901BFBC76C664930FFDB96', '1411443780', '437374425', KAT2_ECHOSTR)).toBe(true);
  });
});

describe('WXBizMsgCrypt round trips', () => {
  it('decrypts what it encrypted, with CJK text, and pads to 32 bytes', () => {
    const crypto = new CallbackCrypto(KAT2);
    for (const message of ['', 'a', '张三 <xml>', 'x'.repeat(12), 'y'.repeat(4000)]) {
      const encrypt = crypto.encrypt(message);
      expect(Buffer.from(encrypt, 'base64').length % 32).toBe(0);
      expect(crypto.decrypt(encrypt)).toBe(message);
    }
  });

  it('signs what it encrypts so that verifyAndDecrypt accepts it', () => {
    const crypto = new CallbackCrypto(KAT1);
    const { encrypt, signature } = crypto.encryptAndSign('<xml><Event>change_contact</Event></xml>', '1700000000', 'n1');
    expect(crypto.verifyAndDecrypt({ signature, timestamp: '1700000000', nonce: 'n1', encrypt })).toBe('<xml><Event>change_contact</Event></xml>');
  });

  it('adds a whole block of padding when the plaintext is already a multiple of 32 bytes', () => {
    const crypto = new CallbackCrypto(KAT1);
    // 16 + 4 + 26 + 18 = 64: a multiple of 32, padded with 32 more bytes.
    const encrypt = crypto.encrypt('z'.repeat(26));
    expect(Buffer.from(encrypt, 'base64').length).toBe(96);
    expect(crypto.decrypt(encrypt)).toBe('z'.repeat(26));
  });
});

describe('WXBizMsgCrypt failures', () => {
  it('refuses a bad signature (-40001)', () => {
    const crypto = new CallbackCrypto(KAT1);
    const error = failureOf(() =>
      crypto.verifyAndDecrypt({ signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4', timestamp: '1409659589', nonce: '263014780', encrypt: KAT1_ECHOSTR }),
    );
    expect(error.failure).toBe('signature');
    expect(error.code).toBe(-40001);
  });

  it('refuses a signature made for another timestamp', () => {
    const crypto = new CallbackCrypto(KAT1);
    expect(crypto.verify('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', '1409659590', '263014780', KAT1_ECHOSTR)).toBe(false);
    expect(crypto.verify('', '1409659589', '263014780', KAT1_ECHOSTR)).toBe(false);
  });

  it('refuses a message meant for another receiveid (-40005)', () => {
    const crypto = new CallbackCrypto({ ...KAT1, receiveId: 'wwothercorp' });
    const error = failureOf(() => crypto.decrypt(KAT1_ECHOSTR));
    expect(error.failure).toBe('receiveId');
    expect(error.code).toBe(-40005);
  });

  it('refuses bad padding (-40007)', () => {
    const crypto = new CallbackCrypto(KAT1);
    const zeroPad = Buffer.alloc(64, 0x41);
    zeroPad[63] = 0;
    expect(failureOf(() => crypto.decrypt(rawCipher(zeroPad))).failure).toBe('decrypt');
    const tooLong = Buffer.alloc(64, 0x41);
    tooLong[63] = 33;
    expect(failureOf(() => crypto.decrypt(rawCipher(tooLong))).failure).toBe('decrypt');
    const uneven = Buffer.alloc(64, 0x41);
    uneven[63] = 3;
    uneven[62] = 3;
    expect(failureOf(() => crypto.decrypt(rawCipher(uneven))).code).toBe(-40007);
  });

  it('refuses a ciphertext decrypted with another EncodingAESKey', () => {
    const crypto = new CallbackCrypto({ ...KAT2, receiveId: KAT1.receiveId });
    expect(() => crypto.decrypt(KAT1_ECHOSTR)).toThrow(CallbackCryptoError);
  });

  it('refuses a length field that points past the end (-40008)', () => {
    const crypto = new CallbackCrypto(KAT1);
    const plain = Buffer.alloc(64, 0x41);
    plain.writeUInt32BE(1000, 16);
    plain.fill(4, 60);
    const error = failureOf(() => crypto.decrypt(rawCipher(plain)));
    expect(error.failure).toBe('buffer');
    expect(error.code).toBe(-40008);
  });

  it('refuses bad base64 and ciphertexts that are not whole blocks (-40010, -40007)', () => {
    const crypto = new CallbackCrypto(KAT1);
    for (const bad of ['not base64!', 'P9nA*zyD', 'abc', '']) {
      const error = failureOf(() => crypto.decrypt(bad));
      expect(error.failure).toBe('base64');
      expect(error.code).toBe(-40010);
    }
    expect(failureOf(() => crypto.decrypt('AAAAAAAAAAAAAAAAAAAAAA==')).failure).toBe('decrypt');
  });

  it('refuses an EncodingAESKey that is not 43 characters of base64 (-40004)', () => {
    for (const encodingAESKey of ['', 'short', `${KAT1.encodingAESKey}A`, `${KAT1.encodingAESKey.slice(0, 42)}!`]) {
      const error = failureOf(() => new CallbackCrypto({ ...KAT1, encodingAESKey }));
      expect(error.failure).toBe('aesKey');
      expect(error.code).toBe(-40004);
    }
  });
});

describe('callback XML', () => {
  it('reads CDATA, plain and empty elements, and CDATA split around "]]>"', () => {
    expect(
      parseCallbackXml(
        '<?xml version="1.0"?><xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<CreateTime>1409659813</CreateTime><AgentID/><Name><![CDATA[a]]]]><![CDATA[>b]]></Name><Note>x &lt; y &amp; &#26472;</Note></xml>',
      ),
    ).toEqual({ ToUserName: 'wx5823bf96d3bd56c7', CreateTime: '1409659813', AgentID: '', Name: 'a]]>b', Note: 'x < y & 杨' });
  });

  it('refuses what is not one flat <xml> element', () => {
    for (const bad of [
      '',
      'hello',
      '<xml><a>1</b></xml>',
      '<xml><a><b>1</b></a></xml>',
      '<!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>',
      '<xml><a>&e;</a></xml>',
      '<xml><a>1</a>junk</xml>',
      `<xml><a>${'x'.repeat(70_000)}</a></xml>`,
      '<xml><a>&#99999999;</a></xml>',
      '<xml><a>&#x110000;</a></xml>',
    ]) {
      expect(() => parseCallbackXml(bad), bad.slice(0, 40)).toThrow(CallbackXmlError);
    }
  });

  // Regression: a lazy CDATA pattern backtracked exponentially on this (40 sections: days), blocking the
  // process for one anonymous request. The vm timeout only stops a hang; the reader answers at once.
  it('refuses thousands of CDATA sections without their closing tag at once, without backtracking', () => {
    const body = `<xml><A>${'<![CDATA[a]]>'.repeat(4000)}</B></xml>`;
    expect(() => runInNewContext('parse(body)', { parse: parseCallbackXml, body }, { timeout: 20_000 })).toThrow(/unexpected content/);
  });
});
