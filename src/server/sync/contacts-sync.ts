// One WeCom sync source: reads the address book (wecom/contacts.ts) and writes it through user-data-sync, so that
// plugin-users and plugin-departments write users, departments and memberships. Used by the pull and by the
// callback (one change at a time). What user-data-sync does not do, done here:
// - a member new to the source is matched to an existing user by link, then phone, then email; an ambiguous
//   match is reported, never guessed;
// - memberships an admin added by hand to departments that do not come from WeCom survive (nocobase/nocobase#9136:
//   plugin-departments replaces a user's memberships with the synced ones);
// - every synced member is linked to the authenticator (uuid = userid, meta.corpId), so a first login can be a QR scan;
// - what WeCom no longer has is removed, and a record that did not change is not written again.
import type { Application } from '@nocobase/server';
import type { Model } from '@nocobase/database';
import { NAMESPACE } from '../../constants';
import { localize, LoginError, reasonFromWecom } from '../errors';
import { parseOptions, WeComOptions } from '../options';
import { normalizePhone } from '../phone';
import { ContactsReader, Directory, WecomMember } from '../wecom/contacts';
import { WecomClient } from '../wecom/client';
import { WecomApiError } from '../wecom/errors';
import { departmentRecord, departmentRecords, DepartmentRecord, sameRecord, siblingRanks, userRecord, UserRecord } from './records';
import { parseSyncOptions, SyncConfigError, SyncOptions } from './options';


const EMPTY_READ =
  'WeCom returned no members for this corp, so nothing was removed. Check the app\'s visible range and the contacts-sync Secret.';
export const SOURCE_TYPE = 'wecom';
const CHUNK = 500;

interface OriginRecord {
  id: string | number;
  sourceUk: string;
  metaData: Record<string, unknown>;
  resources?: { resource: string; resourcePk: string }[];
}

/** The part of user-data-sync this file uses. */
interface UserDataSync {
  syncService: { push(data: { dataType: 'user' | 'department'; records: unknown[]; sourceName: string; matchKey?: string }): Promise<unknown> };
  resourceManager: {
    saveOriginRecords(data: { dataType: 'user' | 'department'; records: unknown[]; sourceName: string }): Promise<void>;
    addResourceToOriginRecord(args: { recordId: unknown; resource: string; resourcePk: unknown }): Promise<void>;
  };
}

export interface SyncReport {
  recipe?: Directory['recipe'];
  users: { written: number; unchanged: number; removed: number };
  departments: { written: number; unchanged: number; removed: number };
  /** Members not written: their user could not be told for sure. */
  skipped: { userid: string; reason: 'phone-ambiguous' | 'email-ambiguous' | 'user-taken' }[];
}

export type ContactEvent =
  | { changeType: 'create_user' | 'update_user'; userId: string; newUserId?: string }
  | { changeType: 'delete_user'; userId: string }
  | { changeType: 'create_party' | 'update_party' | 'delete_party'; id: number };

export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export type ClientFactory = (options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>) => WecomClient;

/** Options with `{{$env.X}}` resolved, the authenticator found and checked. */
export async function resolveSource(app: Application, rawOptions: unknown): Promise<{ options: SyncOptions; auth: WeComOptions }> {
  const options = parseSyncOptions(app.environment.renderJsonTemplate(rawOptions ?? {}));
  const authenticator = await app.db.getRepository('authenticators').findOne({ filter: { name: options.authenticator } });
  if (!authenticator || authenticator.get('authType') !== 'WeCom') {
    throw new SyncConfigError('authenticator', 'There is no WeCom authenticator named "{{name}}".', { name: options.authenticator });
  }
  const auth = parseOptions(app.environment.renderJsonTemplate(authenticator.get('options') ?? {}));
  return { options, auth };
}

export class WeComContactsSync {
  readonly corpId: string;
  readonly reader: ContactsReader;
  /** Users this source already writes, read once per batch. */
  private claimed?: Promise<Set<number>>;
  private index?: Promise<{ phones: Map<string, number[]>; emails: Map<string, number[]> }>;

