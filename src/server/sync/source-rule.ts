// A `wecom` sync source is saved only with options a pull can use: an existing WeCom authenticator chosen by
// name, secrets of WeCom's shape (or `{{$env.X}}` variables, checked where they are used), the callback's
// Token and EncodingAESKey both or neither. What WeCom itself says of them is the "Check configuration" button's.
import { Context, Next } from '@nocobase/actions';
import { isDeepStrictEqual } from 'node:util';
import { AUTH_TYPE } from '../../constants';
import { keepSecrets, writeOnlyEntry } from '../common/secrets';
import { SOURCE_TYPE } from './contacts-sync';
import { checkFieldMap } from './field-map';
import { parseSyncOptions, SyncConfigError } from './options';
import { describeFailure } from './report';

type Raw = Record<string, unknown>;

/** The actions that write a source's options (NocoBase's default actions included). */
const SAVES = ['create', 'update', 'updateOrCreate', 'firstOrCreate'];

/**
 * Resource middleware on the actions that save a userDataSyncSources record: each record written (`values`
 * may be an array), and for an update each record it changes (by `filterByTk` or by `filter`).
 */
export async function checkSyncSourceOnSave(ctx: Context, next: Next) {
  const { resourceName, actionName, params } = ctx.action;
  if (resourceName !== 'userDataSyncSources' || !SAVES.includes(actionName)) return next();
  const written = (Array.isArray(params.values) ? params.values : [params.values ?? {}]) as Raw[];
  const targets: (Raw | undefined)[] =
    actionName === 'update' && (params.filterByTk !== undefined || params.filter !== undefined)
      ? (await ctx.db.getRepository('userDataSyncSources').find({ filterByTk: params.filterByTk, filter: params.filter })).map(
          (record: { toJSON(): unknown }) => record.toJSON() as Raw,
        )
      : [undefined];
  for (const values of written) {
    if (actionName === 'update' && values.options === undefined && values.sourceType === undefined) continue;
    for (const current of targets) await checkSource(ctx, values, current);
  }
  return next();
}

async function checkSource(ctx: Context, values: Raw, current: Raw | undefined) {
  const sourceType = values.sourceType ?? current?.sourceType;
  if (sourceType !== SOURCE_TYPE) return;
  // As they will be stored: a secret left empty keeps the saved one, `removeSecrets` clears it (secrets.ts).
  const options = keepSecrets(writeOnlyEntry('userDataSyncSources')!, values.options ?? current?.options, current?.options);
  // Options saved as they are: both forms send the whole record, also to turn a source off or rename it,
  // which stays possible for a source whose authenticator was deleted since.
  if (current?.sourceType === SOURCE_TYPE && isDeepStrictEqual(options, current.options)) return;
  try {
    const parsed = parseSyncOptions(options, { unrendered: true });
    const { authenticator } = parsed;
    checkFieldMap(ctx.db, parsed);
    const record = await ctx.db.getRepository('authenticators').findOne({ filter: { name: authenticator } });
    if (!record || record.get('authType') !== AUTH_TYPE) {
      throw new SyncConfigError('authenticator', 'There is no WeCom authenticator named "{{name}}".', { name: authenticator });
    }
  } catch (error) {
    if (!(error instanceof SyncConfigError)) throw error;
    ctx.throw(400, describeFailure(error, (key, opts) => String(ctx.t(key, opts))));
  }
}
