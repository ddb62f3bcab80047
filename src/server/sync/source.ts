// The `wecom` source type of plugin-user-data-sync.
import { SyncSource } from '@nocobase/plugin-user-data-sync';
import type { UserData } from '@nocobase/plugin-user-data-sync';
import type { Application } from '@nocobase/server';
import { servicesOf } from '../common/services';
import { PullProgress, resolveSource, WeComContactsSync } from './contacts-sync';
import { LeaseLost, LeaseStoreUnavailable, PullAlreadyRunning, sourceExclusion, startedAtText } from './exclusive';
import { TaskProgress, describeProgress } from './progress';
import { describeReport, failurePhrase, Phrase, renderPhrase, SyncReport } from './report';
import { dropTaskNote, readerLocale, saveTaskNote, TaskNote } from './task-notes';

type EndTaskParams = Parameters<SyncSource['endTask']>[0];

/** The whole corp, written as it is read. Writes go through user-data-sync's service (`push`), so pull() returns nothing left to write. */
export class WeComSyncSource extends SyncSource {
  private report?: SyncReport;
  /** Why the pull failed, told to each reader of its task in their language. */
  private failure?: Phrase;
  /** The task this pull runs as (set when user-data-sync begins or retries it). */
  private taskId?: unknown;

  /** The pull request's translations (its X-Locale). */
  private get t() {
    return (key: string, options?: Record<string, unknown>) => String(this.ctx.t(key, options));
  }

  /** The pull request's locale, for its numbers (a scheduled pull: the app's language). */
  private get locale(): string {
    const ctx = this.ctx as Parameters<typeof readerLocale>[0] & { app?: Application };
    return ctx.getCurrentLocale?.() || ctx.i18n?.language || ctx.app?.i18n?.language || 'en-US';
  }

  async beginTask(taskId: Parameters<SyncSource['beginTask']>[0]): Promise<void> {
    await super.beginTask(taskId);
    this.taskId = taskId;
  }

  async retryTask(taskId: Parameters<SyncSource['retryTask']>[0]) {
    const task = await super.retryTask(taskId);
    this.taskId = taskId;
    // The failure told so far no longer applies.
    await dropTaskNote(this.ctx.app.db, taskId);
    return task;
  }

  /** The running task's message says how far the pull is (progress.ts). */
  private progress(app: Application): TaskProgress | undefined {
    const id = this.taskId;
    const tasks = app.db.getModel('userDataSyncTasks');
    if (id === undefined || !tasks) return undefined;
    const write = async (message: string, progress: PullProgress) => {
      const [running] = await tasks.update({ message }, { where: { id, status: 'processing' } });
      if (running) await saveTaskNote(app.db, id, { kind: 'progress', progress });
    };
    return new TaskProgress(write, (p) => describeProgress(p, this.t, this.locale), app.log).start();
  }

  async pull(): Promise<UserData[]> {
    const app = this.ctx.app as Application;
    const services = servicesOf(app);
    const name = this.instance.get('name') as string;
    try {
      // A second pull while one runs (here or on another instance) ends at once: it would read WeCom again.
      this.report = await sourceExclusion({ cache: services.tokenCache, log: app.log }).pull(name, async (assertHeld) => {
        const { options, auth } = await resolveSource(app, this.options);
        const sync = new WeComContactsSync(app, name, options, auth, (o, limits) => services.clientFor(o, limits), app.log);
        const progress = this.progress(app);
        try {
          return await sync.pull(assertHeld, progress?.update);
        } finally {
          await progress?.stop();
        }
      });
    } catch (error) {
      // user-data-sync writes the message into the task (the language of the admin who started the pull); the
      // failure itself is kept for every reader (endTask).
      this.failure = pullFailure(error);
      const message = renderPhrase(this.failure, this.t, this.locale);
      if (error instanceof PullAlreadyRunning) app.log.info('wecom contacts pull refused: one is running', { source: name, startedAt: error.startedAt });
      throw new Error(message, { cause: error });
    }
    app.log.info('wecom contacts pulled', { source: name, ...this.report });
    return [];
  }

  async endTask(params: EndTaskParams): Promise<void> {
    const note: TaskNote | undefined =
      params.success && this.report ? { kind: 'report', report: this.report } : !params.success && this.failure ? { kind: 'failure', failure: this.failure } : undefined;
    // Kept before the task ends: once it reads as ended, its note is the final one.
    if (note) await this.keepNote(params.taskId, note);
    // The task's message is a string column (255 characters on PostgreSQL and MySQL): readers of the task get the
    // whole text from the note (task-notes.ts), the log has the whole report.
    const message = fit(note?.kind === 'report' ? describeReport(note.report, this.t, this.locale) : params.message);
    await super.endTask({ ...params, message });
  }

  private async keepNote(taskId: unknown, note: TaskNote) {
    const app = this.ctx.app as Application;
    try {
      await saveTaskNote(app.db, taskId, note);
    } catch (error) {
      app.log.warn('wecom contacts pull: task note not kept', { error: (error as Error)?.message });
    }
  }
}

/** Why a pull failed, as a phrase told in each reader's language. */
function pullFailure(error: unknown): Phrase {
  if (error instanceof PullAlreadyRunning) {
    return { key: 'A pull of this source is already running; started at {{startedAt}}.', params: { startedAt: startedAtText(error.startedAt) } };
  }
  if (error instanceof LeaseStoreUnavailable) {
    return { key: 'The shared cache (Redis) cannot be reached, so the pull did not start. Try again once it is back.' };
  }
  if (error instanceof LeaseLost) {
    return {
      key: 'The pull stopped: its lease in the shared cache expired while it ran (was Redis restarted?) and another writer took this source over. What it wrote stands; run it again.',
    };
  }
  return failurePhrase(error);
}

function fit(text: string | undefined, max = 255): string | undefined {
  return text && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
