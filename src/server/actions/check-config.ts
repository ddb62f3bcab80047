// POST /api/wecom:checkConfig { name?, options }: asks WeCom whether an authenticator's options, saved
// or not, work, and answers OK or the precise problem. Allowed to whoever may manage authenticators.
import { Context, Next } from '@nocobase/actions';
import { NAMESPACE } from '../../constants';
import { localize, LoginError, Reason, reasonFromWecom } from '../errors';
import { assertVariablesDefined, parseOptions } from '../options';
import { PluginAuthWeComServer } from '../plugin';
import { WecomApiError } from '../wecom/errors';

type Raw = Record<string, unknown>;

export async function checkConfig(ctx: Context, next: Next) {
  const { name, options } = (ctx.action.params.values ?? {}) as Raw;
  const plugin = ctx.app.pm.get(PluginAuthWeComServer);
  let raw: Raw = isObject(options) ? { ...options } : {};
  try {
    if (!raw.corpSecret && typeof name === 'string') raw.corpSecret = await savedSecret(ctx, name);
    // `{{$env.X}}` works here as it does once saved.
    assertVariablesDefined(raw, ctx.app.environment.getVariables());
    raw = ctx.app.environment.renderJsonTemplate(raw) as Raw;
    const parsed = parseOptions(raw);
    const client = plugin.newClient(parsed);
    await client.fetchFreshToken(); // Company ID and Secret
    await client.getAgent(); // AgentId, and the server's IP where the app has a trusted-IP list
    ctx.body = { ok: true, message: ctx.t('WeCom accepted the Company ID, AgentId and Secret.', { ns: NAMESPACE }) };
  } catch (error) {
    let reason: Reason;
    if (error instanceof LoginError) reason = error.reason;
    else if (error instanceof WecomApiError) {
      reason = reasonFromWecom(error, { origin: typeof raw.origin === 'string' ? raw.origin : undefined });
      ctx.logger?.info?.('wecom configuration check failed', { endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg, failure: error.failure });
    } else throw error;
    ctx.body = { ok: false, code: reason.code, field: reason.field, message: localize((key, options) => ctx.t(key, options), reason) };
  }
  await next();
}

/** The Secret saved for `name`: the form does not have to show it again to check the rest. */
async function savedSecret(ctx: Context, name: string): Promise<unknown> {
  const saved = await ctx.db.getRepository('authenticators').findOne({ filter: { name } });
  const options = saved?.get('options') as Raw | undefined;
  return options?.corpSecret;
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
