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
import { AUTH_TYPE } from '../../constants';
import { appEventsOf, AppEvent } from '../common/app-events';
import { answerUnverified, MAX_SKEW_S, param, readSignedRequest, unverified, withinMs } from '../common/callback-request';
import { LoginError } from '../common/errors';
import { assertVariablesDefined, parseOptions, WeComOptions } from '../common/options';
import { servicesOf } from '../common/services';
import { CallbackCrypto, CallbackCryptoError } from '../wecom/callback-crypto';
import { CallbackXmlError, parseCallbackXml } from '../wecom/callback-xml';
import { passiveReplyXml } from '../wecom/callback-reply';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN } from '../../shared/wecom-card';

/** WeCom waits 5 s; past this the answer goes out and the work finishes on its own. */
const answerWithinMs = () => Number(process.env.WECOM_CALLBACK_ANSWER_MS) || 3000;
/** How long a delivered event is remembered, to ignore WeCom's retries of it. */
const SEEN_TTL_MS = 60 * 60_000;

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
  const { timestamp, signature, nonce, encrypt } = await readSignedRequest(ctx, () => unverified('too-large', 'the body is too large'));
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
    answerUnverified(ctx, error, 'wecom app callback refused before its signature was verified', { authenticator });
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
  const outcome = await withinMs(work, answerWithinMs());
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
