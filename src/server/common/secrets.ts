// Write-only secrets: an admin sets or replaces them, nothing reads them back through the API
// (docs/architecture.md, "Write-only secrets"). The stored record keeps them; only what leaves the server
// through an action is hidden.
import { Context, Next } from '@nocobase/actions';
import type { Collection, Database } from '@nocobase/database';
import { Model } from '@nocobase/database';
import { NAMESPACE } from '../../constants';
import { isEnvReference, REMOVE_SECRETS, SAVED_SECRETS } from '../../shared/secrets';

type Raw = Record<string, unknown>;

export interface WriteOnlyOptions {
  collection: string;
  /** The field holding the record's type: only records of `type` are this plugin's. */
  typeField: string;
  type: string;
  /** Dot paths inside the record's `options`. */
  paths: readonly string[];
}

/** Every secret this plugin stores: each feature declares its own (`Feature.secrets`), the plugin registers them. */
const WRITE_ONLY: WriteOnlyOptions[] = [];

/**
 * One collection's write-only paths. Several features may keep secrets in the same records (sign-in's Secret
 * and the app callback's Token in an authenticator): their paths add up. Registering again is harmless (every
 * app of a process loads the same features).
 */
export function registerWriteOnly(entry: WriteOnlyOptions): void {
  const at = WRITE_ONLY.findIndex((e) => e.collection === entry.collection);
  if (at < 0) WRITE_ONLY.push({ ...entry, paths: [...entry.paths] });
  else if (WRITE_ONLY[at].typeField !== entry.typeField || WRITE_ONLY[at].type !== entry.type) WRITE_ONLY[at] = entry;
  else WRITE_ONLY[at] = { ...WRITE_ONLY[at], paths: [...new Set([...WRITE_ONLY[at].paths, ...entry.paths])] };
}

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
 * `removeSecrets: ['callbackToken', ...]` clears those paths instead (never stored itself); a new value
 * sent for a path wins over its removal.
 */
export function keepSecrets(entry: WriteOnlyOptions, next: unknown, previous: unknown): unknown {
  if (!isObject(next)) return next;
  const kept = structuredClone(next);
  const removed = Array.isArray(kept[REMOVE_SECRETS]) ? (kept[REMOVE_SECRETS] as unknown[]) : [];
  delete kept[SAVED_SECRETS];
  delete kept[REMOVE_SECRETS];
  const stored = isObject(previous) ? previous : {};
  for (const path of entry.paths) {
    const before = getPath(stored, path);
    if (!isEmpty(getPath(kept, path))) continue;
    if (removed.includes(path)) deletePath(kept, path);
    else if (!isEmpty(before)) setPath(kept, path, before);
  }
  return kept;
}

/** Keeps secrets on every write, whatever the path (API, `filter` update, array create, server code). */
export function keepSecretsOnSave(db: Database) {
  for (const entry of WRITE_ONLY) {
    db.on(`${entry.collection}.beforeSave`, (model: Model) => {
      // A record of this plugin's type turned into another type: nothing would hide its secrets any more (answers
      // hide them only on records of this type), so they go with the change.
      const was = model.isNewRecord ? undefined : model.previous(entry.typeField);
      if (was === entry.type && model.get(entry.typeField) !== entry.type) {
        const options = parsed(model.get(OPTIONS));
        if (isObject(options)) {
          const stripped = structuredClone(options);
          for (const path of entry.paths) deletePath(stripped, path);
          delete stripped[SAVED_SECRETS];
          delete stripped[REMOVE_SECRETS];
          model.set(OPTIONS, stripped);
        }
        return;
      }
      if (model.get(entry.typeField) !== entry.type || !model.changed(OPTIONS)) return;
      const previous = model.isNewRecord ? undefined : parsed(model.previous(OPTIONS));
      model.set(OPTIONS, keepSecrets(entry, model.get(OPTIONS), previous));
    });
  }
}

const REFUSED = 'Saved secrets cannot be used to filter or export records.';

/** A read that would compare, sort, group or select a write-only value (thrown at the request or by the database guard). */
export class SecretReadRefused extends Error {
  status = 400;
  logLevel = 'info';
  constructor() {
    super(REFUSED);
  }
}

/**
 * Resource middleware on every action of every resource: refuses a request whose filter, sort, query
 * selection (`measures`, `dimensions`, `orders`), export columns or `filterKeys` reach a write-only value,
 * and hides write-only values in every record an action answers with (the record itself, one appended to
 * another, or a plain row of a write-only collection). Raw reads that select a write-only value are refused
 * by the database guard (`refuseRawSecretReads`), whichever action or plugin runs them.
 */
export async function hideSecretsInResponses(ctx: Context, next: Next) {
  const refuse = () => ctx.throw(400, ctx.t(REFUSED, { ns: NAMESPACE }));
  const collection = resourceCollection(ctx.db, ctx.action.resourceName);
  const values = ctx.action.params.values;
  // A body naming the collection it reads (`charts:queryData`: `{ collection, measures, dimensions, ... }`).
  const named = isObject(values) && typeof values.collection === 'string' ? ctx.db.getCollection(values.collection) : undefined;
  const read = requestedPaths(ctx.action.params);
  for (const target of [collection, named]) {
    if (target && read.some((path) => readsSecret(ctx.db, target, path))) refuse();
  }
  try {
    await next();
  } catch (error) {
    // charts:queryData rethrows every error as a 500 (`ctx.throw(500, err)`): the refusal is still this one.
    if (error instanceof SecretReadRefused) refuse();
    throw error;
  }
  // Assigned only when something was hidden: Koa turns an assigned empty body into a 204.
  const hidden = hideInBody(ctx.body, 0, collection);
  if (hidden !== ctx.body) ctx.body = hidden;
}

