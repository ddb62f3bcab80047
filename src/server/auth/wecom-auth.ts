// The sign-in policy: a WeCom code becomes a NocoBase user, or a reason the person can act on.
import { AuthConfig, BaseAuth } from '@nocobase/auth';
import { Model, Op } from '@nocobase/database';
import { getAuthCookieName } from '@nocobase/utils';
import { isDatabaseBusy, localize, LoginError, Reason, reasonFromWecom, reasons } from '../common/errors';
import { parseOptions, WeComOptions } from '../common/options';
import { normalizePhone, PHONE_FOLDS, storedPhoneForms } from '../common/phone';
import { isRootUser } from '../common/root-users';
import { servicesOf } from '../common/services';
import { signInServicesOf } from './services';
import { LoginState } from './state';
import { CodeIdentity, Member, WecomClient } from '../wecom/client';
import { WecomApiError } from '../wecom/errors';

/** WeCom codes are at most 512 bytes of printable ASCII. */
const CODE_PATTERN = /^[\x21-\x7e]{1,512}$/;

type Values = Record<string, unknown>;

/** WeCom's avatar is an https URL; anything else (a data: URI, a cut value) is not worth keeping. */
function usefulAvatar(value: unknown): string {
  return typeof value === 'string' && value.length <= 255 && /^https?:\/\/[^\s]+$/i.test(value) ? value : '';
}

export class WeComAuth extends BaseAuth {
  private parsed?: WeComOptions;
  private redirect?: string;

  constructor(config: AuthConfig) {
    // Also built by the websocket handler with a reduced ctx: touch nothing but ctx.db here.
    super({ ...config, userCollection: config.ctx.db.getCollection('users') });
  }

  /** The options, checked once per request; a bad one throws a LoginError naming the field. */
  get config(): WeComOptions {
    this.parsed ??= parseOptions(this.options);
    return this.parsed;
  }

  get name(): string {
    return this.authenticator.name;
  }

  async signIn() {
    const result = await super.signIn();
    return { ...result, redirect: this.redirect ?? this.config.redirectPath };
  }

