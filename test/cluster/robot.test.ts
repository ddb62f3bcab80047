// The group-robot channel on a two-instance cluster: both instances send to one robot at once, and together they
// stay within its limit (4 messages per 2 s here, sandbox and app alike): every message arrives once, none is
// refused with 45009, no window holds more than the limit. The slots live in NocoBase's Redis cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMessage } from '../../sandbox';
import { defaultConfig } from '../../sandbox';
import { Cluster, startCluster } from './cluster';

const LIMIT = 4;
const WINDOW_MS = 2000;

describe('WeCom group-robot channel on a two-instance cluster (PostgreSQL + Redis)', () => {
  let c: Cluster;
  const robot = defaultConfig.robots![0];

  beforeAll(async () => {
    c = await startCluster(
      async (admin) => {
        await admin.post('notificationChannels:create', {
          name: 'group',
          title: 'WeCom group',
          notificationType: 'wecom-robot',
          options: { webhookKey: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${robot.key}` },
        });
      },
      [],
      { WECOM_ROBOT_RATE_LIMIT: String(LIMIT), WECOM_ROBOT_RATE_WINDOW_MS: String(WINDOW_MS) },
    );
    c.sandbox.config.robotLimit = { perWindow: LIMIT, windowMs: WINDOW_MS };
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('delivers every message once, within the limit of the robot shared by both instances', async () => {
    const sends = Array.from({ length: 12 }, (_, i) => ({ via: i % 2 === 0 ? c.a.url : c.b.url, content: `cluster robot ${i}` }));
    await Promise.all(
      sends.map(async ({ via, content }) => {
        const res = await fetch(`${via}/api/messages:send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.admin.token}` },
          body: JSON.stringify({ channelName: 'group', triggerFrom: 'cluster-robot', message: { msgtype: 'text', text: { content } } }),
        });
        expect(res.status).toBe(200);
      }),
    );
    let logs: { status: string; reason?: string }[] = [];
    for (;;) {
      logs = await c.admin.get<{ status: string; reason?: string }[]>('notificationSendLogs:list', { filter: JSON.stringify({ triggerFrom: 'cluster-robot' }), pageSize: '50' });
      if (logs.length >= sends.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(logs.map((log) => log.status)).toEqual(Array(12).fill('success'));
    const messages = ((await (await fetch(`${c.sandbox.url}/__sandbox/groups/${encodeURIComponent(robot.group)}`)).json()) as { messages: GroupMessage[] }).messages;
    expect(messages.map((m) => m.content.content).sort()).toEqual(sends.map((s) => s.content).sort());
    expect(c.sandbox.stats().calls['webhook/send:45009'] ?? 0).toBe(0);
    const times = messages.map((m) => m.at);
    for (const at of times) expect(times.filter((t) => t >= at && t < at + WINDOW_MS).length).toBeLessThanOrEqual(LIMIT);
    // 12 messages at 4 per 2 s: the later ones waited, and said so.
    expect(logs.filter((log) => /Waited [\d.]+ s for the robot's limit/.test(log.reason ?? '')).length).toBeGreaterThan(0);
    // The turns were taken in the shared cache, not in each instance's memory.
    expect(c.redisKeys('*robot:*').length).toBeGreaterThan(0);
  });
});
