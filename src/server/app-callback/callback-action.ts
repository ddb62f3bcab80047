// GET|POST /api/wecom:appCallback?authenticator=NAME: the WeCom app's receive-message callback (API接收消息,
// [90238]). GET is WeCom's URL check (answer the decrypted echostr, bare); POST carries one message or event,
// handed to the features that subscribed to its type (common/app-events.ts): card clicks now; member messages,
// menu clicks and enter_agent later. Public: WeCom signs every request with the authenticator's callback Token.
// Until the signature is verified the caller may be anyone: every refusal then gets one answer (UNVERIFIED),
// whatever the reason (no such authenticator, a disabled one, one without callback settings, a bad signature, a
// malformed request); the reason goes to the log. After it, an event that changes nothing (another corp or
// agent, a replay, a re-delivery) is answered like one that did: an empty 200, and an info line in the log.
import type { Context, Next } from '@nocobase/actions';
import { createHash } from 'node:crypto';
import { AUTH_TYPE, NAMESPACE } from '../../constants';
import { appEventsOf, AppEvent } from '../common/app-events';
import { LoginError } from '../common/errors';
import { assertVariablesDefined, parseOptions, WeComOptions } from '../common/options';
import { servicesOf } from '../common/services';
import { CallbackCrypto, CallbackCryptoError } from '../wecom/callback-crypto';
import { CallbackXmlError, parseCallbackXml } from '../wecom/callback-xml';
import { passiveReplyXml } from '../wecom/callback-reply';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN } from '../../shared/wecom-card';

/** WeCom's envelope is a few hundred bytes; an event a few KB. */
const MAX_BODY = 64 * 1024;
/** How far the timestamp may be from this server's clock: older is a replay. */
const MAX_SKEW_S = 300;
/** WeCom waits 5 s; past this the answer goes out and the work finishes on its own. */
const answerWithinMs = () => Number(process.env.WECOM_CALLBACK_ANSWER_MS) || 3000;
/** How long a delivered event is remembered, to ignore WeCom's retries of it. */
const SEEN_TTL_MS = 60 * 60_000;

/** The one answer to every request refused before its signature is verified. */
const UNVERIFIED = { status: 403, code: 'WECOM_CALLBACK_REFUSED', message: 'The callback is refused. The server log says why.' } as const;

/** Why a request was refused before its signature was verified: for the log only. */
class Unverified extends Error {
  constructor(
    readonly reason: string,
    detail: string,
    /** info: what anyone on the internet can cause; warn: what the authenticator's configuration causes. */
    readonly level: 'info' | 'warn' = 'info',
  ) {
    super(detail);
  }
}

function unverified(reason: string, detail: string, level: 'info' | 'warn' = 'info'): never {
  throw new Unverified(reason, detail, level);
}

function param(ctx: Context, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
}

