// POST /api/wecom:checkConfig { name?, options }: asks WeCom whether an authenticator's options, saved
// or not, work, and answers OK or the precise problem, naming the Secret it checked; in a sub-app that shares
// the main app's sign-in secret, also `warning` (src/server/auth/sign-in-secret.ts). Allowed to whoever may manage
// authenticators.
import { Context, Next } from '@nocobase/actions';
import { AUTH_TYPE, NAMESPACE } from '../../constants';
import { envReferenceName, isEnvReference, SAVED_SECRETS } from '../../shared/secrets';
import { localize, LoginError, Reason, reasonFromWecom } from '../common/errors';
import { assertVariablesDefined, parseOptions } from '../common/options';
import { servicesOf } from '../common/services';
import { sharedSecretWarning } from './sign-in-secret';
import { WecomApiError } from '../wecom/errors';

type Raw = Record<string, unknown>;
/** Which Secret was checked: the one the form holds, the saved one (the form's field left empty), or a variable. */
type SecretSource = 'entered' | 'saved' | 'variable';

export async function checkConfig(ctx: Context, next: Next) {
  const { name, options } = (ctx.action.params.values ?? {}) as Raw;
  const services = servicesOf(ctx.app);
  let raw: Raw = isObject(options) ? { ...options } : {};
  delete raw[SAVED_SECRETS];
  let source: SecretSource | undefined;
  let variable = '';
  // In a sub-app that shares the main app's sign-in secret, every answer says so (docs: Sub-apps).
  const warning = sharedSecretWarning(ctx);
  try {
    if (!isBlank(raw.corpSecret)) source = 'entered';
    else if (typeof name === 'string') {
      // Secrets are write-only: the form cannot show the saved one, so an empty field means "the saved one".
      raw.corpSecret = await savedSecret(ctx, name);
      if (!isBlank(raw.corpSecret)) source = 'saved';
    }
    if (isEnvReference(raw.corpSecret)) {
      source = 'variable';
      variable = envReferenceName(raw.corpSecret);
    }
    // `{{$env.X}}` works here as it does once saved.
    assertVariablesDefined(raw, ctx.app.environment.getVariables());
    raw = ctx.app.environment.renderJsonTemplate(raw) as Raw;
    const parsed = parseOptions(raw);
    const client = services.newClient(parsed);
    await client.fetchFreshToken(); // Company ID and Secret
    await client.getAgent(); // AgentId, and the server's IP where the app has a trusted-IP list
    ctx.body = { ok: true, secret: source, message: ctx.t(ACCEPTED[source!], { ns: NAMESPACE, name: variable }), ...(warning ? { warning } : {}) };
  } catch (error) {
    let reason: Reason;
    let checked = false;
    if (error instanceof LoginError) reason = error.reason;
    else if (error instanceof WecomApiError) {
      reason = reasonFromWecom(error, { origin: typeof raw.origin === 'string' ? raw.origin : undefined });
      checked = error.failure === 'errcode';
      ctx.logger?.info?.('wecom configuration check failed', { endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg, failure: error.failure });
    } else throw error;
    let message = localize((key, params) => ctx.t(key, params), reason);
    // Chinese and Japanese sentences follow each other without a space.
    if (checked && source) message += `${/[。！？]$/.test(message) ? '' : ' '}${ctx.t(CHECKED_WITH[source], { ns: NAMESPACE, name: variable })}`;
    ctx.body = { ok: false, code: reason.code, field: reason.field, secret: source, message, ...(warning ? { warning } : {}) };
  }
  await next();
}

const ACCEPTED: Record<SecretSource, string> = {
  entered: 'WeCom accepted the Company ID, AgentId and the Secret you entered.',
  saved: 'WeCom accepted the Company ID, AgentId and the saved Secret.',
  variable: 'WeCom accepted the Company ID, AgentId and the Secret in the variable {{name}}.',
};

const CHECKED_WITH: Record<SecretSource, string> = {
  entered: 'Checked with the Secret you entered.',
  saved: 'Checked with the saved Secret.',
  variable: 'Checked with the Secret in the variable {{name}}.',
};

/** The Secret stored for the WeCom authenticator `name`, as stored (it may be a `{{$env.X}}` reference). */
async function savedSecret(ctx: Context, name: string): Promise<unknown> {
  const saved = await ctx.db.getRepository('authenticators').findOne({ filter: { name, authType: AUTH_TYPE } });
  const options = saved?.get('options') as Raw | undefined;
  return options?.corpSecret;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
