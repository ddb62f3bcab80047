// Sealed values (AES-256-GCM): what a browser keeps for the server but can neither read nor change.
// The key is derived from NocoBase's JWT secret (APP_KEY, or storage's jwt_secret.dat), so every instance
// of a cluster that accepts the others' sessions also opens the others' sealed values.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed value longer than this is not one of ours (cookies stay far below it). */
const MAX_SEALED = 8192;
const SEALED_PATTERN = /^[A-Za-z0-9_-]+$/;

export class Sealer {
  private readonly key: Buffer;

  /** `purpose` separates keys: a value sealed for one purpose (or one app) never opens for another. */
  constructor(secret: string | Buffer, purpose: string) {
    if (!secret || secret.length === 0) throw new Error('Sealer needs a secret');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'nocobase-plugin-auth-wecom', purpose, 32));
  }

  /** JSON of `value`, encrypted and authenticated together with `context` (e.g. the cookie name). */
  seal(value: unknown, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value, or undefined when `sealed` was not sealed by this key for `context`, or was changed. */
  open<T>(sealed: unknown, context: string): T | undefined {
    if (typeof sealed !== 'string' || sealed.length > MAX_SEALED || !SEALED_PATTERN.test(sealed)) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 1 + IV_BYTES + TAG_BYTES + 1 || raw[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as T;
    } catch {
      return undefined; // wrong key, wrong context, or tampered with
    }
  }
}
