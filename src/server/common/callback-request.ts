// What WeCom's two signed callbacks share (the app's receive-message callback, app-callback/, and the contacts
// callback, sync/): reading a request up to its signature check, and the one answer to every request refused
// before that check, whatever the reason, so that an unknown caller learns nothing of the configuration.
import type { Context } from '@nocobase/actions';
import { NAMESPACE } from '../../constants';
import { CallbackXmlError, parseCallbackXml } from '../wecom/callback-xml';

/** WeCom's envelope is a few hundred bytes; an event a few KB. */
export const MAX_BODY = 64 * 1024;
/** How far the timestamp may be from this server's clock: older is a replay. */
export const MAX_SKEW_S = 300;

/** The one answer to every request refused before its signature is verified. */
export const UNVERIFIED = { status: 403, code: 'WECOM_CALLBACK_REFUSED', message: 'The callback is refused. The server log says why.' } as const;

/** Why a request was refused before its signature was verified: for the log only. */
export class Unverified extends Error {
  constructor(
    /** A short fixed word for the log: unknown-authenticator, source-disabled, no-callback-settings, ... */
    readonly reason: string,
    detail: string,
    /** info: what anyone on the internet can cause; warn: what the authenticator's or source's configuration causes. */
    readonly level: 'info' | 'warn' = 'info',
  ) {
    super(detail);
  }
}

export function unverified(reason: string, detail: string, level: 'info' | 'warn' = 'info'): never {
  throw new Unverified(reason, detail, level);
}

/** A query parameter as one string ('' when absent or repeated). */
export function param(ctx: Context, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
}

/** The raw body, at most MAX_BODY bytes; `tooLarge` says how each callback refuses a bigger one. */
async function readBody(ctx: Context, tooLarge: () => never): Promise<string> {
  const length = Number(ctx.get('content-length') || 0);
  if (length > MAX_BODY) tooLarge();
  const req = ctx.req;
  // NocoBase's body parser read it: it was sent as JSON or a form, not as WeCom's XML.
  if (req.readableEnded) unverified('malformed', `the body was sent as ${ctx.get('content-type') || 'no content type'}, not as XML`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      req.destroy();
      tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** What a callback request brings before its signature is checked. */
export interface SignedRequest {
  timestamp: string;
  signature: string;
  nonce: string;
  /** POST: WeCom's XML envelope (its ToUserName is not signed). */
  envelope?: Record<string, string>;
  /** The ciphertext the signature covers: the envelope's Encrypt (POST) or the echostr (GET). */
  encrypt: string;
}

/** Reads the method, the signature parameters and the body; every failure is an Unverified but `tooLarge`'s. */
export async function readSignedRequest(ctx: Context, tooLarge: () => never): Promise<SignedRequest> {
  if (ctx.method !== 'GET' && ctx.method !== 'POST') unverified('method', `the callback takes GET or POST, not ${ctx.method}`);
  const timestamp = param(ctx, 'timestamp');
  const signature = param(ctx, 'msg_signature');
  const nonce = param(ctx, 'nonce');
  if (!/^\d{1,12}$/.test(timestamp) || !signature || !nonce) unverified('malformed', 'the request has no msg_signature, timestamp or nonce');
  let envelope: Record<string, string> | undefined;
  if (ctx.method === 'POST') {
    try {
      envelope = parseCallbackXml(await readBody(ctx, tooLarge));
    } catch (error) {
      if (error instanceof CallbackXmlError) unverified('malformed', `the body is not WeCom XML: ${error.message}`);
      throw error;
    }
  }
  const encrypt = envelope ? (envelope.Encrypt ?? '') : param(ctx, 'echostr');
  return { timestamp, signature, nonce, envelope, encrypt };
}

/**
 * Logs why a request was refused before its signature was verified (an Unverified, or a fault) with `subject`
 * (which authenticator or source it named), and answers UNVERIFIED.
 */
export function answerUnverified(ctx: Context, error: unknown, logMessage: string, subject: Record<string, unknown>): void {
  const why =
    error instanceof Unverified
      ? { level: error.level, reason: error.reason, detail: error.message }
      : { level: 'error' as const, reason: 'fault', detail: (error as Error)?.message ?? String(error) };
  const log = ctx.log ?? ctx.app.log;
  log[why.level]?.(logMessage, { ...subject, method: ctx.method, reason: why.reason, detail: why.detail });
  ctx.status = UNVERIFIED.status;
  ctx.type = 'application/json';
  ctx.body = { errors: [{ code: UNVERIFIED.code, message: String(ctx.t(UNVERIFIED.message, { ns: NAMESPACE })) }] };
}

/** The work's outcome, or 'late' once `ms` passed: WeCom waits 5 s, past that the answer goes out and the work finishes on its own. */
export async function withinMs<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
