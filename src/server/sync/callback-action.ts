// GET|POST /api/wecom:contactsCallback?source=NAME: WeCom's contacts callback [90967, 90970-90972].
// GET is the URL check (answer the decrypted echostr, bare); POST carries one change_contact event, applied
// through the same sync as a pull. Public: WeCom signs every request with the source's Token.
// Until the signature is verified the caller may be anyone: every refusal then gets one answer (UNVERIFIED),
// whatever the reason (no such source, a disabled one, one without callback settings or without its
// authenticator, a bad signature, a malformed request), so that it learns nothing of the configuration; the
// reason goes to the log. After it, refusals say what is wrong.
import { Context, Next } from '@nocobase/actions';
import { createHash } from 'node:crypto';
import { answerUnverified, MAX_SKEW_S, param, readSignedRequest, unverified, withinMs } from '../common/callback-request';
import { LoginError } from '../common/errors';
import type { WeComOptions } from '../common/options';
import { servicesOf } from '../common/services';
import { CallbackCrypto, CallbackCryptoError } from '../wecom/callback-crypto';
import { CallbackXmlError, parseCallbackXml } from '../wecom/callback-xml';
import { NAMESPACE } from '../../constants';
import { ContactEvent, resolveSource, SOURCE_TYPE, WeComContactsSync } from './contacts-sync';
import { sourceExclusion } from './exclusive';
import { SyncConfigError, SyncOptions } from './options';
import { describeFailure } from './report';

/** WeCom waits 5 s; past this the answer goes out and the change finishes on its own. */
const ANSWER_WITHIN_MS = 3000;
/** How long a delivered event is remembered, to ignore WeCom's retries of it. */
const SEEN_TTL_MS = 60 * 60_000;

class CallbackRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function refuse(status: number, code: string, message: string): never {
  throw new CallbackRefused(status, code, message);
}

/** The body cap: decided before the source is looked up, the same for every source name. */
function tooLarge(): never {
  refuse(413, 'WECOM_CALLBACK_TOO_LARGE', 'The callback body is too large.');
}

function toEvent(fields: Record<string, string>): ContactEvent | undefined {
  const userId = fields.UserID;
  const id = Number(fields.Id);
  switch (fields.ChangeType) {
    case 'create_user':
    case 'update_user':
      return userId ? { changeType: fields.ChangeType, userId, newUserId: fields.NewUserID || undefined } : undefined;
    case 'delete_user':
      return userId ? { changeType: 'delete_user', userId } : undefined;
    case 'create_party':
    case 'update_party':
    case 'delete_party':
      return Number.isInteger(id) && id > 0 ? { changeType: fields.ChangeType, id } : undefined;
    default:
      return undefined;
  }
}

/** What a request whose signature was verified brings: its source and the ciphertext it signed. */
interface Verified {
  options: SyncOptions;
  auth: WeComOptions;
  crypto: CallbackCrypto;
  timestamp: string;
  /** POST: WeCom's XML envelope (its ToUserName is not signed). */
  envelope?: Record<string, string>;
  encrypt: string;
}

/**
 * Reads the request and checks its signature with the source's Token. Every failure is an Unverified (the
 * body cap aside: a 413 decided before any configuration is read, the same for every source name).
 */
async function verify(ctx: Context, sourceName: string): Promise<Verified> {
  const { timestamp, signature, nonce, envelope, encrypt } = await readSignedRequest(ctx, tooLarge);

  // Without user-data-sync enabled there are no sources at all.
  if (!sourceName || !ctx.db.getCollection('userDataSyncSources')) unverified('unknown-source', 'there is no WeCom sync source with this name');
  const source = await ctx.db.getRepository('userDataSyncSources').findOne({ filter: { name: sourceName, sourceType: SOURCE_TYPE } });
  if (!source) unverified('unknown-source', 'there is no WeCom sync source with this name');
  if (!source.get('enabled')) unverified('source-disabled', 'the sync source is disabled', 'warn');
  let resolved: Awaited<ReturnType<typeof resolveSource>>;
  try {
    resolved = await resolveSource(ctx.app, source.get('options'));
  } catch (error) {
    // The source's options or its authenticator's (deleted, another type, unusable): names, never secrets.
    if (error instanceof SyncConfigError || error instanceof LoginError) {
      unverified('configuration', describeFailure(error, (key, opts) => String(ctx.app.i18n.t(key, { ...opts, lng: 'en-US' }))), 'warn');
    }
    throw error;
  }
  const { options, auth } = resolved;
  if (!options.callbackToken || !options.callbackEncodingAESKey) {
    unverified('no-callback-settings', 'the sync source has no callback Token and EncodingAESKey', 'warn');
  }
  let crypto: CallbackCrypto;
  try {
    crypto = new CallbackCrypto({ token: options.callbackToken, encodingAESKey: options.callbackEncodingAESKey, receiveId: auth.corpId });
  } catch (error) {
    if (error instanceof CallbackCryptoError) unverified('configuration', error.message, 'warn');
    throw error;
  }
  if (!crypto.verify(signature, timestamp, nonce, encrypt)) {
    unverified('signature', 'the signature does not match the source\'s callback Token', 'warn');
  }
  return { options, auth, crypto, timestamp, envelope, encrypt };
}

