// Registers the `wecom` source type with NocoBase's user data sync. The form is admin-only: it comes from its
// own file (dist/client/sync.js) when a source drawer shows it, so the sign-in page's bundle stays small.
import type { Application } from '@nocobase/client';
import { Alert, Spin } from 'antd';
import { type ComponentType, useEffect, useState } from 'react';
import { loadSibling } from '../amd';

type Chunk = typeof import('./form');

/** The source type's name, as the server registers it (src/server/sync/contacts-sync.ts). */
const SOURCE_TYPE = 'wecom';

let loading: Promise<Chunk> | undefined;
let failures = 0;

/** sync.js, once per page; after a failure the next drawer tries again. */
const load = () =>
  (loading ??= loadSibling<Chunk>('sync.js', failures).catch((error: unknown) => {
    loading = undefined;
    failures += 1;
    throw error;
  }));

function SyncSourceForm() {
  const [state, setState] = useState<{ Form?: ComponentType; error?: unknown }>({});
  useEffect(() => {
    let mounted = true;
    load().then(
      (chunk) => mounted && setState({ Form: chunk.SyncSourceForm }),
      (error: unknown) => mounted && setState({ error }),
    );
    return () => {
      mounted = false;
    };
  }, []);
  if (state.Form) return <state.Form />;
  return state.error ? <Alert type="error" showIcon message={String(state.error)} /> : <Spin />;
}

interface UserDataSync {
  registerType(type: string, options: { components: { AdminSettingsForm: ComponentType } }): void;
}

/** Only where user data sync is enabled. */
export function registerSyncSource(app: Application) {
  (app.pm.get('user-data-sync') as UserDataSync | undefined)?.registerType(SOURCE_TYPE, { components: { AdminSettingsForm: SyncSourceForm } });
}
