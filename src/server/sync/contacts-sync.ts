// One WeCom sync source: reads the address book (wecom/contacts.ts) and writes it through user-data-sync, so that
// plugin-users and plugin-departments write users, departments and memberships. Used by the pull and by the
// callback (one change at a time). What user-data-sync does not do, done here:
// - a member new to the source becomes an existing user only by a link or its mobile number, never by email, never a
//   root user; an ambiguous match is reported, never guessed (member-matching.ts);
// - a user the sync did not create is never deleted (a member who left only loses the link), nor a root user;
// - the source's records belong to one corp: after the authenticator's Company ID changed, nothing is written;
// - memberships an admin added by hand to departments that do not come from WeCom survive (nocobase/nocobase#9136:
//   plugin-departments replaces a user's memberships with the synced ones);
// - every synced member is linked to the authenticator (uuid = userid, meta.corpId), so a first login can be a QR scan;
// - what WeCom no longer has is removed, and a record that did not change is not written again.
import type { Application } from '@nocobase/server';
import { Op } from '@nocobase/database';
import type { Model } from '@nocobase/database';
import { parseOptions, WeComOptions } from '../common/options';
import { CONTACTS_MAX_BODY_BYTES, ContactsReader, WecomMember } from '../wecom/contacts';
import { WecomClient } from '../wecom/client';
import { departmentRecord, departmentRecords, DepartmentRecord, mappedUserRecord, sameRecord, scopedDepartment, scopedMember, siblingRanks, subtrees, UserRecord } from './records';
import type { AssertHeld } from './exclusive';
import { Contacts, isCurrentLink, keepOwnContacts, LinkMeta, MemberMatcher } from './member-matching';
import { rootUserIds } from '../common/root-users';
import { parseSyncOptions, removalLimit, renderSyncOptions, SyncConfigError, SyncOptions } from './options';
import { OriginRecord, resourcePk } from './origin-records';
import { checkFieldMap, validUsername } from './field-map';
import { emptyReport, pullReport, SyncReport } from './report';
import { FreshUsersWriter, freshUsersWriter, SyncResources, writesAsNocoBase } from './fresh-users';


const EMPTY_READ =
  'WeCom returned no members for this corp, so nothing was removed. Check the app\'s visible range and the contacts-sync Secret.';
const CORP_CHANGED =
  'Nothing written: this source synced the company {{previous}}, but its authenticator now reads {{corpId}}. Set the Company ID back, or sync {{corpId}} with a new source of another name.';
const TOO_MANY_REMOVALS =
  'Nothing written: this pull would remove {{count}} of {{members}} users, over the limit of {{limit}}. If they left WeCom, raise Maximum removals and sync again; if not, check the visible range and the Secret.';
const NOT_WRITTEN =
  'NocoBase could not write {{count}} of the records WeCom sent ({{list}}): {{error}}. The rest was written. Sync again to write them; if it happens again, see the server log.';
/** The corp a source's records belong to: one record of this data type, `sourceUk` = the Company ID. */
const CORP_MARK = 'wecom-corp';
export const SOURCE_TYPE = 'wecom';
const CHUNK = 500;
/** Records per piece of a chunk: a pull's progress moves every few seconds (a pushed record takes 0.1–0.2 s). */
const PIECE = 50;
const QUIET: Logger = { info: () => undefined, warn: () => undefined };

/** The part of user-data-sync this file uses. */
interface UserDataSync {
  syncService: { push(data: { dataType: 'user' | 'department'; records: unknown[]; sourceName: string; matchKey?: string }): Promise<unknown> };
  resourceManager: {
    saveOriginRecords(data: { dataType: 'user' | 'department'; records: unknown[]; sourceName: string }): Promise<void>;
    addResourceToOriginRecord(args: { recordId: unknown; resource: string; resourcePk: unknown }): Promise<void>;
  };
}

export type ContactEvent =
  | { changeType: 'create_user' | 'update_user'; userId: string; newUserId?: string }
  | { changeType: 'delete_user'; userId: string }
  | { changeType: 'create_party' | 'update_party' | 'delete_party'; id: number };

export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** `limits`: what the address book needs of the client (a larger body: user/list answers a whole department). */
export type ClientFactory = (options: Pick<WeComOptions, 'corpId' | 'agentId' | 'corpSecret'>, limits?: { maxBodyBytes?: number }) => WecomClient;

/** How far a pull is: reading WeCom (departments listed, or members read one by one), then writing. */
export type PullProgress =
  | { phase: 'read'; done: number; total: number; unit: 'departments' | 'members' }
  | { phase: 'departments' | 'users'; done: number; total: number };
export type PullProgressListener = (progress: PullProgress) => void;

/** A member or department in a plan: its WeCom id and name, and the NocoBase user concerned (its id and how the report names it). */
export interface PlanEntry {
  uid: string;
  name?: string;
  userId?: number;
  user?: string;
}

export interface DepartmentPlan {
  /** The records to push, parents first. */
  changed: DepartmentRecord[];
  created: PlanEntry[];
  updated: PlanEntry[];
}

export interface UserPlan {
  changed: UserRecord[];
  forgotten: UserRecord[];
  unlinked: UserRecord[];
  claims: { record: UserRecord; userId: number }[];
  fresh: Set<string>;
  kept: { userid: string; fields: string[] }[];
  userIds: Map<string, number>;
  users: Map<number, Contacts>;
  origins: Map<string, OriginRecord>;
  /** What becomes of the members, by group (unchanged ones are only counted, in the report). */
  groups: { created: PlanEntry[]; linked: PlanEntry[]; updated: PlanEntry[]; removed: PlanEntry[]; unlinked: PlanEntry[] };
  /** Members left out, with why and the member's name. */
  skipped: (SyncReport['skipped'][number] & { name?: string })[];
}

/** What one pull would do (WeComContactsSync.plan); `report` holds its counts. */
export interface PullPlan {
  report: SyncReport;
  /** Members and departments read from WeCom. */
  members: number;
  departmentsRead: number;
  departments: DepartmentPlan;
  users: UserPlan;
  /** Departments WeCom no longer has, children before parents. */
  goneDepartments: PlanEntry[];
  /** Set when the pull would stop before writing (Maximum removals). */
  refusal?: SyncConfigError;
  /** Writes the source's corp mark (before the pull's first write). */
  markCorp(): Promise<void>;
}

