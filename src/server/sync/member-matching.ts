// Which existing NocoBase user a member new to the source is, and what the sync may write into a user it did not
// create (keepOwnContacts). The rule is the sign-in's: a member becomes an existing user only by a link made under
// this authenticator and corp, or by the normalized mobile number WeCom gives for it. An email proves nothing (it is
// typed by whoever administers the address book): a member whose email alone matches a user is not linked, and the
// match is reported as a suggestion. A user with the root role is never matched, claimed, rewritten or removed.
import type { Database, Model } from '@nocobase/database';
import { normalizePhone } from '../common/phone';
import { OriginRecord, resourcePk } from './origin-records';
import type { UserRecord } from './records';
import type { SkipReason, SyncReport } from './report';

export interface Contacts {
  phone?: string | null;
  email?: string | null;
  nickname?: string | null;
  username?: string | null;
}


export interface LinkMeta {
  corpId: string;
  userid: string;
  /** The sync created this user (WeCom's email and phone keep flowing into it). */
  syncCreated?: boolean;
}

export function isCurrentLink(link: Model, corpId: string): boolean {
  return (link.get('meta') as { corpId?: unknown } | null)?.corpId === corpId;
}

export interface MatcherContext {
  db: Database;
  /** The authenticator's name: the links read are those under it. */
  authenticator: string;
  corpId: string;
  sourceName: string;
  /** Users with the root role: never matched, claimed, rewritten or removed by the sync. */
  roots: ReadonlySet<number>;
  log: { warn(message: string, meta?: Record<string, unknown>): void };
  /** Every user record of the source. */
  userOrigins(): Promise<OriginRecord[]>;
  /** Every user record of the source, when the caller has read them already (a pull). */
  known?: Iterable<OriginRecord>;
}

/** The matching of one batch of members: what it reads is read once per batch. */
export class MemberMatcher {
  /** Users this source already writes, read once per batch. */
  private claimed?: Promise<Set<number>>;
  private index?: Promise<{ phones: Map<string, number[]>; emails: Map<string, number[]> }>;
  /** user id → the userids it is linked to under this authenticator and corp, read once per batch. */
  private links?: Promise<Map<number, string[]>>;

  constructor(private readonly ctx: MatcherContext) {
    this.claimed = ctx.known ? Promise.resolve(claimedBy(ctx.known)) : undefined;
  }

  /**
   * The user this new member is: by link, then by phone. 'skip' when that cannot be told for sure, when the user
   * has the root role, or when only an email matches (a suggestion in the report, never acted on).
   */
  async match(record: UserRecord, linked: number | undefined, report: SyncReport): Promise<number | 'skip' | undefined> {
    const skip = (reason: SkipReason, userId?: number): 'skip' => {
      report.skipped.push({ userid: record.uid, reason, ...(userId !== undefined ? { userId } : {}) });
      this.ctx.log.warn('wecom member not written', { source: this.ctx.sourceName, userid: record.uid, reason });
      return 'skip';
    };
    if (linked !== undefined) return this.ctx.roots.has(linked) ? skip('root', linked) : linked;
    this.claimed ??= this.claimedUserIds();
    const claimed = await this.claimed;
    this.index ??= this.contactIndex();
    const index = await this.index;
    const byPhone = record.phone ? index.phones.get(record.phone) ?? [] : [];
    if (byPhone.length > 1) return skip('phone-ambiguous');
    if (byPhone.length === 1) {
      const [id] = byPhone;
      if (this.ctx.roots.has(id)) return skip('root', id);
      if (claimed.has(id) || (await this.linkedToAnother(id, record.uid))) return skip('user-taken', id);
      return id;
    }
    // An email is no proof: the member is left out (a user of its own would take that person's place), and the
    // admin is told which user it may be.
    const byEmail = record.email ? (index.emails.get(record.email) ?? []).filter((id) => !this.ctx.roots.has(id)) : [];
    if (byEmail.length) return skip('email-only', byEmail[0]);
    if (record.email && index.emails.has(record.email)) return skip('root');
    return undefined;
  }

