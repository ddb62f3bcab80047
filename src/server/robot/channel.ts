// The `wecom-robot` notification channel: a message to the group of a WeCom group robot, its receivers
// @mentioned. The robot's limit is shared by the whole cluster (limiter.ts): a message beyond it waits its turn,
// and a 45009 (the robot is shared with other senders) makes it wait and try again. Whatever goes wrong ends in
// the send log as a localized reason naming the fix; nothing here throws at NocoBase.
import type { Model } from '@nocobase/database';
import { BaseNotificationChannel } from '@nocobase/plugin-notification-manager';
import type { Application } from '@nocobase/server';
import { NAMESPACE } from '../../constants';
import { bytesOf, ROBOT_LIMITS } from '../../shared/robot-message';
import { appTranslator, Translate } from '../common/app-language';
import { localize, LoginError } from '../common/errors';
import { userIdsOf } from '../common/recipients';
import { wecomBaseUrls } from '../common/services';
import { linkTargetOf } from '../common/signed-in-links';
import { WecomApiError } from '../wecom/errors';
import { ROBOT_BUSY, RobotWebhook } from '../wecom/robot';
import { reasonFromRobot } from './errors';
import { RobotLimiter, robotId, robotRate } from './limiter';
import { applyMentions, Mentions, NotMentioned, resolveMentions } from './mentions';
import { toRobotMessage } from './message';
import { robotOptions } from './options';

type SendParams = Parameters<BaseNotificationChannel['send']>[0];
type SendResult = Awaited<ReturnType<BaseNotificationChannel['send']>>;

/** Names listed per line of the send log; the rest are counted. */
const LISTED = 20;
/** Tries after WeCom's "system busy" (-1) before the message is given up. */
const BUSY_TRIES = 3;

const NOT_MENTIONED: Record<NotMentioned, string> = {
  noAccount: 'They have no WeCom account linked to the chosen authenticator and no mobile number.',
  markdownMobile: 'A markdown message mentions by WeCom account only, and they are known by their mobile number alone.',
  noMentions: 'News and template card messages cannot mention anyone.',
};

/** How a message went: how long it waited for the robot's limit, how many 45009 answers it met. */
export interface Delivery {
  waitedMs: number;
  busyAnswers: number;
}

// One limiter per app (its shared cache), made when the feature loads.
const limiters = new WeakMap<Application['pm'], RobotLimiter>();

export function provideLimiter(app: Application, limiter: RobotLimiter): void {
  limiters.set(app.pm, limiter);
}

export function limiterOf(app: Application): RobotLimiter {
  const limiter = limiters.get(app.pm);
  if (!limiter) throw new Error('The WeCom robot channel is not loaded in this app.');
  return limiter;
}

