// Write-only secrets: an admin sets or replaces them, nothing reads them back through the API
// (docs/architecture.md, "Write-only secrets"). The stored record keeps them; only what leaves the server
// through an action is hidden.
import { Context, Next } from '@nocobase/actions';
import type { Collection, Database } from '@nocobase/database';
import { Model } from '@nocobase/database';
import { AUTH_TYPE, NAMESPACE } from '../constants';
import { isEnvReference, SAVED_SECRETS } from '../shared/secrets';
import { SYNC_SECRET_PATHS } from './sync/options';

type Raw = Record<string, unknown>;

export interface WriteOnlyOptions {
  collection: string;
  /** The field holding the record's type: only records of `type` are this plugin's. */
  typeField: string;
  type: string;
  /** Dot paths inside the record's `options`. */
  paths: readonly string[];
}

/** Every secret this plugin stores. A feature that stores a new one adds it here. */
export const WRITE_ONLY: readonly WriteOnlyOptions[] = [
  { collection: 'authenticators', typeField: 'authType', type: AUTH_TYPE, paths: ['corpSecret'] },
  // Contacts sync (src/server/sync/options.ts): the contacts-sync Secret and the callback Token / EncodingAESKey.
  { collection: 'userDataSyncSources', typeField: 'sourceType', type: 'wecom', paths: SYNC_SECRET_PATHS },
];

const OPTIONS = 'options';

export function writeOnlyEntry(collection: string | undefined): WriteOnlyOptions | undefined {
  return WRITE_ONLY.find((entry) => entry.collection === collection);
}

/**
 * `options` as a read may show them: write-only values removed, their paths listed in `savedSecrets`.
 * A `{{$env.X}}` reference names a secret kept elsewhere and is shown as it is.
 */
export function hideSecrets(entry: WriteOnlyOptions, options: unknown): unknown {
  if (!isObject(options)) return options;
  const shown = structuredClone(options);
  delete shown[SAVED_SECRETS];
  const saved: string[] = [];
  for (const path of entry.paths) {
    const value = getPath(shown, path);
    if (isEmpty(value) || isEnvReference(value)) continue;
    deletePath(shown, path);
    saved.push(path);
  }
  if (saved.length) shown[SAVED_SECRETS] = saved;
  return shown;
}

/**
 * `options` about to be stored: `savedSecrets` (an echo of a read) dropped, and a write-only value that
 * is absent, empty or null keeps the stored one. A form saved without retyping a secret keeps it.
 */
export function keepSecrets(entry: WriteOnlyOptions, next: unknown, previous: unknown): unknown {
  if (!isObject(next)) return next;
  const kept = structuredClone(next);
  delete kept[SAVED_SECRETS];
  const stored = isObject(previous) ? previous : {};
  for (const path of entry.paths) {
    const before = getPath(stored, path);
    if (isEmpty(getPath(kept, path)) && !isEmpty(before)) setPath(kept, path, before);
  }
  return kept;
}

/** Keeps secrets on every write, whatever the path (API, `filter` update, array create, server code). */
export function keepSecretsOnSave(db: Database) {
  for (const entry of WRITE_ONLY) {
    db.on(`${entry.collection}.beforeSave`, (model: Model) => {
      if (model.get(entry.typeField) !== entry.type || !model.changed(OPTIONS)) return;
      const previous = model.isNewRecord ? undefined : parsed(model.previous(OPTIONS));
      model.set(OPTIONS, keepSecrets(entry, model.get(OPTIONS), previous));
    });
  }
}

/**
 * Resource middleware: hides write-only values in every record an action answers with (the record
 * itself or one appended to another), and refuses filters and exports that would read them.
 */
export async function hideSecretsInResponses(ctx: Context, next: Next) {
  const collection = resourceCollection(ctx.db, ctx.action.resourceName);
  if (collection) {
    const { params } = ctx.action;
    const columns = (params.values as Raw | undefined)?.columns ?? params.columns;
    const read = [...filterPaths(params.filter), ...columnPaths(columns)];
    if (read.some((path) => readsSecret(ctx.db, collection, path))) {
      ctx.throw(400, ctx.t('Saved secrets cannot be used to filter or export records.', { ns: NAMESPACE }));
    }
  }
  await next();
  // Assigned only when something was hidden: Koa turns an assigned empty body into a 204.
  const hidden = hideInBody(ctx.body, 0);
  if (hidden !== ctx.body) ctx.body = hidden;
}

