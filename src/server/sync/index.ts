// Contacts sync wiring: the `wecom` source type, when NocoBase's user data sync is enabled.
import type { Application } from '@nocobase/server';
import { tval } from '@nocobase/utils';
import { NAMESPACE } from '../../constants';
import { SOURCE_TYPE } from './contacts-sync';
import { WeComSyncSource } from './source';

interface UserDataSyncPlugin {
  sourceManager: { registerType(type: string, config: { syncSource: typeof WeComSyncSource; title?: string }): void };
}

export function registerContactsSync(app: Application): void {
  const uds = app.pm.get('user-data-sync') as unknown as UserDataSyncPlugin | undefined;
  uds?.sourceManager.registerType(SOURCE_TYPE, { syncSource: WeComSyncSource, title: tval('WeCom', { ns: NAMESPACE }) });
}
