// What a pull's task says, kept as data (the progress, the report or the failure) in a collection of this plugin,
// keyed by the task, and told to each reader in their language when they read the task (userDataSyncTasks:list /
// get, as the Tasks table of both clients does). The task's own `message` column holds the text in the language of
// whoever started the pull, cut to its 255 characters: it is what anything reading the table directly sees.
import type { Context, Next } from '@nocobase/actions';
import type { Database } from '@nocobase/database';
import type { Application } from '@nocobase/server';
import type { PullProgress } from './contacts-sync';
import { describeProgress } from './progress';
import { describeReport, Phrase, renderPhrase, SyncReport, Translate } from './report';

export const TASK_NOTES = 'wecomSyncTaskNotes';
const TASKS = 'userDataSyncTasks';

export type TaskNote = { kind: 'progress'; progress: PullProgress } | { kind: 'report'; report: SyncReport } | { kind: 'failure'; failure: Phrase };

/** The collection, defined when the plugin loads (created by install, or on first use on a database that predates it). */
export function defineTaskNotes(app: Application): void {
  app.db.collection({
    name: TASK_NOTES,
    dumpRules: { group: 'third-party' },
    fields: [
      { type: 'bigInt', name: 'taskId', unique: true, allowNull: false },
      { type: 'json', name: 'note' },
    ],
  });
  // A task deleted takes its note along.
  app.db.on(`${TASKS}.afterDestroy`, async (task: { get(name: string): unknown }, options: { transaction?: unknown }) => {
    await ensureTable(app.db);
    await app.db.getModel(TASK_NOTES).destroy({ where: { taskId: task.get('id') }, transaction: options?.transaction as never });
  });
}

const ready = new WeakMap<Database, Promise<void>>();

/** An app upgraded in place has no table yet until something syncs it: the first write creates it. */
function ensureTable(db: Database): Promise<void> {
  let done = ready.get(db);
  if (!done) {
    const collection = db.getCollection(TASK_NOTES);
    done = (async () => {
      if (!(await collection.existsInDb())) await collection.sync();
    })();
    done.catch(() => ready.delete(db));
    ready.set(db, done);
  }
  return done;
}

export async function saveTaskNote(db: Database, taskId: unknown, note: TaskNote): Promise<void> {
  await ensureTable(db);
  const model = db.getModel(TASK_NOTES);
  const [updated] = await model.update({ note }, { where: { taskId } });
  if (!updated) await model.create({ taskId, note });
}

export async function dropTaskNote(db: Database, taskId: unknown): Promise<void> {
  await ensureTable(db);
  await db.getModel(TASK_NOTES).destroy({ where: { taskId } });
}

/** The note told in the reader's language; undefined when it no longer applies (progress of a task that ended). */
export function renderTaskNote(note: TaskNote, status: unknown, t: Translate, locale: string): string | undefined {
  switch (note.kind) {
    case 'progress':
      return status === undefined || status === 'processing' ? describeProgress(note.progress, t, locale) : undefined;
    case 'report':
      return describeReport(note.report, t, locale);
    case 'failure':
      return renderPhrase(note.failure, t, locale);
  }
}

type Row = { get?(name: string): unknown; setDataValue?(name: string, value: unknown): void } & Record<string, unknown>;

const read = (row: Row, name: string) => (typeof row.get === 'function' ? row.get(name) : row[name]);

function rowsOf(body: unknown): Row[] {
  if (!body || typeof body !== 'object') return [];
  if (Array.isArray(body)) return body as Row[];
  if (Array.isArray((body as { rows?: unknown }).rows)) return (body as { rows: Row[] }).rows;
  return [body as Row];
}

/**
 * Resource middleware: the tasks a list or get answers say what happened in the reader's language (X-Locale),
 * whole, from their notes. Tasks of other source types have no note and are left as they are.
 */
export async function renderTaskMessages(ctx: Context, next: Next): Promise<void> {
  await next();
  const { resourceName, actionName } = ctx.action ?? {};
  if (resourceName !== TASKS || (actionName !== 'list' && actionName !== 'get')) return;
  const rows = rowsOf(ctx.body).filter((row) => row && read(row, 'id') !== undefined && read(row, 'message') !== undefined);
  if (!rows.length || !ctx.db.getCollection(TASK_NOTES)) return;
  let notes: Map<string, TaskNote>;
  try {
    await ensureTable(ctx.db);
    const found = await ctx.db.getModel(TASK_NOTES).findAll({ where: { taskId: rows.map((row) => read(row, 'id')) }, raw: true });
    notes = new Map((found as unknown as { taskId: unknown; note: TaskNote | string }[]).map((n) => [String(n.taskId), parseNote(n.note)]));
  } catch (error) {
    // The column's text stands.
    ctx.log?.warn?.('wecom task messages not rendered', { error: (error as Error)?.message });
    return;
  }
  const t: Translate = (key, options) => String(ctx.t(key, options));
  const locale = readerLocale(ctx as unknown as Parameters<typeof readerLocale>[0]);
  for (const row of rows) {
    const note = notes.get(String(read(row, 'id')));
    const text = note && renderTaskNote(note, read(row, 'status'), t, locale);
    if (text === undefined) continue;
    if (typeof row.setDataValue === 'function') row.setDataValue('message', text);
    else row.message = text;
  }
}

/** A raw JSON column comes back as text on SQLite. */
function parseNote(note: TaskNote | string): TaskNote {
  return typeof note === 'string' ? (JSON.parse(note) as TaskNote) : note;
}

export function readerLocale(ctx: { getCurrentLocale?: () => string; i18n?: { language?: string } }): string {
  return ctx.getCurrentLocale?.() || ctx.i18n?.language || 'en-US';
}
