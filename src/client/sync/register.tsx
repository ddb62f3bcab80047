// Registers the `wecom` source type with NocoBase's user data sync. The form is admin-only: it comes from its
// own file (dist/client/sync.js) when a source drawer shows it, so the sign-in page's bundle stays small.
import type { Application } from '@nocobase/client';
import type { ComponentType } from 'react';
import { SYNC_SOURCE_TYPE } from '../../constants';
import { DRAWER_NOT_LOADED } from '../../client-common/messages';
import { onDemand } from '../OnDemand';

const SyncSourceForm = onDemand('sync.js', 'SyncSourceForm', DRAWER_NOT_LOADED);

interface UserDataSync {
  registerType(type: string, options: { components: { AdminSettingsForm: ComponentType } }): void;
}

/** Only where user data sync is enabled. */
export function registerSyncSource(app: Application) {
  (app.pm.get('user-data-sync') as UserDataSync | undefined)?.registerType(SYNC_SOURCE_TYPE, { components: { AdminSettingsForm: SyncSourceForm } });
}
