// `npm start`: a WeCom notification channel `wecom` that sends as the demo authenticator `wecom`, so a
// workflow's notification node (or `messages:send`) reaches linked members in the sandbox's inbox.
import type { Api } from './nocobase';

export async function configureDemoChannel(api: Api): Promise<void> {
  const existing = await api.get<unknown[]>('notificationChannels:list', { filter: JSON.stringify({ name: 'wecom' }) });
  if (existing.length) return;
  await api.post('notificationChannels:create', {
    name: 'wecom',
    title: 'WeCom',
    notificationType: 'wecom',
    description: 'App messages to the users linked to the WeCom authenticator "wecom"',
    options: { authenticator: 'wecom' },
  });
}