  constructor(
    private readonly app: Application,
    readonly sourceName: string,
    readonly options: SyncOptions,
    auth: WeComOptions,
    clientFor: ClientFactory,
    private readonly log: Logger,
  ) {
    this.corpId = auth.corpId;
    const app_ = clientFor(auth);
    const contacts = options.contactsSecret
      ? clientFor({ corpId: auth.corpId, agentId: 'contacts', corpSecret: options.contactsSecret })
      : undefined;
    this.reader = new ContactsReader({ app: app_, contacts });
  }

  private get uds(): UserDataSync {
    const plugin = this.app.pm.get('user-data-sync') as unknown as UserDataSync | undefined;
    if (!plugin) throw new Error('The user data sync plugin is not enabled.');
    return plugin;
  }

  private repo(name: string) {
    return this.app.db.getRepository(name);
  }

  /** The whole address book: write what changed, remove what WeCom no longer has. */
  async pull(): Promise<SyncReport> {
    const directory = await this.reader.readAll();
    const report = emptyReport(directory.recipe);
    const departments = departmentRecords(directory.departments);
    const known = new Set(departments.map((d) => d.uid));
    const goneDepartments = (await this.origins('department')).filter((o) => !known.has(o.sourceUk) && !o.metaData.isDeleted);
    const members = directory.members.map(userRecord);
    const present = new Set(members.map((m) => m.uid));
    const goneUsers = (await this.origins('user'))
      .filter((o) => !present.has(o.sourceUk) && !o.metaData.isDeleted)
      .map((o): UserRecord => ({ uid: o.sourceUk, isDeleted: true }));
    // An empty read (the app's visible range narrowed, a Secret that sees nobody) is not a company whose
    // members all left: removing every synced user on it would be unrecoverable.
    if (members.length === 0 && goneUsers.length > 0) {
      throw new SyncConfigError('contactsSecret', EMPTY_READ);
    }
    await this.writeDepartments(departments, report);
    await this.writeUsers([...members, ...goneUsers], report);

    // Departments go last: their members are moved out first. Children before parents.
    if (goneDepartments.length) {
      await this.push('department', goneDepartments.reverse().map((o): DepartmentRecord => ({ uid: o.sourceUk, isDeleted: true })));
      report.departments.removed += goneDepartments.length;
    }
    return report;
  }

  /** One change_contact event: read what WeCom has now and write it. */
  async apply(event: ContactEvent): Promise<SyncReport> {
    const report = emptyReport();
    switch (event.changeType) {
      case 'create_user':
      case 'update_user': {
        if (event.newUserId && event.newUserId !== event.userId) await this.rename(event.userId, event.newUserId);
        const userid = event.newUserId || event.userId;
        const member = await this.reader.member(userid);
        await this.writeUsers([member ? userRecord(member) : { uid: userid, isDeleted: true }], report);
        break;
      }
      case 'delete_user':
        await this.writeUsers([{ uid: event.userId, isDeleted: true }], report);
        break;
      case 'create_party':
      case 'update_party': {
        const department = await this.reader.department(event.id);
        if (!department) {
          await this.removeDepartment(event.id, report);
          break;
        }
        // A new order moves the siblings' ranks too.
        const siblings = department.parentid ? await this.reader.children(department.parentid) : [department];
        const ranks = siblingRanks(siblings.some((s) => s.id === department.id) ? siblings : [...siblings, department]);
        const others = await this.origins('department', siblings.filter((s) => s.id !== department.id).map((s) => String(s.id)));
        const records = [departmentRecord(department, ranks.get(department.id))];
        for (const o of others) {
          if (o.metaData.isDeleted) continue;
          records.push({ ...(o.metaData as unknown as DepartmentRecord), sort: ranks.get(Number(o.sourceUk)) });
        }
        await this.writeDepartments(records, report);
        break;
      }
      case 'delete_party':
        await this.removeDepartment(event.id, report);
        break;
    }
    return report;
  }

