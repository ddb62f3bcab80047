// `npm start`: a WeCom contacts-sync source `wecom` reading the sandbox's address book under the demo
// authenticator `wecom`. It is not run: the admin clicks Sync (Settings > Users & Permissions > Synchronize).
// It is created with a callback Token and EncodingAESKey of its own, which the sandbox is given too, so that a
// change made in the sandbox reaches NocoBase as WeCom's change_contact callback would.
import { randomInt } from 'node:crypto';
import type { Api } from './nocobase';

export interface DemoCallback {
  url: string;
  token: string;
  encodingAESKey: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomText = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/** Creates the source unless it exists; answers its callback settings when it was created now. */
export async function configureDemoSync(api: Api, contactsSecret: string, origin: string): Promise<DemoCallback | undefined> {
  const existing = await api.get<unknown[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: 'wecom' }) });
  if (existing.length) return undefined;
  // WeCom's console makes a Token of up to 32 letters and digits and an EncodingAESKey of 43.
  const callback = { url: `${origin}/api/wecom:contactsCallback?source=wecom`, token: randomText(32), encodingAESKey: randomText(43) };
  await api.post('userDataSyncSources:create', {
    name: 'wecom',
    sourceType: 'wecom',
    displayName: 'WeCom',
    enabled: true,
    options: { authenticator: 'wecom', contactsSecret, callbackToken: callback.token, callbackEncodingAESKey: callback.encodingAESKey },
  });
  return callback;
}

interface SyncTask {
  status: string;
  message?: string | null;
  createdAt: string;
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * What NocoBase's own record says about the source's runs (each pull is a task of user-data-sync), for the
 * start banner: "not run yet", or the last run's status, time and message; undefined when it cannot be read.
 */
export async function demoSyncState(api: Api): Promise<string | undefined> {
  try {
    const [source] = await api.get<{ id: number }[]>('userDataSyncSources:list', { filter: JSON.stringify({ name: 'wecom' }) });
    if (!source) return undefined;
    const [task] = await api.get<SyncTask[]>('userDataSyncTasks:list', {
      filter: JSON.stringify({ sourceId: source.id }),
      sort: '-id',
      pageSize: '1',
    });
    if (!task) return 'not run yet: click Sync';
    // A run cut short by a stop stays "processing" in NocoBase: the status is quoted, not interpreted.
    return `last run ${localTime(task.createdAt)} (${task.status})${task.message ? `: ${task.message}` : ''}`;
  } catch (error) {
    console.warn(`Could not read the runs of the contacts-sync source: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
