// The `wecom` notification channel: sends as a WeCom authenticator's app, to the NocoBase users linked to
// it. Whatever goes wrong ends in the send log as a localized reason; nothing here throws at NocoBase.
import { Model } from '@nocobase/database';
import { BaseNotificationChannel } from '@nocobase/plugin-notification-manager';
import { Application } from '@nocobase/server';
import { NAMESPACE } from '../../constants';
import { appTranslator } from '../common/app-language';
import { localize, LoginError, Reason, reasonFromWecom } from '../common/errors';
import { servicesOf } from '../common/services';
import { linkTargetOf } from '../common/signed-in-links';
import { MAX_RECIPIENTS, WecomClient } from '../wecom/client';
import { WecomApiError } from '../wecom/errors';
import { channelAuthenticator } from '../common/channel-authenticator';
import { toWecomMessage, WecomMessage } from './message';
import { resolveRecipients, Unreached, userIdsOf } from '../common/recipients';

type Translate = (key: string, options?: Record<string, unknown>) => string;
type SendParams = Parameters<BaseNotificationChannel['send']>[0];
type SendResult = Awaited<ReturnType<BaseNotificationChannel['send']>>;

/** Why a user was not reached: a kind of ours, WeCom's lists, or the reason a whole batch failed. */
type Why = Unreached | 'invalid' | 'unlicensed' | Reason;

/** Names listed per reason in the send log; the rest are counted. */
const LISTED = 20;
/** Names of the recipients reached, listed in the send log's first sentence. */
const REACHED_LISTED = 5;

/** Why a user was not reached, one sentence each (English locale keys). */
const WHY: Record<Exclude<Why, Reason>, string> = {
  notLinked: 'They are not linked to WeCom: they have not signed in with this WeCom authenticator yet.',
  otherCorp: "They are linked to a member of another Company ID: they signed in before the authenticator's Company ID changed.",
  invalid: "WeCom listed them as invalid users (invaliduser): WeCom does not know them, or they are not in the app's visible range.",
  unlicensed: 'WeCom listed them as unlicensed (unlicenseduser): they have no WeCom account licence.',
};

export class WeComChannel extends BaseNotificationChannel {
  constructor(app: Application) {
    super(app);
  }

  async send({ channel, message, receivers }: SendParams): Promise<SendResult> {
    const t = await appTranslator(this.app);
    try {
      const { name, options } = await channelAuthenticator(this.app, channel.options?.authenticator);
      const target = await linkTargetOf(this.app, { name, origin: options.origin });
      const wecomMessage = toWecomMessage(message, { target, defaultPath: options.redirectPath });
      const userIds = await userIdsOf(this.app.db, receivers, message);
      const recipients = await resolveRecipients(this.app.db, name, options.corpId, userIds);
      const why = new Map<number, Why>(recipients.unreached);
      const client = servicesOf(this.app).clientFor(options);
      await this.deliver(client, wecomMessage, recipients.userids, why, channel.name);
      if (why.size === 0) return { message, status: 'success' };
      // The send log knows only success and failure: a message that reached someone was sent (the workflow goes
      // on, and a retry would send it twice to those who have it); the reason says who did not get it, and why.
      const reached = [...recipients.userids.values()].filter((userId) => !why.has(userId));
      return { message, status: reached.length ? 'success' : 'failure', reason: await this.report(t, recipients.total, reached, why) };
    } catch (error) {
      if (!(error instanceof LoginError)) throw error;
      return { message, status: 'failure', reason: localize(t, error.reason) };
    }
  }

  /** message/send per 1,000 userids, one after the other; a failed batch does not stop the others. */
  private async deliver(client: WecomClient, message: WecomMessage, userids: Map<string, number>, why: Map<number, Why>, channel: string) {
    const all = [...userids.keys()];
    const byLowercase = new Map(all.map((userid) => [userid.toLowerCase(), userids.get(userid)!]));
    let stop: Reason | undefined;
    for (let at = 0; at < all.length; at += MAX_RECIPIENTS) {
      const batch = all.slice(at, at + MAX_RECIPIENTS);
      if (stop) {
        for (const userid of batch) why.set(userids.get(userid)!, stop);
        continue;
      }
      try {
        const report = await client.sendMessage(batch, message.msgtype, message.content);
        // WeCom lowercases the userids it lists.
        for (const userid of report.invaliduser) markUser(byLowercase, userid, 'invalid', why);
        for (const userid of report.unlicenseduser) markUser(byLowercase, userid, 'unlicensed', why);
      } catch (error) {
        if (!(error instanceof WecomApiError)) throw error;
        const reason = reasonFromWecom(error);
        this.app.log.warn('wecom message/send failed', {
          channel,
          recipients: batch.length,
          failure: error.failure,
          errcode: error.errcode,
          errmsg: error.errmsg,
        });
        for (const userid of batch) why.set(userids.get(userid)!, reason);
        // Every further batch would meet the same configuration problem.
        if (reason.code === 'WECOM_CONFIG') stop = reason;
      }
    }
  }

  /**
   * "Sent to 2 of 3 recipients: Zhang San (#1), Li Si (#2).", then one line per cause: "Not sent to Wang Wu (#3).
   * They are not linked to WeCom: ...", in the app's language.
   */
  private async report(t: Translate, total: number, reached: number[], why: Map<number, Why>): Promise<string> {
    const groups = new Map<string, number[]>();
    for (const [userId, cause] of why) {
      const text = typeof cause === 'string' ? t(WHY[cause], { ns: NAMESPACE }) : localize(t, cause);
      groups.set(text, [...(groups.get(text) ?? []), userId]);
    }
    const listed = [...reached.slice(0, REACHED_LISTED), ...[...groups.values()].flatMap((ids) => ids.slice(0, LISTED))];
    const users = await this.app.db.getRepository('users').find({ filter: { id: { $in: listed } }, fields: ['id', 'nickname', 'username'] });
    const names = new Map(users.map((user: Model) => [Number(user.get('id')), String(user.get('nickname') || user.get('username') || '')]));
    const list = (ids: number[], max: number) => {
      const shown = ids.slice(0, max).map((id) => (names.get(id) ? `${names.get(id)} (#${id})` : `#${id}`));
      return ids.length > max ? t('{{names}} and {{n}} more', { ns: NAMESPACE, names: shown.join(', '), n: ids.length - max }) : shown.join(', ');
    };
    const summary = reached.length
      ? t('Sent to {{reached}} of {{total}} recipients: {{names}}.', { ns: NAMESPACE, reached: reached.length, total, names: list(reached, REACHED_LISTED) })
      : t('Sent to {{reached}} of {{total}} recipients.', { ns: NAMESPACE, reached: 0, total });
    const parts = [...groups].map(([text, ids]) => t('Not sent to {{names}}. {{why}}', { ns: NAMESPACE, names: list(ids, LISTED), why: text }));
    return [summary, ...parts].join('\n');
  }
}

function markUser(byLowercase: Map<string, number>, userid: string, cause: Why, why: Map<number, Why>) {
  const userId = byLowercase.get(userid.toLowerCase());
  if (userId !== undefined) why.set(userId, cause);
}
