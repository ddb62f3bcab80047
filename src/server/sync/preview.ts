// POST /api/wecom:previewSync?source=<name>: what a pull of a saved `wecom` sync source would do now, writing
// nothing. It reads WeCom and decides every member and department through the pull's own planning step
// (WeComContactsSync.plan), so a pull right after does what the preview said. Allowed to whoever may manage user
// data sync, as Sync is.
import type { Context, Next } from '@nocobase/actions';
import { NAMESPACE } from '../../constants';
import { LoginError } from '../common/errors';
import { servicesOf } from '../common/services';
import { WecomApiError } from '../wecom/errors';
import { PlanEntry, resolveSource, SOURCE_TYPE, WeComContactsSync } from './contacts-sync';
import { SyncConfigError } from './options';
import { describeFailure } from './report';

/** Names listed per group: the counts are whole. */
export const PREVIEW_NAMES = 20;

export interface PreviewGroup {
  count: number;
  /** The first PREVIEW_NAMES: WeCom's id and name, and for an existing user, how the report names it. */
  entries: { id: string; name?: string; user?: string }[];
}

export interface PreviewAnswer {
  ok: true;
  recipe?: string;
  /** Read from WeCom. */
  read: { members: number; departments: number };
  users: { create: PreviewGroup; update: PreviewGroup; link: PreviewGroup; remove: PreviewGroup; unlink: PreviewGroup; unchanged: number };
  departments: { create: PreviewGroup; update: PreviewGroup; remove: PreviewGroup; unchanged: number };
  /** Members left out, with why (`user`: the user concerned, e.g. the one an email-only member may be). */
  skipped: { count: number; entries: { id: string; name?: string; reason: string; user?: string }[] };
  /** The pull would stop before writing anything (Maximum removals): the message its task would show. */
  refusal?: { field: string; message: string };
}

export async function previewSync(ctx: Context, next: Next) {
  const t = (key: string, options?: Record<string, unknown>) => String(ctx.t(key, { ns: NAMESPACE, interpolation: { escapeValue: false }, ...options }));
  const params = ctx.action.params as { source?: unknown; values?: { source?: unknown } };
  const raw = params.source ?? params.values?.source;
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (!name) ctx.throw(400, t('Name the sync source to preview.'));
  const source = ctx.db.getCollection('userDataSyncSources') ? await ctx.db.getRepository('userDataSyncSources').findOne({ filter: { name } }) : null;
  if (!source) ctx.throw(400, t('There is no sync source named "{{name}}".', { name }));
  if (source.get('sourceType') !== SOURCE_TYPE) ctx.throw(400, t('The sync source "{{name}}" is not a WeCom source.', { name }));

  const app = ctx.app;
  const services = servicesOf(app);
  try {
    const { options, auth } = await resolveSource(app, source.get('options'));
    const sync = new WeComContactsSync(app, name, options, auth, (o, limits) => services.clientFor(o, limits), app.log);
    const plan = await sync.plan(undefined, { dry: true });
    const { report, users, departments } = plan;
    const answer: PreviewAnswer = {
      ok: true,
      recipe: report.recipe,
      read: { members: plan.members, departments: plan.departmentsRead },
      users: {
        create: group(users.groups.created),
        update: group(users.groups.updated),
        link: group(users.groups.linked),
        remove: group(users.groups.removed),
        unlink: group(users.groups.unlinked),
        unchanged: report.users.unchanged,
      },
      departments: {
        create: group(departments.created),
        update: group(departments.updated),
        remove: group(plan.goneDepartments),
        unchanged: report.departments.unchanged,
      },
      skipped: {
        count: users.skipped.length,
        entries: users.skipped.slice(0, PREVIEW_NAMES).map((s) => ({ id: s.userid, name: s.name, reason: s.reason, ...(s.user ? { user: s.user } : {}) })),
      },
      ...(plan.refusal ? { refusal: { field: plan.refusal.field, message: describeFailure(plan.refusal, t) } } : {}),
    };
    ctx.body = answer;
  } catch (error) {
    // The pull would be refused before deciding anything (an empty read, another corp), or WeCom cannot be read:
    // the message the pull's task would show.
    if (!(error instanceof SyncConfigError || error instanceof LoginError || error instanceof WecomApiError)) throw error;
    const code = error instanceof LoginError ? error.reason.code : 'WECOM_CONFIG';
    ctx.body = { ok: false, code, ...(error instanceof SyncConfigError ? { field: error.field } : {}), message: describeFailure(error, t) };
    app.log.info('wecom contacts preview: the pull would fail', { source: name, code, detail: (error as Error).message });
  }
  await next();
}

function group(entries: PlanEntry[]): PreviewGroup {
  return {
    count: entries.length,
    entries: entries.slice(0, PREVIEW_NAMES).map((e) => ({ id: e.uid, ...(e.name ? { name: e.name } : {}), ...(e.user ? { user: e.user } : {}) })),
  };
}
