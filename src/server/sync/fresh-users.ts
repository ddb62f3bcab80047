// Members new to a source, written as NocoBase's user-data-sync writes them, in one transaction per piece.
//
// For a record the source has never seen, user-data-sync's push ends in a known state: its origin record
// (userDataSyncRecords), a user created through the users repository (plugin-users' resource: the record without
// the fields it drops), that user's memberships (plugin-departments' resource: a departmentsUsers row per
// department that exists, isOwner as WeCom says, isMain left false as that plugin leaves it), the main department
// (the record's isMain department, else the first membership by id: plugin-departments' own repair), and a
// resource row for the user and each membership. It takes some 40 statements and 4 commits per member, most of
// them lookups of what was just written. Here the users are still created one by one through the repository
// (every plugin's hooks run: default role, sort, …), the rest is written in bulk, and a piece commits once.
//
// Only where nothing can differ: a record with no origin record yet, whose departments all exist, while only
// plugin-users' and plugin-departments' resources take user records. Anything else, and any piece that fails
// (NocoBase then writes it record by record and says which record failed), goes through user-data-sync itself.
import type { Database, Transaction } from '@nocobase/database';
import type { UserRecord } from './records';

/** Fields plugin-users' resource leaves out of the user it creates (UserDataSyncResource.getFlteredSourceUser). */
const NOT_USER_FIELDS = new Set([
  'id',
  'uid',
  'createdAt',
  'updatedAt',
  'appLang',
  'resetToken',
  'systemSettings',
  'password',
  'sort',
  'createdById',
  'updatedById',
  'isDeleted',
  'departments',
]);

/** The resources user-data-sync knows, by name, and which record types each takes. */
export type SyncResources = { name: string; accepts: string[] }[];

/** Whether the resources that take user records are plugin-users' and plugin-departments' only (this file's model). */
export function writesAsNocoBase(resources: SyncResources): boolean {
  const names = resources.filter((r) => r.accepts.includes('user')).map((r) => r.name);
  return names.includes('users') && names.every((name) => name === 'users' || name === 'departments');
}

export interface FreshUsersWriter {
  /** Records this writer writes as user-data-sync would (the rest must be pushed). */
  accepts(record: UserRecord): boolean;
  /**
   * Members per transaction. SQLite has one writer at a time: a sign-in or a task update waits for the transaction
   * (for one second, then fails), so it stays short there.
   */
  batchSize: number;
  /** Writes `records` (all accepted) in one transaction; throws, having written nothing, if any fails. */
  write(records: UserRecord[]): Promise<void>;
}

/** The part of NocoBase's cache (app.cache) this file uses. */
export interface UserCache {
  del(key: string): Promise<void>;
}

/**
 * `departments`: WeCom department uid → the NocoBase department the source wrote it to, for departments that
 * exist (read after the pull wrote its departments); undefined when plugin-departments takes no user records.
 * `isNew`: whether the plan creates a user for a member the source has no origin record of.
 */
export function freshUsersWriter(
  db: Database,
  cache: UserCache,
  sourceName: string,
  isNew: (uid: string) => boolean,
  departments?: Map<string, number>,
): FreshUsersWriter {
  const accepts = (record: UserRecord) =>
    !record.isDeleted && isNew(record.uid) && (!departments || (record.departments ?? []).every((d) => departments.has(d.uid)));
  return {
    accepts,
    batchSize: db.sequelize.getDialect() === 'sqlite' ? 10 : 50,
    write: async (records) => {
      const users = new Map<string, number>();
      try {
        await db.sequelize.transaction(async (transaction) => {
          const origins = await saveOrigins(db, sourceName, records, transaction);
          const resources: { recordId: number; resource: string; resourcePk: string }[] = [];
          for (const record of records) {
            const user = await db.getRepository('users').create({ values: userValues(record), transaction });
            users.set(record.uid, Number(user.get('id')));
            resources.push({ recordId: origins.get(record.uid)!, resource: 'users', resourcePk: String(users.get(record.uid)) });
          }
          if (departments) {
            const memberships = await addMemberships(db, records, users, departments, transaction);
            for (const m of memberships) resources.push({ recordId: origins.get(m.uid)!, resource: 'departments', resourcePk: String(m.departmentId) });
          }
          await db.getModel('userDataSyncRecordsResources').bulkCreate(resources, { transaction });
        });
      } finally {
        await forgetCached(cache, [...users.values()]);
      }
    },
  };
}

/**
 * What NocoBase caches of the users just written is dropped, committed or rolled back: plugin-auth caches a user as
 * it is created (`auth:<id>`, the current user of each of its requests), before its main department is set here
 * without hooks (push's update of it caches the user again); plugin-departments drops `departments:<id>` as push
 * writes the memberships. A rolled-back user's id may be the next user's on SQLite.
 */
async function forgetCached(cache: UserCache, userIds: number[]) {
  await Promise.all(userIds.flatMap((id) => [cache.del(`auth:${id}`), cache.del(`departments:${id}`)]));
}

/** The user plugin-users' resource creates from a record. */
function userValues(record: UserRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !NOT_USER_FIELDS.has(key)));
}

/** The records' origin records (as user-data-sync saves a record it has not seen), and their ids by uid. */
async function saveOrigins(db: Database, sourceName: string, records: UserRecord[], transaction: Transaction) {
  const model = db.getModel('userDataSyncRecords');
  await model.bulkCreate(
    records.map((record) => ({ sourceName, sourceUk: record.uid, dataType: 'user', metaData: record })),
    { transaction },
  );
  // Read back rather than trust bulkCreate's ids (SQLite does not return them).
  const rows = await model.findAll({
    where: { sourceName, dataType: 'user', sourceUk: records.map((r) => r.uid) },
    attributes: ['id', 'sourceUk'],
    raw: true,
    transaction,
  });
  return new Map((rows as unknown as { id: number; sourceUk: string }[]).map((r) => [r.sourceUk, Number(r.id)]));
}

/**
 * Each user's memberships and main department, as plugin-departments' resource leaves them for a new user: a row
 * per department (isOwner as WeCom says), the main department the record names, else the first by id.
 */
async function addMemberships(
  db: Database,
  records: UserRecord[],
  users: Map<string, number>,
  departments: Map<string, number>,
  transaction: Transaction,
) {
  const rows: { uid: string; userId: number; departmentId: number; isOwner: boolean }[] = [];
  const mains = new Map<number, number[]>();
  for (const record of records) {
    const userId = users.get(record.uid)!;
    const own = new Map<number, boolean>();
    let main: number | undefined;
    for (const d of record.departments ?? []) {
      const departmentId = departments.get(d.uid)!;
      // A department listed twice is one membership; its owner flag is the last one listed (as the resource's updates).
      own.set(departmentId, Boolean(d.isOwner));
      if (d.isMain) main = departmentId;
    }
    for (const [departmentId, isOwner] of own) rows.push({ uid: record.uid, userId, departmentId, isOwner });
    main ??= own.size ? Math.min(...own.keys()) : undefined;
    if (main !== undefined) mains.set(main, [...(mains.get(main) ?? []), userId]);
  }
  if (rows.length) {
    await db.getModel('departmentsUsers').bulkCreate(
      rows.map(({ userId, departmentId, isOwner }) => ({ userId, departmentId, isOwner, isMain: false })),
      { transaction },
    );
  }
  for (const [mainDepartmentId, ids] of mains) {
    await db.getModel('users').update({ mainDepartmentId }, { where: { id: ids }, transaction, hooks: false });
  }
  return rows;
}