export async function contactsCallback(ctx: Context, next: Next) {
  const app = ctx.app;
  const services = servicesOf(app);
  const sourceName = param(ctx, 'source');
  // No answer of this endpoint is to be read as anything but what its Content-Type says (the echostr above all).
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.withoutDataWrapping = true;
  const t = (key: string, options?: Record<string, unknown>) => String(ctx.t(key, options));

  let verified: Verified;
  try {
    verified = await verify(ctx, sourceName);
  } catch (error) {
    if (error instanceof CallbackRefused) {
      // The body cap (readBody): decided before the source is looked up, the same for every source name.
      ctx.log?.info?.('wecom contacts callback refused', { source: sourceName, status: error.status, code: error.code, reason: error.message });
      ctx.status = error.status;
      ctx.type = 'application/json';
      ctx.body = { errors: [{ code: error.code, message: t(error.message, { ns: NAMESPACE }) }] };
      return next();
    }
    answerUnverified(ctx, error, 'wecom contacts callback refused before its signature was verified', { source: sourceName });
    return next();
  }

  const { options, auth, crypto, timestamp, envelope, encrypt } = verified;
  try {
    // Signed with the timestamp: a stale one is a replay (or a clock off), said as such.
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_S) refuse(400, 'WECOM_CALLBACK_STALE', 'The callback timestamp is too old or in the future.');

    if (ctx.method === 'GET') {
      const echo = crypto.decrypt(encrypt);
      ctx.type = 'text/plain';
      ctx.body = echo;
      return next();
    }

    if (envelope?.ToUserName !== undefined && envelope.ToUserName !== auth.corpId) {
      refuse(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');
    }
    const plain = crypto.decrypt(encrypt);
    const message = parseCallbackXml(plain);
    if (message.ToUserName !== auth.corpId) refuse(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');

    ctx.type = 'text/plain';
    ctx.body = '';
    const event = message.MsgType === 'event' && message.Event === 'change_contact' ? toEvent(message) : undefined;
    if (!event) {
      ctx.log?.info?.('wecom contacts callback ignored', { source: sourceName, event: message.Event, changeType: message.ChangeType });
      return next();
    }

    // WeCom retries a delivery it thinks was lost: the same message again. Seen ones change nothing twice.
    const key = createHash('sha256').update(`${sourceName}\n${plain}`).digest('hex');
    const sync = new WeComContactsSync(app, sourceName, options, auth, (o) => services.clientFor(o), app.log);
    // One writer per source across the cluster: a change waits for a running pull, and a retry of this
    // delivery on another instance finds it seen.
    const work = sourceExclusion({ cache: services.tokenCache, log: app.log }).change(sourceName, async (assertHeld) => {
      if (await services.tokenCache.get(`contacts-event:${key}`)) return 'duplicate';
      const report = await sync.apply(event, assertHeld);
      await services.tokenCache.set(`contacts-event:${key}`, 1, SEEN_TTL_MS);
      return report;
    });
    const finished = work.then(
      (result: unknown) => {
        app.log.info('wecom contacts callback applied', { source: sourceName, ...event, result: result === 'duplicate' ? result : 'applied' });
        return true;
      },
      (error: unknown) => {
        app.log.error('wecom contacts callback failed', { source: sourceName, ...event, error: (error as Error)?.message });
        return false;
      },
    );
    const outcome = await withinMs(finished, ANSWER_WITHIN_MS);
    if (outcome === false) {
      ctx.status = 500;
      ctx.body = 'failed';
    }
    return next();
  } catch (error) {
    let refused: CallbackRefused;
    if (error instanceof CallbackRefused) refused = error;
    else if (error instanceof CallbackCryptoError) {
      if (error.failure === 'receiveId') refused = new CallbackRefused(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');
      else refused = new CallbackRefused(400, 'WECOM_CALLBACK_SIGNATURE', 'The callback could not be decrypted.');
    } else if (error instanceof CallbackXmlError) refused = new CallbackRefused(400, 'WECOM_CALLBACK_MALFORMED', 'The callback body is not WeCom XML.');
    else if (error instanceof SyncConfigError || error instanceof LoginError) refused = new CallbackRefused(409, 'WECOM_CONFIG', '');
    else throw error;
    const message = refused.message ? t(refused.message, { ns: NAMESPACE }) : describeFailure(error, t);
    ctx.log?.warn?.('wecom contacts callback refused', { source: sourceName, status: refused.status, code: refused.code, reason: refused.message, detail: (error as Error).message });
    ctx.status = refused.status;
    ctx.type = 'application/json';
    ctx.body = { errors: [{ code: refused.code, message }] };
    return next();
  }
}
