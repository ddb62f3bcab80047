// "Send a test message" of a robot channel's form: `POST /api/wecom:testRobot` with the key as typed
// (`webhookKey`) or, when the field is left empty (a saved key is never shown), the saved key of the channel
// `channel`. Answers what WeCom said, in the admin's language; the key never comes back.
import type { Context, Next } from '@nocobase/actions';
import { NAMESPACE, ROBOT_CHANNEL_TYPE } from '../../constants';
import { localize, LoginError } from '../common/errors';
import { WecomApiError } from '../wecom/errors';
import { webhook, limiterOf } from './channel';
import { reasonFromRobot } from './errors';
import { robotId, robotRate } from './limiter';
import { renderKey } from './options';

export async function testRobot(ctx: Context, next: Next) {
  const values = (ctx.action.params.values ?? {}) as { webhookKey?: unknown; channel?: unknown; title?: unknown };
  try {
    return await answer(ctx, next, values);
  } finally {
    // NocoBase's request log writes the action's values once it is done: never the key.
    if (typeof values.webhookKey === 'string' && values.webhookKey) ctx.action.params.values = { ...values, webhookKey: '[redacted]' };
  }
}

async function answer(ctx: Context, next: Next, values: { webhookKey?: unknown; channel?: unknown; title?: unknown }) {
  const t = (key: string, options?: Record<string, unknown>) => ctx.t(key, { ns: NAMESPACE, ...options, interpolation: { escapeValue: false } });
  try {
    const key = renderKey(ctx.app, await typedOrSaved(ctx, values));
    const limiter = limiterOf(ctx.app);
    const robot = robotId(key);
    const slot = await limiter.slot(robot, 0);
    if (!slot) {
      const { limit, windowMs } = robotRate();
      const seconds = Math.max(1, Math.ceil(((await limiter.firstFree(robot)) - Date.now()) / 1000));
      ctx.body = { ok: false, message: t('The robot has sent {{limit}} messages in the last {{window}} s, as many as WeCom allows. Try again in {{seconds}} s.', { limit, window: Math.round(windowMs / 1000), seconds }) };
      return next();
    }
    const title = typeof values.title === 'string' && values.title.trim() ? values.title.trim() : ROBOT_CHANNEL_TYPE;
    try {
      await webhook().send(key, { msgtype: 'text', text: { content: t('Test message from NocoBase: the channel "{{title}}" can send to this group.', { title }) } });
    } finally {
      await slot.keep();
    }
    ctx.body = { ok: true, message: t('WeCom accepted the test message (errcode 0): it shows in the group now.') };
  } catch (error) {
    if (error instanceof WecomApiError) {
      const said = error.failure === 'errcode' ? t('WeCom answered errcode {{errcode}} ({{errmsg}}).', { errcode: error.errcode, errmsg: error.errmsg ?? '' }) : '';
      ctx.body = { ok: false, errcode: error.errcode, message: [said, localize(t, reasonFromRobot(error))].filter(Boolean).join(' ') };
      return next();
    }
    if (!(error instanceof LoginError)) throw error;
    ctx.throw(400, localize(t, error.reason));
  }
  return next();
}

/** The key typed in the form, or the saved key of the channel being edited. */
async function typedOrSaved(ctx: Context, values: { webhookKey?: unknown; channel?: unknown }): Promise<unknown> {
  if (typeof values.webhookKey === 'string' && values.webhookKey.trim()) return values.webhookKey;
  if (typeof values.channel !== 'string' || !values.channel) return undefined;
  const record = await ctx.db.getRepository('notificationChannels').findOne({ filter: { name: values.channel, notificationType: ROBOT_CHANNEL_TYPE } });
  return (record?.get('options') as { webhookKey?: unknown } | undefined)?.webhookKey;
}
