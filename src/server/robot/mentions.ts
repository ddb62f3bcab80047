// Receivers of a robot message become @mentions in the group: a user linked to the chosen WeCom authenticator by
// userid, otherwise by the mobile number of the user, otherwise not at all (named in the send log).
import type { Database } from '@nocobase/database';
import type { Model } from '@nocobase/database';
import type { ChannelAuthenticator } from '../common/channel-authenticator';
import { normalizePhone } from '../common/phone';
import { resolveRecipients } from '../common/recipients';

/** Why a receiver is not mentioned. */
export type NotMentioned = 'noAccount' | 'markdownMobile' | 'noMentions';

export interface Mentions {
  /** NocoBase user id -> WeCom userid */
  byUserid: Map<number, string>;
  /** NocoBase user id -> mobile number */
  byMobile: Map<number, string>;
  notMentioned: Map<number, NotMentioned>;
}

/** Who among `userIds` can be mentioned, and how. */
export async function resolveMentions(db: Database, userIds: number[], authenticator: ChannelAuthenticator | undefined): Promise<Mentions> {
  const byUserid = new Map<number, string>();
  if (authenticator && userIds.length) {
    const linked = await resolveRecipients(db, authenticator.name, authenticator.options.corpId, userIds);
    for (const [userid, userId] of linked.userids) byUserid.set(userId, userid);
  }
  const rest = userIds.filter((id) => !byUserid.has(id));
  const byMobile = new Map<number, string>();
  const notMentioned = new Map<number, NotMentioned>();
  if (rest.length) {
    const users = await db.getRepository('users').find({ filter: { id: { $in: rest } }, fields: ['id', 'phone'] });
    const phones = new Map<number, string | undefined>(users.map((user: Model) => [Number(user.get('id')), normalizePhone(user.get('phone'))]));
    for (const id of rest) {
      const mobile = phones.get(id);
      if (mobile) byMobile.set(id, mobile);
      else notMentioned.set(id, 'noAccount');
    }
  }
  return { byUserid, byMobile, notMentioned };
}

/**
 * The mentions as the msgtype carries them: text has `mentioned_list` / `mentioned_mobile_list` (`@all` in
 * the first mentions everyone); markdown only `<@userid>` in its content; news and template cards none.
 */
export function applyMentions(msgtype: string, content: Record<string, unknown>, mentions: Mentions, all: boolean): Record<string, unknown> {
  if (msgtype === 'text') {
    const userids = [...mentions.byUserid.values(), ...(all ? ['@all'] : [])];
    const mobiles = [...mentions.byMobile.values()];
    return { ...content, ...(userids.length ? { mentioned_list: userids } : {}), ...(mobiles.length ? { mentioned_mobile_list: mobiles } : {}) };
  }
  if (msgtype === 'markdown') {
    for (const id of mentions.byMobile.keys()) mentions.notMentioned.set(id, 'markdownMobile');
    mentions.byMobile.clear();
    const tags = [...mentions.byUserid.values()].map((userid) => `<@${userid}>`);
    return tags.length ? { ...content, content: `${String(content.content)}\n${tags.join(' ')}` } : content;
  }
  for (const id of [...mentions.byUserid.keys(), ...mentions.byMobile.keys()]) mentions.notMentioned.set(id, 'noMentions');
  mentions.byUserid.clear();
  mentions.byMobile.clear();
  return content;
}
