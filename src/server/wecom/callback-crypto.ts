// WXBizMsgCrypt, the envelope of WeCom's callbacks (https://developer.work.weixin.qq.com/document/path/90968).
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The error codes of WeCom's reference libraries (ierror.py), so logs can be compared with WeCom's docs. */
export const CALLBACK_CRYPTO_ERRORS = {
  signature: -40001,
  aesKey: -40004,
  receiveId: -40005,
  decrypt: -40007,
  buffer: -40008,
  base64: -40010,
} as const;

export type CallbackCryptoFailure = keyof typeof CALLBACK_CRYPTO_ERRORS;

export class CallbackCryptoError extends Error {
  readonly failure: CallbackCryptoFailure;
  readonly code: number;

  constructor(failure: CallbackCryptoFailure, message: string) {
    super(`WXBizMsgCrypt ${CALLBACK_CRYPTO_ERRORS[failure]}: ${message}`);
    this.name = 'CallbackCryptoError';
    this.failure = failure;
    this.code = CALLBACK_CRYPTO_ERRORS[failure];
  }
}

export interface CallbackCryptoOptions {
  token: string;
  /** 43 characters of base64 without its final "=". */
  encodingAESKey: string;
  /** The corp ID for contacts and app callbacks. */
  receiveId: string;
}

// Unlike AES's usual 16, WeCom pads to 32 bytes (1..32 bytes of padding).
const BLOCK = 32;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function callbackSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

export class CallbackCrypto {
  private readonly token: string;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly receiveId: string;

  constructor(options: CallbackCryptoOptions) {
    const encodingAESKey = options.encodingAESKey ?? '';
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAESKey)) {
      throw new CallbackCryptoError('aesKey', 'the EncodingAESKey must be 43 characters of base64');
    }
    this.key = Buffer.from(`${encodingAESKey}=`, 'base64');
    if (this.key.length !== 32) throw new CallbackCryptoError('aesKey', 'the EncodingAESKey does not decode to 32 bytes');
    this.iv = this.key.subarray(0, 16);
    this.token = options.token;
    this.receiveId = options.receiveId;
  }

  sign(timestamp: string, nonce: string, encrypt: string): string {
    return callbackSignature(this.token, timestamp, nonce, encrypt);
  }

  verify(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = Buffer.from(this.sign(timestamp, nonce, encrypt));
    const given = Buffer.from(String(signature ?? '').toLowerCase());
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Decrypts one `Encrypt` value (or `echostr`) and checks that it was meant for this receiveid. */
  decrypt(encrypt: string): string {
    if (typeof encrypt !== 'string' || !encrypt || !STRICT_BASE64.test(encrypt)) {
      throw new CallbackCryptoError('base64', 'the ciphertext is not base64');
    }
    const cipherText = Buffer.from(encrypt, 'base64');
    if (cipherText.length === 0 || cipherText.length % BLOCK !== 0) {
      throw new CallbackCryptoError('decrypt', 'the ciphertext is not a whole number of 32-byte blocks');
    }
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
    } catch (error) {
      throw Object.assign(new CallbackCryptoError('decrypt', 'AES decryption failed'), { cause: error });
    }
    const pad = plain[plain.length - 1];
    if (pad < 1 || pad > BLOCK || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
      throw new CallbackCryptoError('decrypt', 'bad padding (wrong EncodingAESKey?)');
    }
    const content = plain.subarray(0, plain.length - pad);
    if (content.length < 20) throw new CallbackCryptoError('buffer', 'the plaintext is too short');
    const length = content.readUInt32BE(16);
    if (20 + length > content.length) throw new CallbackCryptoError('buffer', 'the message length is out of range');
    const receiveId = content.subarray(20 + length).toString('utf8');
    if (receiveId !== this.receiveId) throw new CallbackCryptoError('receiveId', 'the message was meant for another receiveid');
    return content.subarray(20, 20 + length).toString('utf8');
  }

  /** Checks the signature, then decrypts. */
  verifyAndDecrypt(input: { signature: string; timestamp: string; nonce: string; encrypt: string }): string {
    if (!this.verify(input.signature, input.timestamp, input.nonce, input.encrypt)) {
      throw new CallbackCryptoError('signature', 'the signature does not match');
    }
    return this.decrypt(input.encrypt);
  }

  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    const content = Buffer.concat([random, length, body, Buffer.from(this.receiveId, 'utf8')]);
    const pad = BLOCK - (content.length % BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([content, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  /** What WeCom sends (and what a passive reply looks like): the ciphertext and its signature. */
  encryptAndSign(message: string, timestamp: string, nonce: string): { encrypt: string; signature: string } {
    const encrypt = this.encrypt(message);
    return { encrypt, signature: this.sign(timestamp, nonce, encrypt) };
  }
}
