// The sign-in policy: a WeCom code becomes a NocoBase user, or a reason the person can act on.
import { AuthConfig, BaseAuth } from '@nocobase/auth';
import { Model } from '@nocobase/database';
import { localize, LoginError, Reason, reasonFromWecom, reasons } from './errors';
import { parseOptions, WeComOptions } from './options';
import { normalizePhone } from './phone';
import { PluginAuthWeComServer } from './plugin';
import { LoginState } from './state';
import { CodeIdentity, Member, WecomClient } from './wecom/client';
import { WecomApiError } from './wecom/errors';

/** WeCom codes are at most 512 bytes of printable ASCII. */
const CODE_PATTERN = /^[\x21-\x7e]{1,512}$/;

type Values = Record<string, unknown>;

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
      if (values.code === undefined && values.state === undefined) throw new LoginError(reasons.badRequest());
      const plugin = this.plugin;
      // The state is consumed first: whatever else is wrong with the request, it cannot be presented again.
      const login = await plugin.states.use(values.state, this.ctx, this.name);
      if (typeof values.code !== 'string' || !CODE_PATTERN.test(values.code)) throw new LoginError(reasons.badRequest());
      const client = plugin.clientFor(this.config);
      const identity = await client.getUserInfo(values.code);
      if (!identity.userid) throw new LoginError(reasons.notMember());
      const user = await this.resolveUser(identity as CodeIdentity & { userid: string }, login, client);
      this.redirect = login.redirect;
      return user;
    } catch (error) {
      throw this.translate(error);
    }
  }

  private get plugin(): PluginAuthWeComServer {
    return this.ctx.app.pm.get(PluginAuthWeComServer);
  }

  /** A member already linked to this authenticator, or one linked now by mobile number. */
  private async resolveUser(identity: CodeIdentity & { userid: string }, login: LoginState, client: WecomClient): Promise<Model> {
    const linked = await this.findLinkedUser(identity.userid);
    if (linked) return linked;

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
      throw new LoginError(login.inClient ? reasons.noMobile() : reasons.notLinked());
    }

    return this.plugin.exclusive(`link:${this.name}:${identity.userid}`, async () => {
      const winner = await this.findLinkedUser(identity.userid);
      if (winner) return winner;
      const matches = await this.usersByPhone(mobile);
      if (matches.length > 1) throw new LoginError(reasons.phoneAmbiguous());
      const existing = matches[0];
      if (!existing && !this.config.autoSignup) throw new LoginError(reasons.noMatch());
      if (existing && (await this.links.count({ filter: { authenticator: this.name, userId: existing.get('id') } }))) {
        throw new LoginError(reasons.alreadyLinked());
      }
      if (!existing && !member) member = await client.getMember(identity.userid);
      const email = existing ? undefined : await this.freeEmail(detail?.biz_mail ?? member?.biz_mail ?? detail?.email ?? member?.email);
      return this.link(identity.userid, existing, {
        nickname: member?.name ?? identity.userid,
        phone: mobile,
        email,
        avatar: detail?.avatar ?? member?.avatar ?? '',
      });
    });
  }

  /** The user (created when `existing` is not given) and its link, in one transaction. */
  private async link(userid: string, existing: Model | undefined, profile: { nickname: string; phone: string; email?: string; avatar: string }) {
    const db = this.ctx.db;
    try {
      return await db.sequelize.transaction(async (transaction) => {
        const user =
          existing ??
          ((await this.userRepository.create({
            values: { nickname: profile.nickname, phone: profile.phone, ...(profile.email ? { email: profile.email } : {}) },
            transaction,
          })) as Model);
        await this.links.create({
          values: {
            authenticator: this.name,
            userId: user.get('id'),
            uuid: userid,
            nickname: profile.nickname,
            avatar: profile.avatar.slice(0, 255),
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
      if (winner) return winner;
      throw new LoginError(reasons.alreadyLinked(), { cause: error });
    }
  }

  private get links() {
    return this.ctx.db.getRepository('usersAuthenticators');
  }

  private async findLinkedUser(userid: string): Promise<Model | undefined> {
    const link = await this.links.findOne({ filter: { authenticator: this.name, uuid: userid } });
    if (!link) return undefined;
    return (await this.userRepository.findOne({ filterByTk: link.get('userId') })) ?? undefined;
  }

  /**
   * Users whose phone is `mobile` once both are normalized; never matches an empty phone. Stored phones
   * may carry spaces or dashes, but their last four digits stay together in every common format.
   */
  private async usersByPhone(mobile: string): Promise<Model[]> {
    const candidates = await this.userRepository.find({ filter: { phone: { $includes: mobile.slice(-4) } } });
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
    } else {
      return error as Error;
    }
    const message = localize((key, options) => this.ctx.t(key, options), reason);
    return Object.assign(new Error(message), { status: reason.status, code: reason.code });
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
