// The `wecom` source type of plugin-user-data-sync.
import { SyncSource } from '@nocobase/plugin-user-data-sync';
import type { UserData } from '@nocobase/plugin-user-data-sync';
import type { Application } from '@nocobase/server';
import { servicesOf } from '../common/services';
import { NAMESPACE } from '../../constants';
import { resolveSource, WeComContactsSync } from './contacts-sync';
import { LeaseLost, LeaseStoreUnavailable, PullAlreadyRunning, sourceExclusion, startedAtText } from './exclusive';
import { TaskProgress, describeProgress } from './progress';
import { describeFailure, describeReport, SyncReport } from './report';

type EndTaskParams = Parameters<SyncSource['endTask']>[0];

/** The whole corp, written as it is read. Writes go through user-data-sync's service (`push`), so pull() returns nothing left to write. */
export class WeComSyncSource extends SyncSource {
  private report?: SyncReport;
  /** The task this pull runs as (set when user-data-sync begins or retries it). */
  private taskId?: unknown;

  /** The pull request's translations (its X-Locale). */
  private get t() {
    return (key: string, options?: Record<string, unknown>) => String(this.ctx.t(key, options));
  }

  async beginTask(taskId: Parameters<SyncSource['beginTask']>[0]): Promise<void> {
    await super.beginTask(taskId);
    this.taskId = taskId;
  }

  async retryTask(taskId: Parameters<SyncSource['retryTask']>[0]) {
    const task = await super.retryTask(taskId);
    this.taskId = taskId;
    return task;
  }

  /** The running task's message says how far the pull is (progress.ts). */
  private progress(app: Application): TaskProgress | undefined {
    const id = this.taskId;
    const tasks = app.db.getModel('userDataSyncTasks');
    if (id === undefined || !tasks) return undefined;
    const write = async (message: string) => {
      await tasks.update({ message }, { where: { id, status: 'processing' } });
    };
    return new TaskProgress(write, (p) => describeProgress(p, this.t), app.log).start();
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
      // user-data-sync writes the message into the task: the admin who started the pull reads it.
      const message =
        error instanceof PullAlreadyRunning
          ? this.t('A pull of this source is already running; started at {{startedAt}}.', { ns: NAMESPACE, startedAt: startedAtText(error.startedAt) })
          : error instanceof LeaseStoreUnavailable
            ? this.t('The shared cache (Redis) cannot be reached, so the pull did not start. Try again once it is back.', { ns: NAMESPACE })
            : error instanceof LeaseLost
              ? this.t(
                  'The pull stopped: its lease in the shared cache expired while it ran (was Redis restarted?) and another writer took this source over. What it wrote stands; run it again.',
                  { ns: NAMESPACE },
                )
              : describeFailure(error, this.t);
      if (error instanceof PullAlreadyRunning) app.log.info('wecom contacts pull refused: one is running', { source: name, startedAt: error.startedAt });
      throw new Error(message, { cause: error });
    }
    app.log.info('wecom contacts pulled', { source: name, ...this.report });
    return [];
  }

  async endTask(params: EndTaskParams): Promise<void> {
    // The task's message is a string column (255 characters on PostgreSQL and MySQL); the whole report is in the log.
    const message = fit(params.success && this.report ? describeReport(this.report, this.t) : params.message);
    await super.endTask({ ...params, message });
  }
}

function fit(text: string | undefined, max = 255): string | undefined {
  return text && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
