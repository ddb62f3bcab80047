// NocoBase's request log writes each action's values into its response line and hides only password
// fields. The write-only secrets an admin saves or checks (./secrets.ts) are masked there once the action
// is done.
import { Context, Next } from '@nocobase/actions';
import { RESOURCE } from '../../constants';
import { writeOnlyEntry, WriteOnlyOptions } from './secrets';

const MASK = '[redacted]';
/** The check actions take the options of these collections. */
const CHECKS: Record<string, string | undefined> = { checkConfig: 'authenticators', checkContacts: 'userDataSyncSources' };
type Raw = Record<string, unknown>;

export async function redactSecretsInLog(ctx: Context, next: Next) {
  const { resourceName, actionName } = ctx.action;
  const checked = resourceName === RESOURCE && Object.hasOwn(CHECKS, actionName) ? CHECKS[actionName] : undefined;
  const entry = writeOnlyEntry(checked ?? resourceName);
  if (!entry) return next();
  try {
    await next();
  } finally {
    const values = ctx.action.params.values as unknown;
    ctx.action.params.values = Array.isArray(values) ? values.map((item) => masked(entry, item)) : masked(entry, values);
  }
}

/** A copy of `values` with the write-only options masked; values of another type are left alone. */
function masked(entry: WriteOnlyOptions, values: unknown): unknown {
  if (!isObject(values) || !isObject(values.options)) return values;
  const type = values[entry.typeField];
  if (type !== undefined && type !== entry.type) return values;
  const options = structuredClone(values.options);
  for (const path of entry.paths) {
    const keys = path.split('.');
    let owner: unknown = options;
    for (const key of keys.slice(0, -1)) owner = isObject(owner) ? owner[key] : undefined;
    const last = keys[keys.length - 1];
    if (isObject(owner) && owner[last] !== undefined && owner[last] !== null && owner[last] !== '') owner[last] = MASK;
  }
  return { ...values, options };
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
