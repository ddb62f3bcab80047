// Indexes for the lookups a pull makes once per member, added to NocoBase's own collections through the collection
// API (Collection.addIndex), so that NocoBase creates them wherever it syncs the database: on install, when this
// plugin or user-data-sync is enabled, and on `nocobase upgrade` of an app created without them (Sequelize's sync
// adds the indexes a table lacks, under their names, and leaves the data alone).
//
// Without them a pull's cost per member grows with the company (measured: bench/profile-pull.ts):
// - userDataSyncRecords is looked up by (sourceName, dataType, sourceUk) for every record user-data-sync saves,
//   for every piece it writes (findOriginRecords), and by plugin-departments for each member's departments; the
//   table holds a row per member and department of every source, and had no index but its primary key;
// - users: plugin-field-sort computes the next `sort` of every user created as max(sort) over the whole table.
import type { Collection, Database } from '@nocobase/database';

export const SYNC_INDEXES: readonly { collection: string; fields: string[] }[] = [
  { collection: 'userDataSyncRecords', fields: ['sourceName', 'dataType', 'sourceUk'] },
  { collection: 'users', fields: ['sort'] },
];

const indexed = new WeakSet<Database>();

/** Adds SYNC_INDEXES to their collections, now for those defined already and later for the others. */
export function indexSyncLookups(db: Database) {
  if (indexed.has(db)) return;
  indexed.add(db);
  const add = (collection: Collection) => {
    for (const index of SYNC_INDEXES) {
      // addIndex skips an index the collection has already (same fields, or the start of its primary key).
      if (index.collection === collection.name && fieldsExist(collection, index.fields)) collection.addIndex(index.fields);
    }
  };
  for (const index of SYNC_INDEXES) {
    const collection = db.getCollection(index.collection);
    if (collection) add(collection);
  }
  db.on('afterDefineCollection', add);
}

function fieldsExist(collection: Collection, fields: string[]): boolean {
  return fields.every((name) => collection.getField(name) !== undefined);
}
