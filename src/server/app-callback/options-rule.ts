// A WeCom authenticator is saved only with callback settings WeCom accepts: the Token (3–32 letters or digits)
// and the EncodingAESKey (43 characters), both or neither, as they will be stored (a secret left empty keeps
// the saved one, `removeSecrets` clears it).
import type { Context, Next } from '@nocobase/actions';
import { isDeepStrictEqual } from 'node:util';
import { AUTH_TYPE, NAMESPACE } from '../../constants';
import { keepSecrets, writeOnlyEntry } from '../common/secrets';
import { callbackOptionErrors } from '../../shared/wecom-card';

type Raw = Record<string, unknown>;

const SAVES = ['create', 'update', 'updateOrCreate', 'firstOrCreate'];

export async function checkCallbackOptionsOnSave(ctx: Context, next: Next) {
  const { resourceName, actionName, params } = ctx.action;
  if (resourceName !== 'authenticators' || !SAVES.includes(actionName)) return next();
  const written = (Array.isArray(params.values) ? params.values : [params.values ?? {}]) as Raw[];
  const targets: (Raw | undefined)[] =
    actionName === 'update' && (params.filterByTk !== undefined || params.filter !== undefined)
      ? (await ctx.db.getRepository('authenticators').find({ filterByTk: params.filterByTk, filter: params.filter })).map(
          (record: { toJSON(): unknown }) => record.toJSON() as Raw,
        )
      : [undefined];
  for (const values of written) {
    if (values.options === undefined) continue;
    for (const current of targets) {
      if ((values.authType ?? current?.authType) !== AUTH_TYPE) continue;
      const options = keepSecrets(writeOnlyEntry('authenticators')!, values.options, current?.options);
      // Saved as they are (turning the authenticator off, renaming it) even if they predate this rule.
      if (current && isDeepStrictEqual(options, current.options)) continue;
      const [error] = callbackOptionErrors(options);
      if (error) ctx.throw(400, String(ctx.t(error.message, { ns: NAMESPACE })));
    }
  }
  return next();
}