export const webhook = () => new RobotWebhook(wecomBaseUrls().api, Number(process.env.WECOM_TIMEOUT_MS) || 5000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** WECOM_ROBOT_MAX_WAIT_MS (an hour): how long a message waits for a robot WeCom keeps calling busy. */
const maxWaitMs = () => Number(process.env.WECOM_ROBOT_MAX_WAIT_MS) || 3_600_000;

/**
 * Sends `body` to the robot of `key` in its turn: after the messages before it in this process, in a free slot
 * of the robot's window across the cluster, again after a 45009 or -1 until WeCom takes it.
 */
export function deliver(app: Application, key: string, body: Record<string, unknown>, channel: string): Promise<Delivery> {
  const limiter = limiterOf(app);
  const robot = robotId(key);
  const queuedAt = Date.now();
  return limiter.inLine(robot, async () => {
    const started = Date.now();
    let busyAnswers = 0;
    let systemBusy = 0;
    for (;;) {
      const slot = await limiter.slot(robot, Math.max(0, started + maxWaitMs() - Date.now()));
      if (!slot) throw gaveUp(busyAnswers, started);
      const sendingAt = Date.now();
      try {
        await webhook().send(key, body);
        await slot.keep();
        return { waitedMs: sendingAt - queuedAt, busyAnswers };
      } catch (error) {
        await slot.keep();
        if (!(error instanceof WecomApiError)) throw error;
        app.log.warn('wecom robot webhook/send failed', { channel, robot, failure: error.failure, errcode: error.errcode, errmsg: error.errmsg });
        if (error.failure !== 'errcode' || !ROBOT_BUSY.has(error.errcode!)) throw new LoginError(reasonFromRobot(error), { cause: error });
        if (error.errcode === -1 && ++systemBusy >= BUSY_TRIES) throw new LoginError(reasonFromRobot(error), { cause: error });
        if (error.errcode === 45009) busyAnswers += 1;
        // The robot is over its limit because others use it too: wait for WeCom's window to move on.
        const { windowMs } = robotRate();
        const wait = Math.min(windowMs, (windowMs / 4) * 2 ** Math.max(0, busyAnswers + systemBusy - 1));
        if (Date.now() + wait - started > maxWaitMs()) throw gaveUp(busyAnswers, started);
        await sleep(wait);
      }
    }
  });
}

function gaveUp(busyAnswers: number, started: number): LoginError {
  return new LoginError({
    code: 'WECOM_UNAVAILABLE',
    status: 503,
    message:
      'WeCom kept answering that the robot is over its limit ({{times}} times in {{minutes}} minutes): the message was not sent. The robot is shared with other senders: give this channel a robot of its own.',
    params: { times: busyAnswers, minutes: Math.round((Date.now() - started) / 60_000) },
  });
}

export class WeComRobotChannel extends BaseNotificationChannel {
  constructor(app: Application) {
    super(app);
  }

  async send({ channel, message, receivers }: SendParams): Promise<SendResult> {
    const t = await appTranslator(this.app);
    try {
      const options = await robotOptions(this.app, channel.options);
      const chosen = options.authenticator;
      const target = chosen ? await linkTargetOf(this.app, { name: chosen.name, origin: chosen.options.origin }) : undefined;
      const robotMessage = toRobotMessage(message, target);
      const userIds = await userIdsOf(this.app.db, receivers, message, { allowNone: true });
      const mentions = await resolveMentions(this.app.db, userIds, chosen);
      const content = applyMentions(robotMessage.msgtype, robotMessage.content, mentions, robotMessage.mentionAll);
      if (robotMessage.msgtype === 'markdown' && bytesOf(String(content.content)) > ROBOT_LIMITS.markdown) {
        throw new LoginError({
          code: 'WECOM_MESSAGE_INVALID',
          status: 400,
          message: '{{field}} with its mentions is longer than WeCom allows ({{max}} bytes).',
          params: { field: 'Content', max: ROBOT_LIMITS.markdown },
        });
      }
      const delivery = await deliver(this.app, options.key, { msgtype: robotMessage.msgtype, [robotMessage.msgtype]: content }, channel.name);
      return { message, status: 'success', reason: await this.report(t, mentions, robotMessage.mentionAll, delivery) };
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      return { message, status: 'failure', reason: localize(t, error.reason) };
    }
  }

  /**
   * "Sent to the group. Mentioned: Zhang San (#1), Li Si (#2). Not mentioned: Wang Wu (#3). They have no ...
   * Waited 12 s for the robot's limit (20 messages per 60 s).", in the app's language.
   */
  private async report(t: Translate, mentions: Mentions, all: boolean, delivery: Delivery): Promise<string> {
    const mentioned = [...mentions.byUserid.keys(), ...mentions.byMobile.keys()];
    const groups = new Map<NotMentioned, number[]>();
    for (const [id, why] of mentions.notMentioned) groups.set(why, [...(groups.get(why) ?? []), id]);
    const names = await namesOf(this.app, [...mentioned.slice(0, LISTED), ...[...groups.values()].flatMap((ids) => ids.slice(0, LISTED))]);
    const list = (ids: number[]) => {
      const shown = ids.slice(0, LISTED).map((id) => (names.get(id) ? `${names.get(id)} (#${id})` : `#${id}`));
      return ids.length > LISTED ? t('{{names}} and {{n}} more', { ns: NAMESPACE, names: shown.join(', '), n: ids.length - LISTED }) : shown.join(', ');
    };
    const lines = [t('Sent to the group.', { ns: NAMESPACE })];
    if (all) lines.push(t('Mentioned everyone (@all).', { ns: NAMESPACE }));
    if (mentioned.length) lines.push(t('Mentioned: {{names}}.', { ns: NAMESPACE, names: list(mentioned) }));
    for (const [why, ids] of groups) lines.push(t('Not mentioned: {{names}}. {{why}}', { ns: NAMESPACE, names: list(ids), why: t(NOT_MENTIONED[why], { ns: NAMESPACE }) }));
    const seconds = Math.round(delivery.waitedMs / 100) / 10;
    if (delivery.busyAnswers) {
      lines.push(t('WeCom answered {{times}} times that the robot was over its limit (45009): the message waited {{seconds}} s and was sent then.', { ns: NAMESPACE, times: delivery.busyAnswers, seconds }));
    } else if (delivery.waitedMs >= 100) {
      const { limit, windowMs } = robotRate();
      lines.push(t("Waited {{seconds}} s for the robot's limit ({{limit}} messages per {{window}} s).", { ns: NAMESPACE, seconds, limit, window: Math.round(windowMs / 1000) }));
    }
    return lines.join('\n');
  }
}

async function namesOf(app: Application, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const users = await app.db.getRepository('users').find({ filter: { id: { $in: ids } }, fields: ['id', 'nickname', 'username'] });
  return new Map(users.map((user: Model) => [Number(user.get('id')), String(user.get('nickname') || user.get('username') || '')]));
}
