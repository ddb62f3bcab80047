// The `wecom` source type of plugin-user-data-sync.
import { SyncSource } from '@nocobase/plugin-user-data-sync';
import type { UserData } from '@nocobase/plugin-user-data-sync';
import type { Application } from '@nocobase/server';
import { PluginAuthWeComServer } from '../plugin';
import { describeReport, exclusiveForSource, resolveSource, SyncReport, WeComContactsSync } from './contacts-sync';

type EndTaskParams = Parameters<SyncSource['endTask']>[0];

/** The whole corp, written as it is read. Writes go through user-data-sync's service (`push`), so pull() returns nothing left to write. */
export class WeComSyncSource extends SyncSource {
  private report?: SyncReport;

  async pull(): Promise<UserData[]> {
    const app = this.ctx.app as Application;
    const plugin = app.pm.get(PluginAuthWeComServer);
    const { options, auth } = await resolveSource(app, this.options);
    const sync = new WeComContactsSync(app, this.instance.get('name') as string, options, auth, (o) => plugin.clientFor(o), app.log);
    this.report = await exclusiveForSource(app, sync.sourceName, () => sync.pull());
    app.log.info('wecom contacts pulled', { source: sync.sourceName, ...this.report });
    return [];
  }

  async endTask(params: EndTaskParams): Promise<void> {
    const message = params.success && this.report ? describeReport(this.report).slice(0, 255) : params.message;
    await super.endTask({ ...params, message });
  }
}