/** `body` itself when it holds nothing to hide, else a copy where every such record is plain JSON. */
function hideInBody(body: unknown, depth: number): unknown {
  if (body instanceof Model) return involvesWriteOnly(body) ? hideInJson(body.toJSON(), collectionOf(body)) : body;
  if (depth > 2) return body;
  if (Array.isArray(body)) {
    const items = body.map((item) => hideInBody(item, depth + 1));
    return items.some((item, i) => item !== body[i]) ? items : body;
  }
  // `{ rows, count, ... }` of a paginated list
  if (isObject(body) && Object.getPrototypeOf(body) === Object.prototype) {
    const entries = Object.entries(body).map(([key, value]) => [key, hideInBody(value, depth + 1)] as const);
    return entries.some(([key, value]) => value !== body[key]) ? Object.fromEntries(entries) : body;
  }
  return body;
}

function collectionOf(model: Model): Collection | undefined {
  return (model.constructor as typeof Model).collection;
}

/** Whether the record, or one it carries through an association, may hold write-only values. */
function involvesWriteOnly(model: Model): boolean {
  if (writeOnlyEntry(collectionOf(model)?.name)) return true;
  const associations = (model.constructor as typeof Model).associations;
  for (const [key, value] of Object.entries(model.dataValues as Raw)) {
    if (!(key in associations)) continue;
    const items = Array.isArray(value) ? value : [value];
    if (items.some((item) => item instanceof Model && involvesWriteOnly(item))) return true;
  }
  return false;
}

/** A record's JSON with write-only values hidden, following its associations through their collections. */
function hideInJson(json: unknown, collection: Collection | undefined): unknown {
  if (!collection) return json;
  if (Array.isArray(json)) return json.map((item) => hideInJson(item, collection));
  if (!isObject(json)) return json;
  const entry = writeOnlyEntry(collection.name);
  // A record read without its type field (e.g. `fields=options`) is treated as this plugin's.
  const ours = entry && (json[entry.typeField] === undefined || json[entry.typeField] === entry.type);
  if (entry && ours && OPTIONS in json) json[OPTIONS] = hideSecrets(entry, json[OPTIONS]);
  const associations = collection.model.associations;
  for (const key of Object.keys(json)) {
    const association = associations[key];
    if (association) json[key] = hideInJson(json[key], collection.db.getCollection(association.target.name));
  }
  return json;
}

/** The collection behind `resource` or `resource.association`. */
function resourceCollection(db: Database, resourceName: string | undefined): Collection | undefined {
  if (!resourceName) return undefined;
  const [source, association] = resourceName.split('.');
  const collection = db.getCollection(source);
  if (!collection || !association) return collection;
  const target = collection.model.associations[association]?.target.name;
  return target ? db.getCollection(target) : undefined;
}

/** Whether a filter or export path (`source.options.corpSecret`) reaches a write-only value, or a whole `options` holding one. */
function readsSecret(db: Database, start: Collection, path: string): boolean {
  let collection: Collection | undefined = start;
  const segments = path.split('.');
  for (let i = 0; i < segments.length && collection; i++) {
    const association = collection.model.associations[segments[i]];
    if (association) {
      collection = db.getCollection(association.target.name);
      continue;
    }
    const entry = writeOnlyEntry(collection.name);
    if (!entry || segments[i] !== OPTIONS) return false;
    const rest = segments.slice(i + 1).join('.');
    return rest === '' || entry.paths.some((secret) => rest === secret || rest.startsWith(`${secret}.`) || secret.startsWith(`${rest}.`));
  }
  return false;
}

/** Every field path a NocoBase filter compares: `{ "a.b": { $like } }`, `{ a: { b: 1 } }`, `$and`, `$or`. */
function filterPaths(filter: unknown, prefix = '', out: string[] = []): string[] {
  if (Array.isArray(filter)) {
    for (const item of filter) filterPaths(item, prefix, out);
  } else if (isObject(filter)) {
    for (const [key, value] of Object.entries(filter)) {
      if (key.startsWith('$')) {
        if (prefix) out.push(prefix);
        filterPaths(value, prefix, out);
      } else filterPaths(value, prefix ? `${prefix}.${key}` : key, out);
    }
  } else if (prefix) out.push(prefix);
  return out;
}

/** The fields an export (plugin-action-export) writes: `columns: [{ dataIndex: ['source', 'options'] }]`. */
function columnPaths(columns: unknown): string[] {
  let list = columns;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (error) {
      if (error instanceof SyntaxError) return [];
      throw error;
    }
  }
  if (!Array.isArray(list)) return [];
  return list.flatMap((column) => {
    const index = isObject(column) ? column.dataIndex : column;
    if (Array.isArray(index)) return [index.join('.')];
    return typeof index === 'string' ? [index] : [];
  });
}

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

function getPath(object: Raw, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

function setPath(object: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let target = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(target[key])) target[key] = {};
    target = target[key] as Raw;
  }
  target[keys[keys.length - 1]] = value;
}

function deletePath(object: Raw, path: string): void {
  const keys = path.split('.');
  const owner = keys.length === 1 ? object : getPath(object, keys.slice(0, -1).join('.'));
  if (isObject(owner)) delete owner[keys[keys.length - 1]];
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
