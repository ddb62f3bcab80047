// Both WeCom channel types (notification/ `wecom`, robot/ `wecom-robot`) check a notificationChannels record as
// it is saved; this is the part they share: which records a create or update writes, and the localized refusal.
import type { Context, Next } from '@nocobase/actions';
import { localize, LoginError } from './errors';

type Raw = Record<string, unknown>;

/** Checks one written record (`values`, which it may amend) against the record it changes (none on create). */
export type ChannelCheck = (ctx: Context, values: Raw, current: Raw | undefined) => Promise<void>;

/**
 * Resource middleware on notificationChannels:create / update: `check` runs on each record written (`values` may
 * be an array), and for an update against each record it changes (by `filterByTk` or by `filter`). A LoginError
 * refuses the save with a 400 in the user's language.
 */
export function checkChannelsOnSave(check: ChannelCheck) {
  return async (ctx: Context, next: Next) => {
    const { resourceName, actionName, params } = ctx.action;
    if (resourceName !== 'notificationChannels' || (actionName !== 'create' && actionName !== 'update')) return next();
    const written = (Array.isArray(params.values) ? params.values : [params.values ?? {}]) as Raw[];
    const targets: (Raw | undefined)[] =
      actionName === 'update' && (params.filterByTk !== undefined || params.filter !== undefined)
        ? (await ctx.db.getRepository('notificationChannels').find({ filterByTk: params.filterByTk, filter: params.filter })).map(
            (record: { toJSON(): unknown }) => record.toJSON() as Raw,
          )
        : [undefined];
    for (const values of written) {
      for (const current of targets) await refuseLocalized(ctx, () => check(ctx, values, current));
    }
    return next();
  };
}

/** Runs `check`; its LoginError becomes a 400 whose message is localized (names kept as written, not escaped). */
async function refuseLocalized(ctx: Context, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    ctx.throw(400, localize((key, opts) => ctx.t(key, { ...opts, interpolation: { escapeValue: false } }), error.reason));
  }
}
