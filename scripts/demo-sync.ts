// `npm start`: a WeCom contacts-sync source `wecom` reading the sandbox's address book under the demo
// authenticator `wecom`. It is not run: the admin clicks Sync (Settings > Users & Permissions > Synchronize).
import type { Api } from './nocobase';

export async function configureDemoSync(api: Api, contactsSecret: string): Promise<void> {
  const existing = await api.get<unknown[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: 'wecom' }) });
  if (existing.length) return;
  await api.post('userDataSyncSources:create', {
    name: 'wecom',
    sourceType: 'wecom',
    displayName: 'WeCom',
    enabled: true,
    options: { authenticator: 'wecom', contactsSecret },
  });
}