  async validate(): Promise<Model> {
    const values = readAndRedact(this.ctx.action?.params);
    try {
      // NocoBase answers a name it does not know (or a disabled one) with the first enabled authenticator: when
      // that is this one, the request was never meant for it. Refused before the state is touched, so a
      // misdirected request uses up nothing of the login it carries.
      if (this.requestedName() !== this.name) throw new LoginError(reasons.unknownAuthenticator());
      if (values.code === undefined && values.state === undefined) throw new LoginError(reasons.badRequest());
      // The state is consumed first: whatever else is wrong with the request, it cannot be presented again.
      const login = await signInServicesOf(this.ctx.app).states.use(values.state, this.ctx, this.name);
      if (typeof values.code !== 'string' || !CODE_PATTERN.test(values.code)) throw new LoginError(reasons.badRequest());
      const client = servicesOf(this.ctx.app).clientFor(this.config);
      const identity = await client.getUserInfo(values.code);
      if (!identity.userid) throw new LoginError(reasons.notMember());
      const user = await this.resolveUser(identity as CodeIdentity & { userid: string }, login, client);
      this.redirect = login.redirect;
      return user;
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** The authenticator the request names, read as NocoBase's auth middleware reads it. */
  private requestedName(): string {
    const manager = this.ctx.app.authManager;
    const header = this.ctx.get(manager.options.authKey);
    if (header) return header;
    return this.ctx.cookies?.get(getAuthCookieName('authenticator', this.ctx.app.name)) || manager.options.default || '';
  }

  /**
   * A member already linked to this authenticator and corp, or one linked now by mobile number. Never a user with
   * the root role: whoever administers WeCom can set a member's mobile number, which must not hand over NocoBase's
   * root account. A link to such a user (made before this rule, or the role given later) is refused and kept, so
   * that the member signs in again once the role is taken away.
   */
  private async resolveUser(identity: CodeIdentity & { userid: string }, login: LoginState, client: WecomClient): Promise<Model> {
    const linked = await this.findLinkedUser(identity.userid);
    if (linked) return this.notRoot(linked, reasons.rootLinked);

    // Every WeCom call happens before the first write.
    const detail = identity.user_ticket ? await client.getUserDetail(identity.user_ticket) : undefined;
    let member: Member | undefined;
    let mobile = normalizePhone(detail?.mobile);
    if (!mobile) {
      // Apps created before 2022-06-20 still read the mobile number here.
      member = await client.getMember(identity.userid);
      mobile = normalizePhone(member.mobile);
    }
    if (!mobile) {
      if (login.inClient && login.silent) throw new LoginError(reasons.consentRequired());
      // WeCom answered the consent (a user ticket) and has no number for this member: with auto sign-up the
      // member gets a user without a phone, as the closed WeCom plugin does (v1.9.42).
      if (!(detail && this.config.autoSignup)) throw new LoginError(login.inClient ? reasons.noMobile() : reasons.notLinked());
    }

    return servicesOf(this.ctx.app).exclusive(`link:${this.name}:${this.config.corpId}:${identity.userid}`, async () => {
      const winner = await this.findLinkedUser(identity.userid);
      if (winner) return this.notRoot(winner, reasons.rootLinked);
      let existing: Model | undefined;
      let stale: Model | undefined;
      if (mobile) {
        const matches = await this.usersByPhone(mobile);
        if (matches.length > 1) throw new LoginError(reasons.phoneAmbiguous());
        existing = matches[0] && (await this.notRoot(matches[0], reasons.rootByPhone));
      }
      if (!existing && !this.config.autoSignup) throw new LoginError(reasons.noMatch());
      if (existing) {
        // A user has one link per authenticator.
        const link = await this.links.findOne({ filter: { authenticator: this.name, userId: existing.get('id') } });
        if (link && this.isCurrent(link)) {
          // Linked to this very member meanwhile: another instance's first login of it won the race.
          if (link.get('uuid') === identity.userid) return existing;
          throw new LoginError(reasons.alreadyLinked());
        }
        stale = link ?? undefined;
      }
      if (!existing && !member) member = await client.getMember(identity.userid);
      const email = existing ? undefined : await this.freeEmail(detail?.biz_mail || member?.biz_mail || detail?.email || member?.email);
      return this.link(identity.userid, existing, stale, {
        // The name comes from user/get only: it is not worth a third call when linking an existing user.
        nickname: member?.name ?? '',
        phone: mobile,
        email,
        avatar: usefulAvatar(detail?.avatar) || usefulAvatar(member?.avatar),
      });
    });
  }

  /**
   * The user (created when `existing` is not given) and its link, in one transaction. `stale` is the
   * existing user's link made under another Company ID: it is replaced.
   */
  private async link(
    userid: string,
    existing: Model | undefined,
    stale: Model | undefined,
    profile: { nickname: string; phone?: string; email?: string; avatar: string },
  ) {
    const db = this.ctx.db;
    try {
      return await db.sequelize.transaction(async (transaction) => {
        const user =
          existing ??
          ((await this.userRepository.create({
            values: { nickname: profile.nickname, ...(profile.phone ? { phone: profile.phone } : {}), ...(profile.email ? { email: profile.email } : {}) },
            transaction,
          })) as Model);
        if (stale) {
          await this.links.model.destroy({
            where: { authenticator: this.name, userId: user.get('id'), uuid: stale.get('uuid') },
            transaction,
          });
        }
        await this.links.create({
          values: {
            authenticator: this.name,
            userId: user.get('id'),
            uuid: userid,
            nickname: profile.nickname,
            avatar: profile.avatar,
            meta: { corpId: this.config.corpId, userid },
          },
          transaction,
        });
        return user;
      });
    } catch (error) {
      // A concurrent first login of the same member won the race (unique phone, or the link's key).
      if ((error as Error).name !== 'SequelizeUniqueConstraintError') throw error;
      const winner = await this.findLinkedUser(userid);
      if (winner) return this.notRoot(winner, reasons.rootLinked);
      throw new LoginError(reasons.alreadyLinked(), { cause: error });
    }
  }

  /** `user`, unless it has the root role: then the sign-in is refused with `refusal`, before anything is written. */
  private async notRoot(user: Model, refusal: () => Reason): Promise<Model> {
    if (await isRootUser(this.ctx.db, user.get('id'))) throw new LoginError(refusal());
    return user;
  }

  private get links() {
    return this.ctx.db.getRepository('usersAuthenticators');
  }

  /** A link counts only for the Company ID it was made under: another corp's member may have the same userid. */
  private isCurrent(link: Model): boolean {
    return (link.get('meta') as { corpId?: unknown } | null)?.corpId === this.config.corpId;
  }

  private async findLinkedUser(userid: string): Promise<Model | undefined> {
    const links = await this.links.find({ filter: { authenticator: this.name, uuid: userid } });
    const link = links.find((candidate: Model) => this.isCurrent(candidate));
    if (!link) return undefined;
    return (await this.userRepository.findOne({ filterByTk: link.get('userId') })) ?? undefined;
  }

  /**
   * Users whose phone is `mobile` once both are normalized; never matches an empty phone. The database
   * normalizes the stored phones (full-width digits, separators, +86 / 0086) so only real matches come
   * back; normalizePhone then decides exactly.
   */
  private async usersByPhone(mobile: string): Promise<Model[]> {
    const model = this.userRepository.model;
    const { sequelize } = this.ctx.db;
    const column = model.rawAttributes.phone?.field ?? 'phone';
    let stored: unknown = sequelize.col(column);
    for (const [from, to] of PHONE_FOLDS) stored = sequelize.fn('REPLACE', stored, from, to);
    const candidates = await model.findAll({ where: sequelize.where(stored as ReturnType<typeof sequelize.fn>, { [Op.in]: storedPhoneForms(mobile) }) });
    return candidates.filter((user: Model) => normalizePhone(user.get('phone')) === mobile);
  }

  /** The member's email for a new user, unless another user already has it. */
  private async freeEmail(email: string | undefined): Promise<string | undefined> {
    if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) return undefined;
    const taken = await this.userRepository.count({ filter: { email } });
    return taken ? undefined : email;
  }

  /** What the person is told, in their language; the original is logged here, once. */
  private translate(error: unknown): Error {
    let reason: Reason;
    if (error instanceof LoginError) {
      reason = error.reason;
      this.ctx.logger?.info?.('wecom sign-in refused', { code: reason.code, authenticator: this.name });
    } else if (error instanceof WecomApiError) {
      reason = reasonFromWecom(error, { origin: this.parsed?.origin });
      this.ctx.logger?.warn?.('wecom api call failed', {
        authenticator: this.name,
        endpoint: error.endpoint,
        failure: error.failure,
        errcode: error.errcode,
        errmsg: error.errmsg,
        status: error.status,
      });
    } else if (isDatabaseBusy(error)) {
      reason = reasons.databaseBusy();
      this.ctx.logger?.warn?.('wecom sign-in: the database was busy, nothing written', { authenticator: this.name, error: (error as Error).message });
    } else {
      return error as Error;
    }
    const message = localize((key, options) => this.ctx.t(key, options), reason);
    const answer = Object.assign(new Error(message), { status: reason.status, code: reason.code });
    if (reason.status < 500) {
      // A refusal the person can act on, not a fault: NocoBase's error handler logs a thrown error at
      // `logLevel` (default error) with its `stack`; BaseAuth.signIn copies both from own enumerable keys.
      Object.defineProperty(answer, 'logLevel', { value: 'info', enumerable: true, writable: true });
      Object.defineProperty(answer, 'stack', { value: `${reason.code} (sign-in refused)`, enumerable: true, writable: true, configurable: true });
    }
    return answer;
  }
}

/**
 * The callback's values. NocoBase's request log writes an action's values into its response line; the
 * single-use code and state are taken out of them before anything can fail.
 */
function readAndRedact(params: { values?: unknown } | undefined): Values {
  const values = { ...((params?.values ?? {}) as Values) };
  if (params?.values && typeof params.values === 'object') params.values = { ...(params.values as Values), code: '[redacted]', state: '[redacted]' };
  return values;
}
