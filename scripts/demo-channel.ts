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

/**
 * `npm start`: a group-robot channel `wecom-group` that posts to the sandbox's demo group through its robot's
 * webhook (the whole address pasted, as an admin copies it), mentioning receivers linked to `wecom`.
 */
export async function configureDemoRobot(api: Api, webhookKey: string): Promise<void> {
  const existing = await api.get<unknown[]>('notificationChannels:list', { filter: JSON.stringify({ name: 'wecom-group' }) });
  if (existing.length) return;
  await api.post('notificationChannels:create', {
    name: 'wecom-group',
    title: 'WeCom group',
    notificationType: 'wecom-robot',
    description: 'Messages to the sandbox group through its robot; receivers are mentioned',
    options: { webhookKey: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${webhookKey}`, authenticator: 'wecom' },
  });
}