  /** A user matched in this batch is taken for the members after it (once the claimed users were read). */
  async markClaimed(userId: number): Promise<void> {
    (await this.claimed)?.add(userId);
  }

  /**
   * Users by normalized phone and by email, read once per batch: a pull of N new members then costs one
   * query, not N scans. Phones match whatever their stored format, as the sign-in matches them.
   */
  private async contactIndex(): Promise<{ phones: Map<string, number[]>; emails: Map<string, number[]> }> {
    const phones = new Map<string, number[]>();
    const emails = new Map<string, number[]>();
    const users = await this.ctx.db.getRepository('users').model.findAll({ attributes: ['id', 'phone', 'email'], raw: true });
    for (const u of users as unknown as { id: number; phone?: string | null; email?: string | null }[]) {
      const phone = normalizePhone(u.phone);
      if (phone) phones.set(phone, [...(phones.get(phone) ?? []), Number(u.id)]);
      if (u.email) emails.set(u.email, [...(emails.get(u.email) ?? []), Number(u.id)]);
    }
    return { phones, emails };
  }

  /** Users already written by this source (their WeCom member is another one). */
  private async claimedUserIds(): Promise<Set<number>> {
    return claimedBy(await this.ctx.userOrigins());
  }

  /** Whether the user is linked (under this authenticator and corp) to another member: all links read once per batch. */
  private async linkedToAnother(userId: number, userid: string): Promise<boolean> {
    this.links ??= (async () => {
      const byUser = new Map<number, string[]>();
      const rows = await this.ctx.db.getRepository('usersAuthenticators').model.findAll({ where: { authenticator: this.ctx.authenticator }, attributes: ['userId', 'uuid', 'meta'] });
      for (const l of rows) {
        if (!isCurrentLink(l as unknown as Model, this.ctx.corpId)) continue;
        const id = Number(l.get('userId'));
        byUser.set(id, [...(byUser.get(id) ?? []), l.get('uuid') as string]);
      }
      return byUser;
    })();
    return ((await this.links).get(userId) ?? []).some((uuid) => uuid !== userid);
  }
}

/**
 * What the sync writes into an existing user: a user the sync did not create keeps the nickname, email and phone
 * it has (the email may be how it signs in), unless the field is empty, already holds WeCom's value, or still
 * holds what the sync last wrote (`last`: the source's record of this very user). Fields left out of a record
 * are not written by plugin-users.
 */
export function keepOwnContacts(record: UserRecord, user: Contacts | undefined, last: Record<string, unknown> | undefined, syncCreated: boolean): { record: UserRecord; kept: ('nickname' | 'email' | 'phone')[] } {
  if (!user || syncCreated) return { record, kept: [] };
  const out: UserRecord = { ...record };
  const kept: ('nickname' | 'email' | 'phone')[] = [];
  const nickname = typeof user.nickname === 'string' ? user.nickname.trim() : '';
  if (out.nickname && nickname && user.nickname !== out.nickname && user.nickname !== last?.nickname) {
    delete out.nickname;
    kept.push('nickname');
  }
  // Emptiness on the raw value: a phone normalizePhone cannot read (`+1 555 0100 ext 7`, `8021`) is still the user's.
  const phone = typeof user.phone === 'string' ? user.phone.trim() : '';
  const comparable = (value: unknown) => (typeof value === 'string' ? normalizePhone(value) ?? value.trim() : undefined);
  if (out.phone && phone && comparable(phone) !== comparable(out.phone) && comparable(phone) !== comparable(last?.phone)) {
    delete out.phone;
    kept.push('phone');
  }
  if (out.email && user.email && user.email !== out.email && user.email !== last?.email) {
    delete out.email;
    kept.push('email');
  }
  return { record: kept.length ? out : record, kept };
}

function claimedBy(origins: Iterable<OriginRecord>): Set<number> {
  const out = new Set<number>();
  for (const o of origins) {
    const id = o.metaData.isDeleted ? undefined : resourcePk(o, 'users');
    if (id !== undefined) out.add(id);
  }
  return out;
}