async function readBody(ctx: Context): Promise<string> {
  const length = Number(ctx.get('content-length') || 0);
  if (length > MAX_BODY) unverified('too-large', 'the body is too large');
  const req = ctx.req;
  // NocoBase's body parser read it: it was sent as JSON or a form, not as WeCom's XML.
  if (req.readableEnded) unverified('malformed', `the body was sent as ${ctx.get('content-type') || 'no content type'}, not as XML`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      req.destroy();
      unverified('too-large', 'the body is too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Verified {
  authenticator: string;
  options: WeComOptions;
  crypto: CallbackCrypto;
  timestamp: string;
  encrypt: string;
}

/** The authenticator's app and its callback crypto, or Unverified. */
async function callbackOf(ctx: Context, name: string): Promise<{ options: WeComOptions; crypto: CallbackCrypto }> {
  if (!name) unverified('unknown-authenticator', 'no authenticator named');
  const record = await ctx.db.getRepository('authenticators').findOne({ filter: { name } });
  if (!record || record.get('authType') !== AUTH_TYPE) unverified('unknown-authenticator', 'there is no WeCom authenticator with this name');
  if (!record.get('enabled')) unverified('authenticator-disabled', 'the authenticator is disabled', 'warn');
  const raw = (record.get('options') ?? {}) as Record<string, unknown>;
  let options: WeComOptions;
  let rendered: Record<string, unknown>;
  try {
    assertVariablesDefined(raw, ctx.app.environment.getVariables());
    rendered = ctx.app.environment.renderJsonTemplate(raw) as Record<string, unknown>;
    options = parseOptions(rendered);
  } catch (error) {
    if (error instanceof LoginError) unverified('configuration', `the authenticator's options are not usable: ${error.reason.message}`, 'warn');
    throw error;
  }
  const token = rendered[CALLBACK_TOKEN];
  const key = rendered[CALLBACK_AES_KEY];
  if (typeof token !== 'string' || !token || typeof key !== 'string' || !key) {
    unverified('no-callback-settings', 'the authenticator has no callback Token and EncodingAESKey', 'warn');
  }
  try {
    return { options, crypto: new CallbackCrypto({ token, encodingAESKey: key, receiveId: options.corpId }) };
  } catch (error) {
    if (error instanceof CallbackCryptoError) unverified('configuration', error.message, 'warn');
    throw error;
  }
}

async function verify(ctx: Context, authenticator: string): Promise<Verified> {
  if (ctx.method !== 'GET' && ctx.method !== 'POST') unverified('method', `the callback takes GET or POST, not ${ctx.method}`);
  const timestamp = param(ctx, 'timestamp');
  const signature = param(ctx, 'msg_signature');
  const nonce = param(ctx, 'nonce');
  if (!/^\d{1,12}$/.test(timestamp) || !signature || !nonce) unverified('malformed', 'the request has no msg_signature, timestamp or nonce');
  let encrypt = param(ctx, 'echostr');
  if (ctx.method === 'POST') {
    try {
      encrypt = parseCallbackXml(await readBody(ctx)).Encrypt ?? '';
    } catch (error) {
      if (error instanceof CallbackXmlError) unverified('malformed', `the body is not WeCom XML: ${error.message}`);
      throw error;
    }
  }
  const { options, crypto } = await callbackOf(ctx, authenticator);
  if (!crypto.verify(signature, timestamp, nonce, encrypt)) unverified('signature', "the signature does not match the authenticator's callback Token", 'warn');
  return { authenticator, options, crypto, timestamp, encrypt };
}

/** The event's own XML: nested lists (SelectedItems of vote and select cards) are not read. */
export function parseEventXml(plain: string): Record<string, string> {
  return parseCallbackXml(plain.replace(/<SelectedItems>[\s\S]*?<\/SelectedItems>/g, ''));
}

export async function appCallback(ctx: Context, next: Next) {
  const app = ctx.app;
  const authenticator = param(ctx, 'authenticator');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.withoutDataWrapping = true;
  const log = ctx.log ?? app.log;

  let verified: Verified;
  try {
    verified = await verify(ctx, authenticator);
  } catch (error) {
    const why =
      error instanceof Unverified
        ? { level: error.level, reason: error.reason, detail: error.message }
        : { level: 'error' as const, reason: 'fault', detail: (error as Error)?.message ?? String(error) };
    log[why.level]?.('wecom app callback refused before its signature was verified', { authenticator, method: ctx.method, reason: why.reason, detail: why.detail });
    ctx.status = UNVERIFIED.status;
    ctx.type = 'application/json';
    ctx.body = { errors: [{ code: UNVERIFIED.code, message: String(ctx.t(UNVERIFIED.message, { ns: NAMESPACE })) }] };
    return next();
  }

  const { options, crypto, timestamp, encrypt } = verified;
  // From here on every answer that is not the work's own is the same empty 200: WeCom stops retrying, and a
  // caller who replays a signed request learns nothing.
  const ignore = (reason: string, detail: Record<string, unknown> = {}) => {
    log.info('wecom app callback ignored', { authenticator, reason, ...detail });
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = '';
    return next();
  };
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_S) return ignore('stale-timestamp', { timestamp });

  let plain: string;
  try {
    plain = crypto.decrypt(encrypt);
  } catch (error) {
    if (!(error instanceof CallbackCryptoError)) throw error;
    return ignore(error.failure === 'receiveId' ? 'other-corp' : 'undecryptable', { detail: error.message });
  }
  if (ctx.method === 'GET') {
    // WeCom wants the plaintext bare: no quotes, BOM or newline [96466].
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = plain;
    return next();
  }

  let fields: Record<string, string>;
  try {
    fields = parseEventXml(plain);
  } catch (error) {
    if (!(error instanceof CallbackXmlError)) throw error;
    return ignore('malformed-event', { detail: error.message });
  }
  if (fields.ToUserName !== options.corpId) return ignore('other-corp', { corpId: fields.ToUserName });
  if (fields.AgentID !== undefined && fields.AgentID !== '' && fields.AgentID !== options.agentId) return ignore('other-agent', { agentId: fields.AgentID });
  const type = fields.MsgType === 'event' ? fields.Event || '' : fields.MsgType || '';
  const events = appEventsOf(app);
  if (!events.has(type)) return ignore('no-subscriber', { type });

  // WeCom re-sends an event it thinks was lost (no answer within 5 s): the same plaintext again.
  const services = servicesOf(app);
  const seenKey = `app-event:${createHash('sha256').update(`${authenticator}\n${plain}`).digest('hex')}`;
  if (await services.tokenCache.get(seenKey)) return ignore('re-delivered', { type, from: fields.FromUserName });
  await services.tokenCache.set(seenKey, 1, SEEN_TTL_MS);

  const event: AppEvent = { type, authenticator, options, fields, receivedAt: Date.now() };
  const work = events.emit(event).then(
    (reply) => ({ ok: true as const, reply }),
    (error: unknown) => {
      app.log.error('wecom app callback failed', { authenticator, type, from: fields.FromUserName, error: (error as Error)?.message });
      return { ok: false as const, reply: undefined };
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), answerWithinMs())));
  const outcome = await Promise.race([work, late]);
  clearTimeout(timer);
  ctx.status = 200;
  ctx.type = 'text/plain';
  ctx.body = '';
  if (outcome === 'late') {
    log.info('wecom app callback answered before its work finished', { authenticator, type });
  } else if (!outcome.ok) {
    // Not seen after all: WeCom's retry may succeed.
    await services.tokenCache.del(seenKey);
    ctx.status = 500;
    ctx.body = 'failed';
  } else if (outcome.reply) {
    ctx.type = 'application/xml';
    ctx.body = passiveReplyXml(crypto, outcome.reply, fields.FromUserName ?? '', options.corpId);
  }
  return next();
}
