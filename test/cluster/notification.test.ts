// The WeCom notification channel on a two-instance cluster: messages sent through either instance go out
// once each (NocoBase's notification queue runs a send on one instance only), with one token for both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../sandbox';
import { addZhangSan, callsDuring } from '../helpers/wecom-app';
import { WECOM_UA } from '../helpers/wecom-user';
import { addAuthenticator, Cluster, ClusterUser, readJson, startCluster } from './cluster';

describe('WeCom notification channel on a two-instance cluster (PostgreSQL + Redis)', () => {
  let c: Cluster;
  /** The user (no root role) zhangsan is linked to. */
  let zhang = 0;

  beforeAll(async () => {
    c = await startCluster(async (admin, origin) => {
      zhang = await addZhangSan(admin);
      await addAuthenticator(admin, origin, 'wecom');
      await admin.post('notificationChannels:create', { name: 'wecom', title: 'WeCom', notificationType: 'wecom', options: { authenticator: 'wecom' } });
    });
    // zhangsan's first login (in the WeCom client) links him to his user (same phone, no root role).
    const first = new ClusterUser(c.a.url, WECOM_UA);
    const { code, state } = await first.inClientLogin('wecom', 'zhangsan');
    const { status, text } = await readJson(await first.signInAt(c.a.url, 'wecom', { code, state }));
    expect(status, text.slice(0, 300)).toBe(200);
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('delivers each message once, whichever instance it was sent through', async () => {
    const sends = Array.from({ length: 6 }, (_, i) => ({ via: i % 2 === 0 ? c.a.url : c.b.url, content: `cluster message ${i}` }));
    const { calls } = await callsDuring(c.sandbox, async () => {
      await Promise.all(
        sends.map(async ({ via, content }) => {
          const res = await fetch(`${via}/api/messages:send`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${c.admin.token}` },
            body: JSON.stringify({ channelName: 'wecom', triggerFrom: 'cluster-test', receivers: { type: 'userId', value: [zhang] }, message: { msgtype: 'text', content } }),
          });
          expect(res.status).toBe(200);
        }),
      );
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const logs = await c.admin.get<unknown[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom: 'cluster-test' }), pageSize: '50' });
        if (logs.length >= sends.length) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    const logs = await c.admin.get<{ status: string }[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom: 'cluster-test' }), pageSize: '50' });
    expect(logs.map((log) => log.status)).toEqual(Array(6).fill('success'));
    expect(calls['message/send']).toBe(6);
    const inbox = (await (await fetch(`${c.sandbox.url}/__sandbox/inbox/zhangsan`)).json()) as { messages: InboxMessage[] };
    expect(inbox.messages.map((m) => m.content.content).sort()).toEqual(sends.map((s) => s.content).sort());
  });
});