/** Every field path a request names to compare, sort, group, select in a raw query, or export. */
function requestedPaths(params: Raw): string[] {
  const values = isObject(params.values) ? params.values : {};
  return [
    ...filterPaths(params.filter),
    ...filterPaths(values.filter),
    ...sortPaths(params.sort),
    ...sortPaths(values.sort),
    // `query` (and charts:queryData): `{ field: 'name' | ['source', 'options'], aggregation?, alias? }`
    ...selectionPaths(values.measures),
    ...selectionPaths(values.dimensions),
    ...selectionPaths(values.orders),
    ...columnPaths(values.columns ?? params.columns),
    // firstOrCreate / updateOrCreate look a record up by these fields' values.
    ...listPaths(params.filterKeys),
  ];
}

/**
 * `body` itself when it holds nothing to hide, else a copy where every such record is plain JSON. `collection`
 * is the resource's: a plain object carrying `options` in its answer is one of its rows.
 */
function hideInBody(body: unknown, depth: number, collection: Collection | undefined): unknown {
  if (body instanceof Model) return involvesWriteOnly(body) ? hideInJson(body.toJSON(), collectionOf(body)) : body;
  if (depth > 2) return body;
  if (Array.isArray(body)) {
    const items = body.map((item) => hideInBody(item, depth + 1, collection));
    return items.some((item, i) => item !== body[i]) ? items : body;
  }
  if (isObject(body) && Object.getPrototypeOf(body) === Object.prototype) {
    if (OPTIONS in body && writeOnlyEntry(collection?.name)) return hideInJson({ ...body, [OPTIONS]: parsed(body[OPTIONS]) }, collection);
    // `{ rows, count, ... }` of a paginated list
    const entries = Object.entries(body).map(([key, value]) => [key, hideInBody(value, depth + 1, collection)] as const);
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

/**
 * Refuses a raw read (`raw: true`: the `query` action and charts build SQL aggregates, not models, so nothing
 * is left to hide in their rows) that selects, groups or sorts by the `options` of a write-only collection,
 * of the model read or of an association it includes. One guard for every action and plugin that runs such
 * a read through the repository (`repository.query`). Column references are `sequelize.col('authenticators.options')`
 * or `'source.options'`, or attribute names.
 */
export function refuseRawSecretReads(db: Database) {
  db.sequelize.addHook('beforeFind', function (this: typeof Model, options: Raw) {
    if (!options.raw) return;
    const root = this;
    const reaches = (reference: string) => {
      const segments = reference.split('.');
      let model = root;
      for (const segment of segments.slice(0, -1)) {
        if (segment === model.name || segment === model.getTableName?.()) continue;
        const association = model.associations[segment];
        if (!association) return false;
        model = association.target as typeof Model;
      }
      return writeOnlyEntry(model.name) !== undefined && columnOf(model, OPTIONS) === segments[segments.length - 1];
    };
    const visit = (node: unknown, depth: number): void => {
      if (depth > 8 || node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((item) => visit(item, depth + 1));
      const kind = (node as object).constructor?.name;
      const sql = node as Raw;
      if (kind === 'Col') {
        const col = sql.col;
        for (const reference of Array.isArray(col) ? col : [col]) {
          if (typeof reference === 'string' && reaches(reference)) throw new SecretReadRefused();
        }
      } else if (kind === 'Fn') visit(sql.args, depth + 1);
      else if (kind === 'Cast') visit(sql.val, depth + 1);
      else if (kind === 'Where') {
        visit(sql.attribute, depth + 1);
        visit(sql.logic, depth + 1);
      }
    };
    const attributes = options.attributes;
    const listed = Array.isArray(attributes) ? attributes : isObject(attributes) && Array.isArray(attributes.include) ? attributes.include : [];
    for (const attribute of listed) {
      const name = Array.isArray(attribute) ? attribute[0] : attribute;
      if (typeof name === 'string' && reaches(`${root.name}.${name}`)) throw new SecretReadRefused();
      visit(attribute, 0);
    }
    visit(options.group, 0);
    visit(options.order, 0);
  });
}

function columnOf(model: typeof Model, attribute: string): string | undefined {
  const raw = (model.getAttributes() as Record<string, { field?: string }>)[attribute];
  return raw ? (raw.field ?? attribute) : undefined;
}

/** Sort fields: `'-options'`, `'name,-id'`, `['-createdAt']`. */
function sortPaths(sort: unknown): string[] {
  const list = typeof sort === 'string' ? sort.split(',') : Array.isArray(sort) ? sort : [];
  return list.filter((item): item is string => typeof item === 'string').map((item) => item.trim().replace(/^[-+]/, ''));
}

/** A raw query's measures, dimensions or orders: `[{ field: 'options' }, { field: ['source', 'options'] }]`. */
function selectionPaths(selection: unknown): string[] {
  if (!Array.isArray(selection)) return [];
  return selection.flatMap((item) => {
    const field = isObject(item) ? item.field : item;
    if (Array.isArray(field)) return [field.join('.')];
    return typeof field === 'string' ? [field] : [];
  });
}

function listPaths(list: unknown): string[] {
  if (typeof list === 'string') return [list];
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
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