/** Options with `{{$env.X}}` resolved (not in the authenticator's name), the authenticator found and checked. */
export async function resolveSource(app: Application, rawOptions: unknown): Promise<{ options: SyncOptions; auth: WeComOptions }> {
  const options = parseSyncOptions(renderSyncOptions(app.environment, rawOptions));
  // A mapped users field may have been deleted or changed since the source was saved.
  const fieldMap = checkFieldMap(app.db, options);
  if (fieldMap.length) options.fieldMap = fieldMap;
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
  /** Departments this pull wrote again because an admin had deleted them in NocoBase (their uids). */
  private recreated = new Set<string>();
  /** Called before each write: throws once the source's lease went to another writer (sync/exclusive.ts). */
  private assertHeld: AssertHeld = () => undefined;
  /** Records NocoBase's user-data-sync could not write (it logs each and goes on): the pull or event fails with them. */
  private failedWrites: { uid: string; message: string }[] = [];

  constructor(
    private readonly app: Application,
    readonly sourceName: string,
    readonly options: SyncOptions,
    auth: WeComOptions,
    clientFor: ClientFactory,
    private readonly log: Logger,
  ) {
    this.corpId = auth.corpId;
    const limits = { maxBodyBytes: CONTACTS_MAX_BODY_BYTES };
    const app_ = clientFor(auth, limits);
    const contacts = options.contactsSecret
      ? clientFor({ corpId: auth.corpId, agentId: 'contacts', corpSecret: options.contactsSecret }, limits)
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

  /**
   * The whole address book: write what changed, remove what WeCom no longer has. What it writes is the plan a
   * preview answers (plan()), so a preview followed by a pull does what the preview said.
   */
  async pull(assertHeld?: AssertHeld, progress?: PullProgressListener): Promise<SyncReport> {
    if (assertHeld) this.assertHeld = assertHeld;
    this.failedWrites = [];
    const plan = await this.plan(progress);
    if (plan.refusal) throw plan.refusal;
    await plan.markCorp();
    await this.applyDepartments(plan.departments, (done) => progress?.({ phase: 'departments', done, total: plan.departments.changed.length }));
    await this.applyUsers(plan.users, (done) => progress?.({ phase: 'users', done, total: plan.users.changed.length }));
    // Departments go last: their members are moved out first. Children before parents.
    if (plan.goneDepartments.length) {
      await this.push('department', plan.goneDepartments.map((d): DepartmentRecord => ({ uid: d.uid, isDeleted: true })));
    }
    this.assertWritten();
    return pullReport(plan);
  }

  /**
   * What a pull would do now, writing nothing: it reads WeCom and the source's records and decides every member
   * and department as the pull does. Throws (SyncConfigError) when the pull would be refused before deciding
   * anything (an empty read, another corp); a pull over Maximum removals is decided in full, with `refusal` set.
   */
  async plan(progress?: PullProgressListener, { dry = false } = {}): Promise<PullPlan> {
    this.recreated = new Set();
    const read = await this.reader.readAll(progress && ((done, total, unit) => progress({ phase: 'read', done, total, unit })));
    // Only the chosen subtrees (option `departments`): a member outside them is not this source's, as if WeCom
    // had not returned it (removed within Maximum removals).
    const scope = this.options.departments ? subtrees(read.departments, this.options.departments) : undefined;
    const directory = scope
      ? {
          ...read,
          departments: read.departments.filter((d) => scope.has(d.id)).map((d) => scopedDepartment(d, scope)),
          members: read.members.map((m) => scopedMember(m, scope)).filter((m): m is WecomMember => m !== undefined),
        }
      : read;
    const report = emptyReport(directory.recipe);
    const departments = departmentRecords(directory.departments);
    const known = new Set(departments.map((d) => d.uid));
    const goneDepartments = (await this.origins('department')).filter((o) => !known.has(o.sourceUk) && !o.metaData.isDeleted);
    const members = directory.members.map((m) => mappedUserRecord(m, this.options.fieldMap));
    const present = new Set(members.map((m) => m.uid));
    // Every user record of the source, read once for the whole pull.
    const userOrigins = new Map((await this.origins('user')).map((o) => [o.sourceUk, o]));
    const goneUsers = [...userOrigins.values()]
      .filter((o) => !present.has(o.sourceUk) && !o.metaData.isDeleted)
      .map((o): UserRecord => ({ uid: o.sourceUk, isDeleted: true }));
    // Members linked by a sign-in whom the sync never wrote (a root user, ...) lose their link when they leave:
    // WeCom may give their userid to someone else later.
    const others = await this.heldByOtherSources();
    const linkedGone = (await this.linkedUserids()).filter((uid) => !present.has(uid) && !userOrigins.has(uid) && !others.has(uid));
    // An empty read (the app's visible range narrowed, a Secret that sees nobody) is not a company whose
    // members all left: removing every synced user on it would be unrecoverable.
    if (members.length === 0 && goneUsers.length + linkedGone.length > 0) {
      throw new SyncConfigError('contactsSecret', EMPTY_READ);
    }
    const markCorp = await this.corpMark([...userOrigins.values()]);
    const departmentPlan = await this.planDepartments(departments, report);
    const users = await this.planUsers([...members, ...goneUsers, ...linkedGone.map((uid): UserRecord => ({ uid, isDeleted: true }))], report, userOrigins, dry);
    // The guard counts what the plan would remove before anything is written: members leaving by the thousand are
    // a wrong Secret, visible range or Company ID more often than a company shrinking. Members WeCom still lists
    // as disabled or left count, and users kept and only unlinked too (they lose their WeCom sign-in).
    const leaving = users.groups.removed.length + users.groups.unlinked.length;
    const synced = [...userOrigins.values()].filter((o) => !o.metaData.isDeleted).length + linkedGone.length;
    const limit = removalLimit(this.options.maxRemovals, synced);
    const refusal =
      leaving > limit
        ? new SyncConfigError('maxRemovals', TOO_MANY_REMOVALS, { count: String(leaving), members: String(synced), limit: String(limit) })
        : undefined;
    // Children before parents.
    const gone = goneDepartments.reverse().map((o) => ({ uid: o.sourceUk, name: typeof o.metaData.title === 'string' ? o.metaData.title : undefined }));
    report.departments.removed += gone.length;
    return {
      report,
      members: directory.members.length,
      departmentsRead: directory.departments.length,
      departments: departmentPlan,
      users,
      goneDepartments: gone,
      refusal,
      markCorp,
    };
  }

  /** One change_contact event: read what WeCom has now and write it. */
  async apply(event: ContactEvent, assertHeld?: AssertHeld): Promise<SyncReport> {
    const report = emptyReport();
    this.recreated = new Set();
    this.failedWrites = [];
    if (assertHeld) this.assertHeld = assertHeld;
    await this.checkCorp();
    switch (event.changeType) {
      case 'create_user':
      case 'update_user': {
        const userid = event.newUserId || event.userId;
        // WeCom first: a failed read writes nothing, the rename included.
        const read = await this.reader.member(userid);
        if (event.newUserId && event.newUserId !== event.userId) await this.rename(event.userId, event.newUserId);
        // With chosen departments, a member in none of the source's departments is not this source's.
        const scope = await this.callbackScope();
        const member = read && scope ? scopedMember(read, scope) : read;
        await this.writeUsers([member ? mappedUserRecord(member, this.options.fieldMap) : { uid: userid, isDeleted: true }], report);
        break;
      }
      case 'delete_user':
        await this.writeUsers([{ uid: event.userId, isDeleted: true }], report);
        break;
      case 'create_party':
      case 'update_party': {
        const read = await this.reader.department(event.id);
        const scope = await this.callbackScope();
        // With chosen departments: one under them is the source's (its parent is); a chosen one becomes a root.
        if (read && scope && !scope.has(read.id) && !scope.has(read.parentid)) {
          if (await this.isSourceDepartment(read.id)) await this.removeDepartment(event.id, report);
          break;
        }
        const department = read && scope ? scopedDepartment(read, new Set([...scope, read.id])) : read;
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
        await this.rejoin(report);
        break;
      }
      case 'delete_party':
        await this.removeDepartment(event.id, report);
        break;
    }
    this.assertWritten();
    return report;
  }

  /**
   * A pull must not say "created" of a member NocoBase failed to write (a busy database, a rule of the users
   * collection): user-data-sync answers such records as failed and goes on, so they are collected and the task
   * fails naming them, after everything else was written.
   */
  private assertWritten() {
    const failed = this.failedWrites;
    this.failedWrites = [];
    if (!failed.length) return;
    const shown = failed.slice(0, 20).map((f) => f.uid);
    const list = shown.join(', ') + (failed.length > shown.length ? ', …' : '');
    throw new SyncConfigError('write', NOT_WRITTEN, { count: String(failed.length), list, error: failed[0].message });
  }

  private noteFailedWrites(results: unknown) {
    type Result = { detail?: { failedRecords?: { record?: { uid?: unknown }; message?: unknown }[] } };
    for (const result of Array.isArray(results) ? (results as Result[]) : []) {
      for (const failed of result?.detail?.failedRecords ?? []) {
        this.failedWrites.push({ uid: String(failed.record?.uid ?? '?'), message: String(failed.message ?? '') });
      }
    }
  }

  /**
   * The source's records belong to the corp they were read from: user-data-sync keys them by userid alone, so
   * after the authenticator's Company ID changed, another company's `zhangsan` would be written into the first
   * company's `zhangsan` user (and its link), and the first company's other users removed. Such a source writes
   * nothing. Sources synced before the corp was recorded are told by their users' links.
   * `userOrigins`: the source's user records, when the caller has read them.
   */
  private async checkCorp(userOrigins?: OriginRecord[]) {
    await (await this.corpMark(userOrigins))();
  }

  /** checkCorp's check, writing nothing: answers the write of the corp mark that goes with the source's first write. */
  private async corpMark(userOrigins?: OriginRecord[]): Promise<() => Promise<void>> {
    const records = this.repo('userDataSyncRecords').model;
    const mark = await records.findOne({ where: { sourceName: this.sourceName, dataType: CORP_MARK }, attributes: ['id', 'sourceUk'] });
    let previous = mark?.get('sourceUk') as string | undefined;
    if (previous === this.corpId) return async () => undefined;
    const live = (userOrigins ?? (await this.origins('user'))).filter((o) => !o.metaData.isDeleted);
    const departments = (await this.origins('department')).some((o) => !o.metaData.isDeleted);
    if (!previous && live.length) {
      const corps = await this.corpsOf(live);
      previous = corps.length && !corps.includes(this.corpId) ? corps.join(', ') : undefined;
    }
    // A source with nothing left of the first company (every member and department removed) may go on with another.
    if (previous && (live.length || departments)) {
      throw new SyncConfigError('authenticator', CORP_CHANGED, { previous, corpId: this.corpId });
    }
    return async () => {
      this.assertHeld();
      if (mark) await records.update({ sourceUk: this.corpId }, { where: { id: mark.get('id') } });
      else await records.create({ sourceName: this.sourceName, dataType: CORP_MARK, sourceUk: this.corpId, metaData: {} });
    };
  }

  /**
   * The departments a change callback may write, when the source syncs chosen departments: the chosen ones and
   * those the last pull wrote under them. Undefined: every department.
   */
  private async callbackScope(): Promise<Set<number> | undefined> {
    if (!this.options.departments) return undefined;
    const written = (await this.origins('department')).filter((o) => !o.metaData.isDeleted).map((o) => Number(o.sourceUk));
    return new Set([...this.options.departments, ...written]);
  }

  private async isSourceDepartment(id: number): Promise<boolean> {
    const [origin] = await this.origins('department', [String(id)]);
    return Boolean(origin && !origin.metaData.isDeleted);
  }

  /** A department written again (an admin had deleted it in NocoBase) gets its members back, as on a pull. */
  private async rejoin(report: SyncReport) {
    if (!this.recreated.size) return;
    const records = (await this.origins('user'))
      .filter((o) => !o.metaData.isDeleted && (o.metaData.departments as UserRecord['departments'])?.some((d) => this.recreated.has(d.uid)))
      .map((o) => o.metaData as unknown as UserRecord);
    if (records.length) await this.writeUsers(records, report);
  }

  private async removeDepartment(id: number, report: SyncReport) {
    const [origin] = await this.origins('department', [String(id)]);
    if (!origin || origin.metaData.isDeleted) return;
    await this.push('department', [{ uid: String(id), isDeleted: true }]);
    report.departments.removed += 1;
  }

  /** A userid WeCom changed (NewUserID): the source's record and the link follow, the user stays. */
  private async rename(from: string, to: string) {
    this.assertHeld();
    const [renamed] = await this.origins('user', [from]);
    const links = (await this.repo('usersAuthenticators').find({ filter: { authenticator: this.options.authenticator, uuid: from } })).filter((l: Model) => this.isCurrent(l));
    // Nothing under `from` (renamed already, or never synced): nothing to move, and nothing under `to` to clear.
    if (!renamed && !links.length) return;
    // WeCom gives a userid to one member at a time: a record or a link still under `to` is a departed member's,
    // and would otherwise sit beside the renamed one (the next sign-in of `to` could find that member's user).
    const stale = (await this.origins('user', [to])).map((o) => o.id);
    if (stale.length) {
      await this.repo('userDataSyncRecordsResources').model.destroy({ where: { recordId: stale } });
      await this.repo('userDataSyncRecords').model.destroy({ where: { id: stale } });
    }
    await this.repo('usersAuthenticators').model.destroy({ where: { authenticator: this.options.authenticator, uuid: to } });
    await this.repo('userDataSyncRecords').update({
      filter: { sourceName: this.sourceName, dataType: 'user', sourceUk: from },
      values: { sourceUk: to },
    });
    for (const link of links) {
      await this.repo('usersAuthenticators').model.update(
        { uuid: to, meta: { ...(link.get('meta') as object), corpId: this.corpId, userid: to } },
        { where: { authenticator: this.options.authenticator, uuid: from, userId: link.get('userId') } },
      );
    }
  }

  private async writeDepartments(records: DepartmentRecord[], report: SyncReport) {
    await this.applyDepartments(await this.planDepartments(records, report));
  }

  /** Which departments are written (created or updated) and which are unchanged: reads only. */
  private async planDepartments(records: DepartmentRecord[], report: SyncReport): Promise<DepartmentPlan> {
    const origins = new Map((await this.origins('department', records.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    const pks = [...origins.values()].map((o) => resourcePk(o, 'departments')).filter((pk): pk is number => pk !== undefined);
    const existing = await this.existingIds('departments', pks);
    const plan: DepartmentPlan = { changed: [], created: [], updated: [] };
    // Parents come first: a department whose parent is written again is written too, to find its parent.
    for (const r of records) {
      const origin = origins.get(r.uid);
      const pk = resourcePk(origin, 'departments');
      // Deleted in NocoBase while WeCom still has it: written again (user-data-sync creates it anew).
      if (pk !== undefined && !existing.has(pk)) this.recreated.add(r.uid);
      const moved = r.parentUid !== undefined && this.recreated.has(r.parentUid);
      const alive = origin && !origin.metaData.isDeleted && pk !== undefined && existing.has(pk);
      if (alive && !moved && sameRecord(origin.metaData, r)) continue;
      plan.changed.push(r);
      (alive ? plan.updated : plan.created).push({ uid: r.uid, name: r.title });
    }
    report.departments.unchanged += records.length - plan.changed.length;
    report.departments.written += plan.changed.length;
    return plan;
  }

  private async applyDepartments(plan: DepartmentPlan, pushed?: (done: number) => void) {
    if (plan.changed.length) await this.push('department', plan.changed, pushed);
  }

  /** `known`: every user record of the source, when the caller has read them already (a pull). */
  private async writeUsers(records: UserRecord[], report: SyncReport, known?: Map<string, OriginRecord>) {
    await this.applyUsers(await this.planUsers(records, report, known));
  }

  /**
   * What becomes of each member: created, linked to an existing user, updated, removed, unlinked, unchanged or left
   * out (report.skipped), and the records as they will be pushed. Reads only. `dry`: a preview (nothing logged).
   */
  private async planUsers(records: UserRecord[], report: SyncReport, known?: Map<string, OriginRecord>, dry = false): Promise<UserPlan> {
    const log = dry ? QUIET : this.log;
    const roots = await rootUserIds(this.app.db);
    const matcher = new MemberMatcher({
      db: this.app.db,
      authenticator: this.options.authenticator,
      corpId: this.corpId,
      sourceName: this.sourceName,
      roots,
      log,
      userOrigins: () => this.origins('user'),
      known: known?.values(),
    });
    const origins = known ?? new Map((await this.origins('user', records.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    const userIds = new Map<string, number>();
    for (const record of records) {
      const pk = resourcePk(origins.get(record.uid), 'users');
      if (pk !== undefined) userIds.set(record.uid, pk);
    }
    // A record may point to a user deleted in NocoBase (by an admin, or a source of the same name deleted
    // earlier left its records behind): such a mapping counts as none.
    const users = await this.contactsOf([...userIds.values()]);
    const links = await this.linkedUsers(records.map((r) => r.uid));
    const usernames = await this.usernameOwners(records);
    const withUsername = (record: UserRecord, userId: number | undefined, user: Contacts | undefined) =>
      this.withUsername(record, { userId, user, syncCreated: userId !== undefined && links.created.has(userId), owners: usernames, report });

    const changed: UserRecord[] = [];
    /** Removed members whose user is gone already: user-data-sync would create an empty user for them. */
    const forgotten: UserRecord[] = [];
    /** Removed members the source has no record of, linked by a sign-in: only their link goes. */
    const unlinked: UserRecord[] = [];
    const claims: { record: UserRecord; userId: number }[] = [];
    /** Members whose user the push creates. */
    const fresh = new Set<string>();
    const kept: { userid: string; fields: string[] }[] = [];
    const groups: UserPlan['groups'] = { created: [], linked: [], updated: [], removed: [], unlinked: [] };
    const nameOf = (record: UserRecord) => record.nickname ?? (origins.get(record.uid)?.metaData.nickname as string | undefined);
    const entry = (record: UserRecord, userId?: number): PlanEntry => ({ uid: record.uid, name: nameOf(record), ...(userId !== undefined ? { userId } : {}) });
    for (let record of records) {
      const origin = origins.get(record.uid);
      const userId = userIds.get(record.uid);
      const alive = userId !== undefined && users.has(userId);
      if (record.isDeleted) {
        if (!origin || origin.metaData.isDeleted) {
          if (links.users.has(record.uid)) {
            unlinked.push(record);
            groups.unlinked.push(entry(record, links.users.get(record.uid)));
            report.users.unlinked += 1;
          } else report.users.unchanged += 1;
          continue;
        }
        // Only a user the sync created is removed with its member; any other (a root user, one linked by phone
        // or by a sign-in) keeps its account and loses the link.
        if (alive && links.created.has(userId) && !roots.has(userId)) {
          changed.push(record);
          groups.removed.push(entry(record, userId));
          report.users.removed += 1;
        } else {
          forgotten.push(record);
          if (alive) {
            groups.unlinked.push(entry(record, userId));
            report.users.unlinked += 1;
          } else {
            groups.removed.push(entry(record));
            report.users.removed += 1;
          }
        }
        continue;
      }
      if (alive && roots.has(userId)) {
        report.skipped.push({ userid: record.uid, reason: 'root', userId });
        log.warn('wecom member not written', { source: this.sourceName, userid: record.uid, reason: 'root' });
        continue;
      }
      if (alive) {
        const own = keepOwnContacts(record, users.get(userId), origin?.metaData, links.created.has(userId));
        record = withUsername(own.record, userId, users.get(userId));
        const moved = record.departments?.some((d) => this.recreated.has(d.uid));
        if (origin && sameRecord(origin.metaData, record) && links.users.get(record.uid) === userId && !moved) {
          report.users.unchanged += 1;
          continue;
        }
        if (own.kept.length) kept.push({ userid: record.uid, fields: own.kept });
        groups.updated.push(entry(record, userId));
      } else {
        // New to this source (or its user was deleted in NocoBase): find the user it is, if any.
        const match = await matcher.match(record, links.users.get(record.uid), report);
        if (match === 'skip') continue;
        if (match === undefined) {
          record = withUsername(record, undefined, undefined);
          fresh.add(record.uid);
          groups.created.push(entry(record));
        } else {
          claims.push({ record, userId: match });
          userIds.set(record.uid, match);
          groups.linked.push(entry(record, match));
          await matcher.markClaimed(match);
        }
      }
      changed.push(record);
      report.users.written += 1;
    }
    const names = await this.userNames([
      ...report.skipped.filter((s) => s.userId !== undefined && s.user === undefined).map((s) => s.userId as number),
      ...Object.values(groups).flatMap((g) => g.map((e) => e.userId).filter((id): id is number => id !== undefined)),
    ]);
    for (const s of report.skipped) if (s.userId !== undefined && s.user === undefined) s.user = names.get(s.userId) ?? `#${s.userId}`;
    for (const g of Object.values(groups)) for (const e of g) if (e.userId !== undefined) e.user = names.get(e.userId) ?? `#${e.userId}`;
    const skippedNames = new Map(records.map((r) => [r.uid, nameOf(r)]));
    const skipped = report.skipped.map((s) => ({ ...s, name: skippedNames.get(s.userid) }));

    // A user matched now keeps the email and phone it has (see keepOwnContacts).
    if (claims.length) {
      const matched = await this.contactsOf(claims.map((c) => c.userId));
      // Where each record is in `changed`: a first pull can match thousands of existing users (no search per claim).
      const at = new Map(changed.map((r, i) => [r, i]));
      for (const claim of claims) {
        const own = keepOwnContacts(claim.record, matched.get(claim.userId), undefined, links.created.has(claim.userId));
        changed[at.get(claim.record)!] = claim.record = withUsername(own.record, claim.userId, matched.get(claim.userId));
        if (own.kept.length) kept.push({ userid: claim.record.uid, fields: own.kept });
      }
    }
    await this.dropTakenContacts(changed, userIds);
    return { changed, forgotten, unlinked, claims, fresh, kept, userIds, users, origins, groups, skipped };
  }

  /** Writes what planUsers decided, chunk by chunk. `pushed`: how many of `plan.changed` are written so far. */
  private async applyUsers(plan: UserPlan, pushed?: (done: number) => void) {
    const { changed, forgotten, unlinked, claims, fresh, kept, userIds, users, origins } = plan;
    if (unlinked.length) {
      this.assertHeld();
      await this.updateLinks(unlinked, fresh);
    }
    if (!changed.length && !forgotten.length) return;
    if (kept.length) this.log.info('wecom contacts: existing users keep their own email or phone', { source: this.sourceName, kept });

    const departmentOrigins = await this.origins('department');
    const wecomDepartments = wecomDepartmentIds(departmentOrigins);
    const writer = await this.freshWriter(origins, fresh, departmentOrigins);
    // Chunk by chunk, each one whole: a write stopped by a lost lease (assertHeld) stops between two chunks,
    // never between a claim and its push (a claimed record would look unchanged to the next pull) or between
    // a push and what repairs it (the memberships plugin-departments replaces, the links).
    let done = 0;
    // Matched members are in `userIds` too (planUsers records each claim there).
    const userOf = (r: UserRecord) => userIds.get(r.uid);
    for (let part of chunks(changed)) {
      this.assertHeld();
      // A user given the root role while this pull ran is left alone from now on, as the plan leaves root users.
      const newRoots = await rootUserIds(this.app.db, part.map(userOf).filter((id): id is number => id !== undefined));
      if (newRoots.size) {
        part = part.filter((r) => {
          const id = userOf(r);
          return id === undefined || !newRoots.has(id);
        });
        this.log.warn('wecom members not written: their user became a root user during the pull', { source: this.sourceName, users: [...newRoots] });
      }
      const inPart = new Set(part);
      await this.claim(claims.filter((c) => inPart.has(c.record)), origins);
      const ids = part.map((r) => userIds.get(r.uid)).filter((id): id is number => id !== undefined);
      const hand = await this.handMemberships(ids, wecomDepartments);
      // Progress within the chunk as its pieces are pushed; the chunk's last piece once the chunk is whole.
      await this.push('user', part, (n) => n < part.length && pushed?.(done + n), writer);
      await this.restoreMemberships(hand);
      await this.updateLinks(part, fresh);
      done += part.length;
      pushed?.(done);
    }
    if (forgotten.length) {
      this.assertHeld();
      // Users kept while their member left: out of WeCom's departments, as a removed member would be.
      // A root user is never moved (not even out of WeCom's departments).
      const ids = forgotten.map((r) => userIds.get(r.uid)).filter((id): id is number => id !== undefined && users.has(id));
      const roots = await rootUserIds(this.app.db, ids);
      await this.leaveDepartments(ids.filter((id) => !roots.has(id)), wecomDepartments);
      await this.forget(forgotten, origins);
      await this.updateLinks(forgotten, fresh);
    }
  }

  /** Memberships of `userIds` in departments this source wrote are removed (and such a main department). */
  private async leaveDepartments(userIds: number[], wecomDepartments: Set<string>) {
    if (!userIds.length || !wecomDepartments.size || !this.app.db.getCollection('departmentsUsers')) return;
    const departmentIds = [...wecomDepartments].map(Number);
    for (const part of chunks(userIds)) {
      await this.repo('departmentsUsers').model.destroy({ where: { userId: part, departmentId: departmentIds } });
      if (this.app.db.getCollection('users').getField('mainDepartmentId')) {
        await this.repo('users').model.update({ mainDepartmentId: null }, { where: { id: part, mainDepartmentId: departmentIds }, hooks: false });
      }
    }
  }

  /**
   * Removed members whose user no longer exists: their records are marked removed here, without user-data-sync
   * (its plugin-users would create an empty user for a removed record that points to no user).
   */
  private async forget(records: UserRecord[], origins: Map<string, OriginRecord>) {
    if (!records.length) return;
    const model = this.repo('userDataSyncRecords').model;
    for (const record of records) {
      await model.update({ metaData: record }, { where: { sourceName: this.sourceName, dataType: 'user', sourceUk: record.uid } });
    }
    const ids = records.map((r) => origins.get(r.uid)?.id).filter((id) => id !== undefined);
    for (const part of chunks(ids)) await this.repo('userDataSyncRecordsResources').model.destroy({ where: { recordId: part } });
  }

  /** How the report names users: username, else email, else nickname, with the id. */
  private async userNames(ids: number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.repo('users').model.findAll({ where: { id: part }, attributes: ['id', 'username', 'email', 'nickname'], raw: true });
      for (const r of rows as unknown as { id: number; username?: string; email?: string; nickname?: string }[]) {
        names.set(Number(r.id), `${r.username || r.email || r.nickname || ''} (#${r.id})`.trim());
      }
    }
    return names;
  }

  /** Nickname, phone, email and username of those of `ids` that exist. */
  private async contactsOf(ids: number[]): Promise<Map<number, Contacts>> {
    const out = new Map<number, Contacts>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.repo('users').model.findAll({ where: { id: part }, attributes: ['id', 'nickname', 'phone', 'email', 'username'], raw: true });
      for (const r of rows as unknown as (Contacts & { id: number })[]) {
        out.set(Number(r.id), { nickname: r.nickname, phone: r.phone, email: r.email, username: r.username });
      }
    }
    return out;
  }

  /** With `usernameFromUserid`: which users have the usernames the members' userids would be. */
  private async usernameOwners(records: UserRecord[]): Promise<Map<string, number>> {
    const owners = new Map<string, number>();
    if (!this.options.usernameFromUserid) return owners;
    const names = records.filter((r) => !r.isDeleted && validUsername(r.uid)).map((r) => r.uid);
    for (const part of chunks(names)) {
      const rows = await this.repo('users').model.findAll({ where: { username: part }, attributes: ['id', 'username'], raw: true });
      for (const r of rows as unknown as { id: number; username: string }[]) owners.set(r.username, Number(r.id));
    }
    return owners;
  }

  /**
   * The userid as username (option `usernameFromUserid`): for a user the sync creates or created, and for another
   * user only when it has none (a username it has may be how it signs in, as its email: keepOwnContacts). Never a
   * username another user has, nor one NocoBase would not accept: the member is written without it, and the
   * report says why. Root users never get here (the plan leaves them out).
   */
  private withUsername(
    record: UserRecord,
    { userId, user, syncCreated, owners, report }: { userId?: number; user?: Contacts; syncCreated: boolean; owners: Map<string, number>; report: SyncReport },
  ): UserRecord {
    if (!this.options.usernameFromUserid || record.isDeleted) return record;
    const username = record.uid;
    if (user?.username === username) return { ...record, username };
    if (userId !== undefined && !syncCreated && user?.username) return record;
    if (!validUsername(username)) {
      report.skipped.push({ userid: record.uid, reason: 'username-invalid' });
      return record;
    }
    const owner = owners.get(username);
    if (owner !== undefined && owner !== userId) {
      report.skipped.push({ userid: record.uid, reason: 'username-taken', userId: owner });
      return record;
    }
    return { ...record, username };
  }

  /**
   * Records the matches so that user-data-sync updates those users instead of creating them: the source's
   * record (the push fills it in as it does every record) pointing at the user, in a few statements.
   */
  private async claim(claims: { record: UserRecord; userId: number }[], origins: Map<string, OriginRecord>) {
    if (!claims.length) return;
    const records = this.repo('userDataSyncRecords').model;
    const resources = this.repo('userDataSyncRecordsResources').model;
    const missing = claims.filter((c) => !origins.has(c.record.uid));
    for (const part of chunks(missing)) {
      await records.bulkCreate(part.map(({ record }) => ({ sourceName: this.sourceName, dataType: 'user', sourceUk: record.uid, metaData: record })));
    }
    const ids = new Map((await this.origins('user', claims.map((c) => c.record.uid))).map((o) => [o.sourceUk, o.id]));
    const recordIds = claims.map((c) => ids.get(c.record.uid)).filter((id) => id !== undefined);
    // A record whose user was deleted in NocoBase still points at it.
    for (const part of chunks(recordIds)) await resources.destroy({ where: { recordId: part, resource: 'users' } });
    for (const part of chunks(claims)) {
      await resources.bulkCreate(part.map(({ record, userId }) => ({ recordId: ids.get(record.uid), resource: 'users', resourcePk: String(userId) })));
    }
  }

  /** A phone or email that belongs to another user is left out (users' phone and email are unique). */
  private async dropTakenContacts(records: UserRecord[], userIds: Map<string, number>) {
    const phones = records.map((r) => r.phone).filter((p): p is string => Boolean(p));
    const emails = records.map((r) => r.email).filter((e): e is string => Boolean(e));
    if (!phones.length && !emails.length) return;
    const users = this.repo('users').model;
    const phoneOwner = new Map<string, number>();
    const emailOwner = new Map<string, number>();
    for (const part of chunks(phones)) {
      for (const u of await users.findAll({ where: { phone: part }, attributes: ['id', 'phone'], raw: true })) {
        phoneOwner.set((u as unknown as { phone: string }).phone, Number((u as unknown as { id: number }).id));
      }
    }
    for (const part of chunks(emails)) {
      for (const u of await users.findAll({ where: { email: part }, attributes: ['id', 'email'], raw: true })) {
        emailOwner.set((u as unknown as { email: string }).email, Number((u as unknown as { id: number }).id));
      }
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
  private async handMemberships(userIds: number[], wecomDepartments: Set<string>) {
    if (!userIds.length || !this.app.db.getCollection('departmentsUsers')) return [];
    const kept: { userId: number; departmentId: number; isOwner: boolean }[] = [];
    for (const part of chunks(userIds)) {
      const rows = await this.repo('departmentsUsers').model.findAll({ where: { userId: part }, attributes: ['userId', 'departmentId', 'isOwner'], raw: true });
      for (const r of rows as unknown as { userId: number; departmentId: number; isOwner: unknown }[]) {
        if (wecomDepartments.has(String(r.departmentId))) continue;
        kept.push({ userId: Number(r.userId), departmentId: r.departmentId, isOwner: Boolean(r.isOwner) });
      }
    }
    return kept;
  }

  private async restoreMemberships(kept: { userId: number; departmentId: number; isOwner: boolean }[]) {
    if (!kept.length) return;
    const repo = this.repo('departmentsUsers');
    const users = await this.existingIds('users', kept.map((r) => r.userId));
    const departments = await this.existingIds('departments', kept.map((r) => r.departmentId));
    const present = new Set<string>();
    for (const part of chunks([...new Set(kept.map((r) => r.userId))])) {
      const rows = await repo.model.findAll({ where: { userId: part }, attributes: ['userId', 'departmentId'], raw: true });
      for (const r of rows as unknown as { userId: number; departmentId: number }[]) present.add(`${r.userId}:${r.departmentId}`);
    }
    for (const row of kept) {
      if (!users.has(row.userId) || !departments.has(Number(row.departmentId))) continue;
      if (present.has(`${row.userId}:${row.departmentId}`)) continue;
      await repo.create({ values: row });
    }
  }

  /** Which of `ids` exist in `collection`. */
  private async existingIds(collection: string, ids: number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.repo(collection).model.findAll({ where: { id: part }, attributes: ['id'], raw: true });
      for (const r of rows as unknown as { id: number }[]) out.add(Number(r.id));
    }
    return out;
  }

  /** Every synced member linked to the authenticator; links of removed members go with them. A few statements per 500 members. */
  private async updateLinks(records: UserRecord[], fresh: Set<string>) {
    const authenticator = this.options.authenticator;
    const links = this.repo('usersAuthenticators').model;
    for (const part of chunks(records.filter((r) => r.isDeleted).map((r) => r.uid))) {
      await links.destroy({ where: { authenticator, uuid: part } });
    }
    const present = records.filter((r) => !r.isDeleted);
    const origins = new Map((await this.origins('user', present.map((r) => r.uid))).map((o) => [o.sourceUk, o]));
    const current = new Map<string, { userId: number; nickname: string }>();
    for (const part of chunks(present.map((r) => r.uid))) {
      for (const l of await links.findAll({ where: { authenticator, uuid: part }, attributes: ['userId', 'uuid', 'nickname', 'meta'] })) {
        if (this.isCurrent(l as unknown as Model)) current.set(l.get('uuid') as string, { userId: Number(l.get('userId')), nickname: l.get('nickname') as string });
      }
    }
    const created = new Map<number, { authenticator: string; userId: number; uuid: string; nickname: string; meta: LinkMeta }>();
    for (const record of present) {
      const userId = resourcePk(origins.get(record.uid), 'users');
      if (userId === undefined) continue;
      const mine = current.get(record.uid);
      if (mine && mine.userId === userId) {
        if (record.nickname && mine.nickname !== record.nickname) {
          await links.update({ nickname: record.nickname }, { where: { authenticator, uuid: record.uid, userId } });
        }
        continue;
      }
      if (mine) await links.destroy({ where: { authenticator, uuid: record.uid, userId: mine.userId } });
      // `syncCreated`: WeCom's email and phone changes keep flowing into a user the sync created (keepOwnContacts).
      const meta: LinkMeta = { corpId: this.corpId, userid: record.uid, ...(fresh.has(record.uid) ? { syncCreated: true } : {}) };
      created.set(userId, { authenticator, userId, uuid: record.uid, nickname: record.nickname ?? '', meta });
    }
    // A user has one link per authenticator: one made under another Company ID is replaced.
    for (const part of chunks([...created.keys()])) await links.destroy({ where: { authenticator, userId: part } });
    for (const part of chunks([...created.values()])) await links.bulkCreate(part);
  }

  /**
   * userid → user, for links made under this authenticator and corp (by the login or an earlier sync), and
   * which of those users the sync created. A link to a user that no longer exists counts as none.
   */
  private async linkedUsers(uids: string[]): Promise<{ users: Map<string, number>; created: Set<number> }> {
    const users = new Map<string, number>();
    const created = new Set<number>();
    for (const part of chunks(uids)) {
      const links = await this.repo('usersAuthenticators').model.findAll({
        where: { authenticator: this.options.authenticator, uuid: part },
        attributes: ['userId', 'uuid', 'meta'],
      });
      for (const l of links) {
        if (!this.isCurrent(l as unknown as Model)) continue;
        users.set(l.get('uuid') as string, Number(l.get('userId')));
        if ((l.get('meta') as LinkMeta).syncCreated === true) created.add(Number(l.get('userId')));
      }
    }
    const existing = await this.existingIds('users', [...users.values()]);
    for (const [uid, id] of users) if (!existing.has(id)) users.delete(uid);
    return { users, created };
  }

  private isCurrent(link: Model): boolean {
    return isCurrentLink(link, this.corpId);
  }

  /**
   * The source's records with their resources. Read without `appends`: the join on
   * userDataSyncRecordsResources.recordId has no index, so it scans that table once per record.
   */
  private async origins(dataType: 'user' | 'department', uids?: string[]): Promise<OriginRecord[]> {
    const records = this.repo('userDataSyncRecords').model;
    const resources = this.repo('userDataSyncRecordsResources').model;
    const read = async (where: Record<string, unknown>): Promise<OriginRecord[]> => {
      const rows = await records.findAll({ where: { sourceName: this.sourceName, dataType, ...where }, attributes: ['id', 'sourceUk', 'metaData'] });
      const out = rows.map((r): OriginRecord => ({ id: r.get('id') as number, sourceUk: r.get('sourceUk') as string, metaData: (r.get('metaData') ?? {}) as Record<string, unknown>, resources: [] }));
      const byId = new Map(out.map((o) => [String(o.id), o]));
      for (const part of chunks(out.map((o) => o.id))) {
        const rs = await resources.findAll({ where: { recordId: part }, attributes: ['recordId', 'resource', 'resourcePk'], raw: true });
        for (const r of rs as unknown as { recordId: number; resource: string; resourcePk: string }[]) {
          byId.get(String(r.recordId))?.resources?.push({ resource: r.resource, resourcePk: r.resourcePk });
        }
      }
      return out;
    };
    if (!uids) return read({});
    const out: OriginRecord[] = [];
    for (const part of chunks(uids)) out.push(...(await read({ sourceUk: part })));
    return out;
  }

  /** Members another source (a `wecom` one, of any name) still writes: their links are that source's business. */
  private async heldByOtherSources(): Promise<Set<string>> {
    const rows = await this.repo('userDataSyncRecords').model.findAll({
      where: { dataType: 'user', sourceName: { [Op.ne]: this.sourceName } },
      attributes: ['sourceUk', 'metaData'],
    });
    return new Set(rows.filter((r) => !(r.get('metaData') as { isDeleted?: unknown } | null)?.isDeleted).map((r) => r.get('sourceUk') as string));
  }

  /** The userids linked to a user under this authenticator and corp. */
  private async linkedUserids(): Promise<string[]> {
    const links = await this.repo('usersAuthenticators').model.findAll({ where: { authenticator: this.options.authenticator }, attributes: ['uuid', 'meta'] });
    return links.filter((l) => this.isCurrent(l as unknown as Model)).map((l) => l.get('uuid') as string);
  }

  /** The Company IDs in the links (under this authenticator) of the users these records wrote. */
  private async corpsOf(origins: OriginRecord[]): Promise<string[]> {
    const corps = new Set<string>();
    const ids = origins.map((o) => resourcePk(o, 'users')).filter((id): id is number => id !== undefined);
    for (const part of chunks(ids)) {
      const links = await this.repo('usersAuthenticators').model.findAll({ where: { authenticator: this.options.authenticator, userId: part }, attributes: ['meta'] });
      for (const l of links) {
        const corpId = (l.get('meta') as { corpId?: unknown } | null)?.corpId;
        if (typeof corpId === 'string') corps.add(corpId);
      }
    }
    return [...corps].sort();
  }

  /**
   * Pushes `records` a chunk at a time (the lease is checked before each), each chunk in pieces of PIECE records
   * so that a pull's progress moves every few seconds. `pushed`: how many are written so far.
   */
  private async push(dataType: 'user' | 'department', records: (UserRecord | DepartmentRecord)[], pushed?: (done: number) => void, fresh?: FreshUsersWriter) {
    for (let i = 0; i < records.length; i += CHUNK) {
      this.assertHeld();
      const chunk = records.slice(i, i + CHUNK);
      for (let j = 0; j < chunk.length; j += PIECE) {
        let piece = chunk.slice(j, j + PIECE);
        if (fresh) piece = await this.writeFresh(piece as UserRecord[], fresh);
        if (piece.length) this.noteFailedWrites(await this.uds.syncService.push({ dataType, records: piece, sourceName: this.sourceName }));
        pushed?.(i + Math.min(j + PIECE, chunk.length));
      }
    }
  }

  /** Writes the members of `piece` new to the source in one transaction (fresh-users.ts); answers those left to push. */
  private async writeFresh(piece: UserRecord[], fresh: FreshUsersWriter): Promise<UserRecord[]> {
    const rest = piece.filter((r) => !fresh.accepts(r));
    for (const batch of chunks(piece.filter((r) => fresh.accepts(r)), fresh.batchSize)) {
      try {
        await fresh.write(batch);
      } catch (error) {
        // Nothing of the batch was written: user-data-sync writes it record by record and names a record that fails.
        this.log.warn('wecom contacts: new members pushed one by one after their batch failed', { source: this.sourceName, error: (error as Error).message });
        rest.push(...batch);
      }
    }
    return rest;
  }

  /**
   * The writer of members new to the source, when user-data-sync's resources are the ones fresh-users.ts writes as.
   * `origins`: the plan's origin records, which cover every record the plan writes; `fresh`: the members it creates a
   * user for; `departmentOrigins`: the source's department records (written before the users).
   */
  private async freshWriter(origins: Map<string, OriginRecord>, fresh: Set<string>, departmentOrigins: OriginRecord[]): Promise<FreshUsersWriter | undefined> {
    const resources = (this.uds.resourceManager as unknown as { resources?: { nodes?: SyncResources } }).resources?.nodes;
    if (!resources || !writesAsNocoBase(resources)) return undefined;
    let departments: Map<string, number> | undefined;
    if (resources.some((r) => r.name === 'departments' && r.accepts.includes('user'))) {
      const written = departmentOrigins.map((o) => [o.sourceUk, resourcePk(o, 'departments')] as const);
      const existing = await this.existingIds('departments', written.map(([, pk]) => pk).filter((pk): pk is number => pk !== undefined));
      departments = new Map(written.filter((w): w is readonly [string, number] => w[1] !== undefined && existing.has(w[1])));
    }
    // Only members the plan creates a user for (a claimed member gets its origin record before the push).
    return freshUsersWriter(this.app.db, this.app.cache, this.sourceName, (uid) => fresh.has(uid) && !origins.has(uid), departments);
  }
}

/** The NocoBase departments the source's department records were written to. */
function wecomDepartmentIds(origins: OriginRecord[]): Set<string> {
  return new Set(origins.map((o) => o.resources?.find((r) => r.resource === 'departments')?.resourcePk).filter((pk): pk is string => pk !== undefined));
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type { WecomMember };
