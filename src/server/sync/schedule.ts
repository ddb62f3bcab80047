// Scheduled pulls: a source's `schedule` (cron, five fields, the server's time zone) runs its pull by itself, as
// the Sync button does, so its task shows among the source's tasks. NocoBase's cron job manager ticks on every
// instance of a cluster; each tick reads the sources (a change of schedule needs no restart, on any instance), and
// the minute a schedule is due is claimed in the shared cache, so exactly one instance starts that pull. A pull
// still running then refuses it, as it refuses a second click (sync/exclusive.ts).
import type { Application } from '@nocobase/server';
import { parseSchedule, scheduleMatches } from '../../shared/cron';
import { SharedCache } from '../common/shared-cache';
import { servicesOf } from '../common/services';
import { SOURCE_TYPE } from './contacts-sync';

interface UserDataSyncService {
  syncService: { pull(sourceName: string, ctx: unknown): Promise<void> };
}

/** How often the instance looks for due schedules: a cron job of NocoBase's, every minute (the tests: every second). */
const tickTime = () => process.env.WECOM_SYNC_SCHEDULE_TICK || '0 * * * * *';

export function scheduleSourcePulls(app: Application): void {
  // Added while the app loads: NocoBase's manager starts its jobs after the app starts and stops them before it
  // stops. A reload loads the plugin again, which adds the job anew.
  const job = app.cronJobManager.addJob({
    cronTime: tickTime(),
    onTick: () => {
      tick(app, new Date()).catch((error) => app.log.error('wecom contacts schedule failed', { error: (error as Error)?.message }));
    },
  });
  app.once('beforeReload', () => app.cronJobManager.removeJob(job));
}

async function tick(app: Application, now: Date): Promise<void> {
  const uds = app.pm.get('user-data-sync') as unknown as UserDataSyncService | undefined;
  if (!uds || !app.db.getCollection('userDataSyncSources')) return;
  const sources = await app.db.getRepository('userDataSyncSources').find({ filter: { sourceType: SOURCE_TYPE, enabled: true } });
  const minute = new Date(now);
  minute.setSeconds(0, 0);
  for (const source of sources) {
    const name = source.get('name') as string;
    const schedule = parseSchedule((source.get('options') as { schedule?: unknown } | null)?.schedule);
    if (!schedule || !scheduleMatches(schedule, minute)) continue;
    // Each source on its own: one that cannot start does not keep the others from theirs.
    try {
      // One instance of the cluster per due minute; the key outlives the minute.
      const cache = new SharedCache(servicesOf(app).tokenCache);
      if (!(await cache.claim(`contacts-schedule:${name}:${minute.toISOString()}`, 120_000))) continue;
      app.log.info('wecom contacts scheduled pull', { source: name, minute: minute.toISOString() });
      await uds.syncService.pull(name, scheduledContext(app));
    } catch (error) {
      app.log.error('wecom contacts scheduled pull failed to start', { source: name, error: (error as Error)?.message });
    }
  }
}

/** What user-data-sync and the source read of a request, for a pull nobody requested: the app's language. */
function scheduledContext(app: Application) {
  const language = (app.i18n as { language?: string }).language || 'en-US';
  return {
    app,
    db: app.db,
    log: app.log,
    t: (key: string, options?: Record<string, unknown>) => String(app.i18n.t(key, { lng: language, ...options })),
  };
}
