// Contacts sync: the `wecom` source type of NocoBase's user data sync (when it is enabled), the change callback
// WeCom posts to, and Check configuration of a source.
import { tval } from '@nocobase/utils';
import { NAMESPACE } from '../../constants';
import type { Feature } from '../common/feature';
import { contactsCallback } from './callback-action';
import { checkContacts } from './check-contacts';
import { SOURCE_TYPE } from './contacts-sync';
import { indexSyncLookups } from './indexes';
import { SYNC_SECRET_PATHS } from './options';
import { previewSync } from './preview';
import { scheduleSourcePulls } from './schedule';
import { WeComSyncSource } from './source';
import { checkSyncSourceOnSave } from './source-rule';
import { defineTaskNotes, renderTaskMessages } from './task-notes';

interface UserDataSyncPlugin {
  sourceManager: { registerType(type: string, config: { syncSource: typeof WeComSyncSource; title?: string }): void };
}

export const contactsSync: Feature = {
  name: 'contacts-sync',
  actions: {
    // WeCom signs each callback with the source's Token: the action checks it.
    contactsCallback: { handler: contactsCallback, access: { public: true } },
    // Whoever may manage user data sync (plugin-user-data-sync's snippet) may check a sync source.
    checkContacts: { handler: checkContacts, access: { snippet: 'pm.user-data-sync' } },
    // What a pull would do, writing nothing: for the same admins as Sync.
    previewSync: { handler: previewSync, access: { snippet: 'pm.user-data-sync' } },
  },
  // The contacts-sync Secret and the callback Token / EncodingAESKey.
  secrets: [{ collection: 'userDataSyncSources', typeField: 'sourceType', type: SOURCE_TYPE, paths: SYNC_SECRET_PATHS }],

  load({ app, use }) {
    const uds = app.pm.get('user-data-sync') as unknown as UserDataSyncPlugin | undefined;
    if (!uds) return;
    uds.sourceManager.registerType(SOURCE_TYPE, { syncSource: WeComSyncSource, title: tval('WeCom', { ns: NAMESPACE }) });
    // A pull's cost per member stays flat as the company grows (indexes.ts).
    indexSyncLookups(app.db);
    // A `wecom` sync source is saved only with options a pull can use.
    use(checkSyncSourceOnSave, { tag: 'auth-wecom-sync-source', after: 'acl' });
    // A pull's task reads in the reader's language, whole: its note told on list and get (task-notes.ts).
    defineTaskNotes(app);
    use(renderTaskMessages, { tag: 'auth-wecom-task-messages', after: 'acl' });
    // Sources with a schedule pull by themselves.
    scheduleSourcePulls(app);
  },
};

