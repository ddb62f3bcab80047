// GET|POST /api/wecom:contactsCallback?source=NAME: WeCom's contacts callback [90967, 90970-90972].
// GET is the URL check (answer the decrypted echostr, bare); POST carries one change_contact event, applied
// through the same sync as a pull. Public: WeCom signs every request with the source's Token.
import { Context, Next } from '@nocobase/actions';
import { createHash } from 'node:crypto';
import { LoginError } from '../errors';
import { PluginAuthWeComServer } from '../plugin';
import { CallbackCrypto, CallbackCryptoError } from '../wecom/callback-crypto';
import { CallbackXmlError, parseCallbackXml } from '../wecom/callback-xml';
import { NAMESPACE } from '../../constants';
import { ContactEvent, resolveSource, SOURCE_TYPE, WeComContactsSync } from './contacts-sync';
import { sourceExclusion } from './exclusive';
import { SyncConfigError } from './options';
import { describeFailure } from './report';

/** WeCom's envelope is a few hundred bytes; an event a few KB. */
const MAX_BODY = 64 * 1024;
/** How far the timestamp may be from this server's clock. */
const MAX_SKEW_S = 300;
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

async function readBody(ctx: Context): Promise<string> {
  const length = Number(ctx.get('content-length') || 0);
  if (length > MAX_BODY) refuse(413, 'WECOM_CALLBACK_TOO_LARGE', 'The callback body is too large.');
  const req = ctx.req;
  if (req.readableEnded) refuse(400, 'WECOM_CALLBACK_MALFORMED', 'The callback body is not WeCom XML.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      req.destroy();
      refuse(413, 'WECOM_CALLBACK_TOO_LARGE', 'The callback body is too large.');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function param(ctx: Context, name: string): string {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
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

export async function contactsCallback(ctx: Context, next: Next) {
  const app = ctx.app;
  const plugin = app.pm.get(PluginAuthWeComServer);
  const sourceName = param(ctx, 'source');
  try {
    // Without user-data-sync enabled there are no sources at all.
    const source =
      sourceName && ctx.db.getCollection('userDataSyncSources')
        ? await ctx.db.getRepository('userDataSyncSources').findOne({ filter: { name: sourceName, sourceType: SOURCE_TYPE, enabled: true } })
        : null;
    if (!source) refuse(404, 'WECOM_CALLBACK_UNKNOWN_SOURCE', 'There is no enabled WeCom sync source with this name.');
    const { options, auth } = await resolveSource(app, source.get('options'));
    if (!options.callbackToken || !options.callbackEncodingAESKey) {
      refuse(404, 'WECOM_CALLBACK_NOT_CONFIGURED', 'This sync source has no callback Token and EncodingAESKey.');
    }
    const crypto = new CallbackCrypto({ token: options.callbackToken, encodingAESKey: options.callbackEncodingAESKey, receiveId: auth.corpId });

    const timestamp = param(ctx, 'timestamp');
    const signature = param(ctx, 'msg_signature');
    const nonce = param(ctx, 'nonce');
    if (!/^\d{1,12}$/.test(timestamp) || !signature || !nonce) refuse(400, 'WECOM_CALLBACK_MALFORMED', 'The callback request is missing its signature.');
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_S) refuse(400, 'WECOM_CALLBACK_STALE', 'The callback timestamp is too old or in the future.');

    if (ctx.method === 'GET') {
      const echo = crypto.verifyAndDecrypt({ signature, timestamp, nonce, encrypt: param(ctx, 'echostr') });
      ctx.withoutDataWrapping = true;
      ctx.type = 'text/plain';
      ctx.body = echo;
      return next();
    }
    if (ctx.method !== 'POST') refuse(405, 'WECOM_CALLBACK_MALFORMED', 'The callback takes GET or POST.');

    const envelope = parseCallbackXml(await readBody(ctx));
    if (envelope.ToUserName !== undefined && envelope.ToUserName !== auth.corpId) {
      refuse(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');
    }
    const plain = crypto.verifyAndDecrypt({ signature, timestamp, nonce, encrypt: envelope.Encrypt ?? '' });
    const message = parseCallbackXml(plain);
    if (message.ToUserName !== auth.corpId) refuse(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');

    ctx.withoutDataWrapping = true;
    ctx.type = 'text/plain';
    ctx.body = '';
    const event = message.MsgType === 'event' && message.Event === 'change_contact' ? toEvent(message) : undefined;
    if (!event) {
      ctx.log?.info?.('wecom contacts callback ignored', { source: sourceName, event: message.Event, changeType: message.ChangeType });
      return next();
    }

    // WeCom retries a delivery it thinks was lost: the same message again. Seen ones change nothing twice.
    const key = createHash('sha256').update(`${sourceName}\n${plain}`).digest('hex');
    const sync = new WeComContactsSync(app, sourceName, options, auth, (o) => plugin.clientFor(o), app.log);
    // One writer per source across the cluster: a change waits for a running pull, and a retry of this
    // delivery on another instance finds it seen.
    const work = sourceExclusion({ cache: plugin.tokenCache, log: app.log }).change(sourceName, async (assertHeld) => {
      if (await plugin.tokenCache.get(`contacts-event:${key}`)) return 'duplicate';
      const report = await sync.apply(event, assertHeld);
      await plugin.tokenCache.set(`contacts-event:${key}`, 1, SEEN_TTL_MS);
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
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS)));
    const outcome = await Promise.race([finished, late]);
    clearTimeout(timer);
    if (outcome === false) {
      ctx.status = 500;
      ctx.body = 'failed';
    }
    return next();
  } catch (error) {
    let refused: CallbackRefused;
    if (error instanceof CallbackRefused) refused = error;
    else if (error instanceof CallbackCryptoError) {
        if (error.failure === 'signature') refused = new CallbackRefused(401, 'WECOM_CALLBACK_SIGNATURE', 'The callback signature is not valid.');
      else if (error.failure === 'receiveId') refused = new CallbackRefused(400, 'WECOM_CALLBACK_WRONG_CORP', 'The callback was sent for another corp.');
      else refused = new CallbackRefused(400, 'WECOM_CALLBACK_SIGNATURE', 'The callback could not be decrypted.');
    } else if (error instanceof CallbackXmlError) refused = new CallbackRefused(400, 'WECOM_CALLBACK_MALFORMED', 'The callback body is not WeCom XML.');
    else if (error instanceof SyncConfigError || error instanceof LoginError) refused = new CallbackRefused(409, 'WECOM_CONFIG', '');
    else throw error;
    const t = (key: string, options?: Record<string, unknown>) => String(ctx.t(key, options));
    const message = refused.message ? t(refused.message, { ns: NAMESPACE }) : describeFailure(error, t);
    ctx.log?.warn?.('wecom contacts callback refused', { source: sourceName, status: refused.status, code: refused.code, reason: refused.message || message, detail: (error as Error).message });
    ctx.withoutDataWrapping = true;
    ctx.status = refused.status;
    ctx.type = 'application/json';
    ctx.body = { errors: [{ code: refused.code, message }] };
    return next();
  }
}