  private async removeDepartment(id: number, report: SyncReport) {
    const [origin] = await this.origins('department', [String(id)]);
    if (!origin || origin.metaData.isDeleted) return;
    await this.push('department', [{ uid: String(id), isDeleted: true }]);
    report.departments.removed += 1;
  }

  /** A userid WeCom changed (NewUserID): the source's record and the link follow, the user stays. */
  private async rename(from: string, to: string) {
    await this.repo('userDataSyncRecords').update({
      filter: { sourceName: this.sourceName, dataType: 'user', sourceUk: from },
      values: { sourceUk: to },
    });
    const links = await this.repo('usersAuthenticators').find({ filter: { authenticator: this.options.authenticator, uuid: from } });
    for (const link of links) {
      if (!this.isCurrent(link)) continue;
      await this.repo('usersAuthenticators').model.update(
        { uuid: to, meta: { corpId: this.corpId, userid: to } },
        { where: { authenticator: this.options.authenticator, uuid: from, userId: link.get('userId') } },
      );
    }
  }

  private async writeDepartments(records: DepartmentRecord[], report: SyncReport) {
    const origins = new Map((await this.origins('department', records.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    const changed = records.filter((r) => {
      const origin = origins.get(r.uid);
      return !(origin && hasResource(origin, 'departments') && sameRecord(origin.metaData, r));
    });
    report.departments.unchanged += records.length - changed.length;
    if (!changed.length) return;
    await this.push('department', changed);
    report.departments.written += changed.length;
  }

  private async writeUsers(records: UserRecord[], report: SyncReport) {
    this.claimed = undefined;
    this.index = undefined;
    const origins = new Map((await this.origins('user', records.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    const userIds = new Map<string, number>();
    for (const o of origins.values()) {
      const pk = resourcePk(o, 'users');
      if (pk !== undefined) userIds.set(o.sourceUk, pk);
    }
    const existing = new Set(
      userIds.size ? (await this.repo('users').find({ filter: { id: { $in: [...userIds.values()] } }, fields: ['id'] })).map((u: Model) => Number(u.get('id'))) : [],
    );
    const links = await this.linkedUsers(records.map((r) => r.uid));

    const changed: UserRecord[] = [];
    for (const record of records) {
      const origin = origins.get(record.uid);
      const userId = userIds.get(record.uid);
      const alive = userId !== undefined && existing.has(userId);
      if (record.isDeleted) {
        if (!origin || origin.metaData.isDeleted) {
          report.users.unchanged += 1;
          continue;
        }
        changed.push(record);
        report.users.removed += 1;
        continue;
      }
      if (origin && alive && sameRecord(origin.metaData, record) && links.get(record.uid) === userId) {
        report.users.unchanged += 1;
        continue;
      }
      if (!alive) {
        // New to this source (or its user was deleted in NocoBase): find the user it is, if any.
        const match = await this.match(record, links.get(record.uid), report);
        if (match === 'skip') continue;
        if (match !== undefined) {
          await this.claim(record, match);
          userIds.set(record.uid, match);
          (await (this.claimed as Promise<Set<number>> | undefined))?.add(match);
        }
      }
      changed.push(record);
      if (!record.isDeleted) report.users.written += 1;
    }
    if (!changed.length) return;

    await this.dropTakenContacts(changed, userIds);
    const wecomDepartments = await this.wecomDepartmentIds();
    const kept = await this.handMemberships([...userIds.values()], wecomDepartments);
    await this.push('user', changed);
    await this.restoreMemberships(kept);
    await this.updateLinks(changed);
  }

  /** The user this new member is: by link, then phone, then email. 'skip' when that cannot be told. */
  private async match(record: UserRecord, linked: number | undefined, report: SyncReport): Promise<number | 'skip' | undefined> {
    if (linked !== undefined) return linked;
    this.claimed ??= this.claimedUserIds();
    const claimed = await this.claimed;
    const pick = async (candidates: number[], reason: 'phone-ambiguous' | 'email-ambiguous'): Promise<number | 'skip' | undefined> => {
      if (candidates.length === 0) return undefined;
      if (candidates.length > 1) {
        report.skipped.push({ userid: record.uid, reason });
        this.log.warn('wecom member not linked: several users match', { source: this.sourceName, userid: record.uid, reason });
        return 'skip';
      }
      const [id] = candidates;
      if (claimed.has(id) || (await this.linkedToAnother(id, record.uid))) {
        report.skipped.push({ userid: record.uid, reason: 'user-taken' });
        this.log.warn('wecom member not linked: its user belongs to another member', { source: this.sourceName, userid: record.uid });
        return 'skip';
      }
      return id;
    };
    this.index ??= this.contactIndex();
    const index = await this.index;
    if (record.phone) {
      const byPhone = await pick(index.phones.get(record.phone) ?? [], 'phone-ambiguous');
      if (byPhone !== undefined) return byPhone;
    }
    if (record.email) return pick(index.emails.get(record.email) ?? [], 'email-ambiguous');
    return undefined;
  }

  /**
   * Users by normalized phone and by email, read once per batch: a pull of N new members then costs one
   * query, not N scans. Phones match whatever their stored format, as the sign-in matches them.
   */
  private async contactIndex(): Promise<{ phones: Map<string, number[]>; emails: Map<string, number[]> }> {
    const phones = new Map<string, number[]>();
    const emails = new Map<string, number[]>();
    const users = await this.repo('users').model.findAll({ attributes: ['id', 'phone', 'email'], raw: true });
    for (const u of users as unknown as { id: number; phone?: string | null; email?: string | null }[]) {
      const phone = normalizePhone(u.phone);
      if (phone) phones.set(phone, [...(phones.get(phone) ?? []), Number(u.id)]);
      if (u.email) emails.set(u.email, [...(emails.get(u.email) ?? []), Number(u.id)]);
    }
    return { phones, emails };
  }

  /** Users already written by this source (their WeCom member is another one). */
  private async claimedUserIds(): Promise<Set<number>> {
    const origins = await this.origins('user');
    return new Set(origins.filter((o) => !o.metaData.isDeleted).map((o) => resourcePk(o, 'users')).filter((id): id is number => id !== undefined));
  }

  private async linkedToAnother(userId: number, userid: string): Promise<boolean> {
    const links = await this.repo('usersAuthenticators').find({ filter: { authenticator: this.options.authenticator, userId } });
    return links.some((l: Model) => this.isCurrent(l) && l.get('uuid') !== userid);
  }

  /** Records the match so that user-data-sync updates that user instead of creating one. */
  private async claim(record: UserRecord, userId: number) {
    const { resourceManager } = this.uds;
    await resourceManager.saveOriginRecords({ dataType: 'user', sourceName: this.sourceName, records: [record] });
    const [origin] = await this.origins('user', [record.uid]);
    const stale = resourcePk(origin, 'users');
    if (stale !== undefined) {
      await this.repo('userDataSyncRecordsResources').destroy({ filter: { recordId: origin.id, resource: 'users' } });
    }
    await resourceManager.addResourceToOriginRecord({ recordId: origin.id, resource: 'users', resourcePk: userId });
  }

  /** A phone or email that belongs to another user is left out (users' phone and email are unique). */
  private async dropTakenContacts(records: UserRecord[], userIds: Map<string, number>) {
    const phones = records.map((r) => r.phone).filter((p): p is string => Boolean(p));
    const emails = records.map((r) => r.email).filter((e): e is string => Boolean(e));
    if (!phones.length && !emails.length) return;
    const owners = await this.repo('users').find({
      filter: { $or: [{ phone: { $in: phones } }, { email: { $in: emails } }] },
      fields: ['id', 'phone', 'email'],
    });
    const phoneOwner = new Map<string, number>();
    const emailOwner = new Map<string, number>();
    for (const u of owners) {
      if (u.get('phone')) phoneOwner.set(u.get('phone'), Number(u.get('id')));
      if (u.get('email')) emailOwner.set(u.get('email'), Number(u.get('id')));
    }
    const seenPhone = new Set<string>();
    const seenEmail = new Set<string>();
    for (const r of records) {
      const own = userIds.get(r.uid);
      if (r.phone && ((phoneOwner.has(r.phone) && phoneOwner.get(r.phone) !== own) || seenPhone.has(r.phone))) delete r.phone;
      if (r.email && ((emailOwner.has(r.email) && emailOwner.get(r.email) !== own) || seenEmail.has(r.email))) delete r.email;
      if (r.phone) seenPhone.add(r.phone);
      if (r.email) seenEmail.add(r.email);
    }
  }

  /** NocoBase departments written by this source. */
  private async wecomDepartmentIds(): Promise<Set<string>> {
    const origins = await this.origins('department');
    return new Set(origins.map((o) => o.resources?.find((r) => r.resource === 'departments')?.resourcePk).filter((pk): pk is string => pk !== undefined));
  }

  private async handMemberships(userIds: number[], wecomDepartments: Set<string>) {
    if (!userIds.length || !this.app.db.getCollection('departmentsUsers')) return [];
    const rows = await this.repo('departmentsUsers').find({ filter: { userId: { $in: userIds } } });
    return rows
      .filter((r: Model) => !wecomDepartments.has(String(r.get('departmentId'))))
      .map((r: Model) => ({ userId: Number(r.get('userId')), departmentId: r.get('departmentId') as number, isOwner: Boolean(r.get('isOwner')) }));
  }

  private async restoreMemberships(kept: { userId: number; departmentId: number; isOwner: boolean }[]) {
    for (const row of kept) {
      const repo = this.repo('departmentsUsers');
      const [user, department] = await Promise.all([
        this.repo('users').findOne({ filterByTk: row.userId }),
        this.repo('departments').findOne({ filterByTk: row.departmentId }),
      ]);
      if (!user || !department) continue;
      if (await repo.count({ filter: { userId: row.userId, departmentId: row.departmentId } })) continue;
      await repo.create({ values: row });
    }
  }

  /** Every synced member linked to the authenticator; links of removed members go with them. */
  private async updateLinks(records: UserRecord[]) {
    const links = this.repo('usersAuthenticators');
    const origins = new Map((await this.origins('user', records.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    for (const record of records) {
      if (record.isDeleted) {
        await links.destroy({ filter: { authenticator: this.options.authenticator, uuid: record.uid } });
        continue;
      }
      const userId = resourcePk(origins.get(record.uid), 'users');
      if (userId === undefined) continue;
      const current = await links.find({ filter: { authenticator: this.options.authenticator, uuid: record.uid } });
      const mine = current.find((l: Model) => this.isCurrent(l));
      if (mine && Number(mine.get('userId')) === userId) {
        if (record.nickname && mine.get('nickname') !== record.nickname) {
          await links.model.update({ nickname: record.nickname }, { where: { authenticator: this.options.authenticator, uuid: record.uid, userId } });
        }
        continue;
      }
      if (mine) await links.model.destroy({ where: { authenticator: this.options.authenticator, uuid: record.uid, userId: mine.get('userId') } });
      // A user has one link per authenticator: one made under another Company ID is replaced.
      await links.model.destroy({ where: { authenticator: this.options.authenticator, userId } });
      await links.create({
        values: { authenticator: this.options.authenticator, userId, uuid: record.uid, nickname: record.nickname ?? '', meta: { corpId: this.corpId, userid: record.uid } },
      });
    }
  }

  /** userid → user, for links made under this authenticator and corp (by the login or an earlier sync). */
  private async linkedUsers(uids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < uids.length; i += CHUNK) {
      const links = await this.repo('usersAuthenticators').find({
        filter: { authenticator: this.options.authenticator, uuid: { $in: uids.slice(i, i + CHUNK) } },
      });
      for (const l of links) if (this.isCurrent(l)) out.set(l.get('uuid'), Number(l.get('userId')));
    }
    return out;
  }

  private isCurrent(link: Model): boolean {
    return (link.get('meta') as { corpId?: unknown } | null)?.corpId === this.corpId;
  }

  private async origins(dataType: 'user' | 'department', uids?: string[]): Promise<OriginRecord[]> {
    const repo = this.repo('userDataSyncRecords');
    const find = async (filter: Record<string, unknown>) =>
      (await repo.find({ filter: { sourceName: this.sourceName, dataType, ...filter }, appends: ['resources'] })).map(
        (r: Model) => r.toJSON() as OriginRecord,
      );
    if (!uids) return find({});
    const out: OriginRecord[] = [];
    for (let i = 0; i < uids.length; i += CHUNK) {
      if (uids.length) out.push(...(await find({ sourceUk: { $in: uids.slice(i, i + CHUNK) } })));
    }
    return out;
  }

  private async push(dataType: 'user' | 'department', records: (UserRecord | DepartmentRecord)[]) {
    for (let i = 0; i < records.length; i += CHUNK) {
      await this.uds.syncService.push({ dataType, records: records.slice(i, i + CHUNK), sourceName: this.sourceName });
    }
  }
}

function emptyReport(recipe?: Directory['recipe']): SyncReport {
  return {
    recipe,
    users: { written: 0, unchanged: 0, removed: 0 },
    departments: { written: 0, unchanged: 0, removed: 0 },
    skipped: [],
  };
}

function hasResource(origin: OriginRecord, resource: string): boolean {
  return Boolean(origin.resources?.some((r) => r.resource === resource));
}

function resourcePk(origin: OriginRecord | undefined, resource: string): number | undefined {
  const pk = origin?.resources?.find((r) => r.resource === resource)?.resourcePk;
  return pk === undefined ? undefined : Number(pk);
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The task message user-data-sync shows: what was done, and who was left out (and why). */
export function describeReport(report: SyncReport, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  let text = t(
    'Recipe {{recipe}}. Users: {{usersWritten}} written, {{usersUnchanged}} unchanged, {{usersRemoved}} removed. Departments: {{departmentsWritten}} written, {{departmentsUnchanged}} unchanged, {{departmentsRemoved}} removed.',
    {
      ...opts,
      recipe: report.recipe ?? '-',
      usersWritten: report.users.written,
      usersUnchanged: report.users.unchanged,
      usersRemoved: report.users.removed,
      departmentsWritten: report.departments.written,
      departmentsUnchanged: report.departments.unchanged,
      departmentsRemoved: report.departments.removed,
    },
  );
  if (report.skipped.length) {
    const members = report.skipped.map((s) => `${s.userid} (${s.reason})`).join(', ');
    text += ` ${t('Not linked (several users match, or the user belongs to another member; resolve by hand): {{members}}.', { ...opts, members })}`;
  }
  return text;
}

/** Why a pull failed, in the language of whoever started it. */
export function describeFailure(error: unknown, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  if (error instanceof SyncConfigError) {
    const params: Record<string, string> = { ...error.params };
    if (params.field) params.field = t(params.field, opts);
    return t(error.key, { ...opts, ...params });
  }
  if (error instanceof LoginError) return localize(t, error.reason);
  if (error instanceof WecomApiError) {
    if (error.failure !== 'errcode') return localize(t, reasonFromWecom(error));
    return t('WeCom refused {{endpoint}} (error {{errcode}}: {{errmsg}}).', { ...opts, endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg ?? '' });
  }
  return error instanceof Error ? error.message : String(error);
}

export type { WecomMember };
