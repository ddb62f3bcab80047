// POST /api/wecom:checkContacts { name?, options }: asks WeCom whether a `wecom` sync source's options, saved
// or not, can read the address book, and answers OK with what it may read, or the precise problem. Allowed
// to whoever may manage user data sync.
import { Context, Next } from '@nocobase/actions';
import { AUTH_TYPE, NAMESPACE } from '../../constants';
import { REMOVE_SECRETS, SAVED_SECRETS } from '../../shared/secrets';
import { localize, LoginError, reasonFromWecom } from '../common/errors';
import { parseOptions } from '../common/options';
import { servicesOf } from '../common/services';
import { SOURCE_TYPE } from './contacts-sync';
import { parseSyncOptions, renderSyncOptions, SYNC_SECRET_PATHS, SyncConfigError, SyncOptions } from './options';
import { HIDDEN_FROM_NEW_APPS } from '../../shared/wecom-fields';
import { checkFieldMap } from './field-map';
import { describeFailure } from './report';
import { CONTACTS_MAX_BODY_BYTES, ContactsCaller } from '../wecom/contacts';
import { ContactsProbe, ContactsProbeError, probeContacts, secretKind } from '../wecom/contacts-check';
import { WecomApiError } from '../wecom/errors';

type Raw = Record<string, unknown>;
type Who = 'app' | 'contacts';
type Translate = (key: string, options?: Record<string, unknown>) => string;

/** Which Secret a failed call used: the authenticator's app, or the contacts-sync Secret. */
const failedWith = new WeakMap<object, Who>();

const LABELS: Record<string, string> = { contactsSecret: 'Contacts-sync Secret', callbackToken: 'Callback Token', callbackEncodingAESKey: 'Callback EncodingAESKey' };

class CheckFailure extends Error {
  constructor(
    readonly field: string,
    readonly key: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(key);
  }
}

export async function checkContacts(ctx: Context, next: Next) {
  const { name, options } = (ctx.action.params.values ?? {}) as Raw;
  const services = servicesOf(ctx.app);
  const t: Translate = (key, params) => String(ctx.t(key, { ns: NAMESPACE, interpolation: { escapeValue: false }, ...params }));
  const raw: Raw = isObject(options) ? { ...options } : {};
  delete raw[SAVED_SECRETS];
  // Secrets the form is about to remove are checked as absent, not as the saved ones.
  const removed = Array.isArray(raw[REMOVE_SECRETS]) ? (raw[REMOVE_SECRETS] as unknown[]) : [];
  delete raw[REMOVE_SECRETS];
  try {
    // Secrets are write-only: the form cannot show the saved ones, so an empty field means "the saved one".
    if (typeof name === 'string' && name.trim() && ctx.db.getCollection('userDataSyncSources')) {
      const saved = await ctx.db.getRepository('userDataSyncSources').findOne({ filter: { name: name.trim(), sourceType: SOURCE_TYPE } });
      const savedOptions = (saved?.get('options') ?? {}) as Raw;
      for (const path of SYNC_SECRET_PATHS) if (isBlank(raw[path]) && !isBlank(savedOptions[path]) && !removed.includes(path)) raw[path] = savedOptions[path];
    }
    const variables = ctx.app.environment.getVariables();
    for (const path of SYNC_SECRET_PATHS) {
      const value = raw[path];
      if (typeof value !== 'string') continue;
      for (const match of value.matchAll(/\{\{\s*\$env\.([A-Za-z0-9_]+)\s*\}\}/g)) {
        if (!(match[1] in variables)) {
          throw new SyncConfigError(path, 'The value of {{field}} refers to the variable {{name}}, which is not defined.', { field: LABELS[path], name: match[1] });
        }
      }
    }
    const sync = parseSyncOptions(renderSyncOptions(ctx.app.environment, raw));
    // The mapping as a save would check it: a users field that does not exist (any more) is named here too.
    checkFieldMap(ctx.db, sync);

    const authenticator = await ctx.db.getRepository('authenticators').findOne({ filter: { name: sync.authenticator } });
    const authName = { name: sync.authenticator };
    if (!authenticator) throw new SyncConfigError('authenticator', 'There is no WeCom authenticator named "{{name}}".', authName);
    if (authenticator.get('authType') !== AUTH_TYPE) throw new CheckFailure('authenticator', 'The authenticator "{{name}}" is not a WeCom authenticator. Choose a WeCom authenticator.', authName);
    if (!authenticator.get('enabled')) throw new CheckFailure('authenticator', 'The authenticator "{{name}}" is disabled. Enable it under Settings → Authentication, or choose another.', authName);
    const auth = parseOptions(ctx.app.environment.renderJsonTemplate(authenticator.get('options') ?? {}));

    const limits = { maxBodyBytes: CONTACTS_MAX_BODY_BYTES };
    const appClient = services.newClient(auth, limits);
    await tagged('app', appClient.fetchFreshToken());
    const app = caller('app', appClient);
    const appKind = await secretKind(app, auth.agentId);
    if (appKind === 'other-app') throw new CheckFailure('authenticator', 'The AgentId is not valid for this Secret. Check the AgentId in the authenticator settings.');
    if (appKind === 'contacts') {
      throw new CheckFailure('authenticator', 'The Secret of the authenticator "{{name}}" is the contacts-sync Secret: it reads the address book but cannot sign members in or send messages. Enter the app\'s Secret there, and this one as the contacts-sync Secret.', authName);
    }
    let contacts: ContactsCaller | undefined;
    if (sync.contactsSecret) {
      const contactsClient = services.newClient({ corpId: auth.corpId, agentId: 'contacts', corpSecret: sync.contactsSecret }, limits);
      await tagged('contacts', contactsClient.fetchFreshToken());
      contacts = caller('contacts', contactsClient);
      if ((await secretKind(contacts, auth.agentId)) !== 'contacts') {
        throw new CheckFailure(
          'contactsSecret',
          'The contacts-sync Secret is an app\'s Secret, not the Secret of Contacts Sync (管理工具 → 通讯录同步). An app\'s Secret reads only what the app sees, and an app created after 2022-06-20 reads no mobile numbers or emails. Enter the Contacts Sync Secret, or leave the field empty.',
        );
      }
    }
    const probe = await probeContacts({ app, contacts });
    if (probe.members === 0) {
      throw new CheckFailure('contactsSecret', 'WeCom lets this source read no members. Check the app\'s visible range and the contacts-sync Secret.');
    }
    ctx.body = { ok: true, message: describeProbe(probe, t, sync.fieldMap) };
  } catch (error) {
    ctx.body = { ok: false, ...explain(error, t) };
    ctx.logger?.info?.('wecom contacts check failed', { code: ctx.body.code, field: ctx.body.field, detail: (error as Error)?.message });
  }
  await next();
}

function describeProbe(probe: ContactsProbe, t: Translate, fieldMap: SyncOptions['fieldMap']): string {
  const sentences = [t('WeCom lets this source read {{departments}} departments and {{members}} members.', { departments: probe.departments, members: probe.members })];
  if (probe.detailsBlocked) {
    sentences.push(t('The contacts-sync Secret reads only ids from this server\'s IP address {{ip}} (trusted after 2022-08-15, WeCom error 48009): the details are read with the app\'s Secret.', { ip: probe.detailsBlocked.ip ?? '?' }));
  }
  if (probe.recipe === 'A-contacts') sentences.push(t('They are read with the contacts-sync Secret, every field included.'));
  else if (probe.contactFieldsHidden) {
    sentences.push(t('WeCom gives the app (created after 2022-06-20) no mobile numbers or emails: members are matched to existing users only by their link to the authenticator.'));
  }
  // Mapped fields the Secret in use cannot read stay as they are in NocoBase (field-map.ts leaves them out).
  const hidden = probe.recipe !== 'A-contacts' && probe.contactFieldsHidden ? (fieldMap ?? []).filter((m) => (HIDDEN_FROM_NEW_APPS as readonly string[]).includes(m.from)) : [];
  if (hidden.length) {
    sentences.push(t('WeCom hides {{fields}} from this Secret: the mapped users fields {{targets}} will not be written. Only the contacts-sync Secret reads them.', { fields: [...new Set(hidden.map((m) => m.from))].join(', '), targets: hidden.map((m) => m.to).join(', ') }));
  }
  return sentences.join(/[。！？]$/.test(sentences[0]) ? '' : ' ');
}

function explain(error: unknown, t: Translate): { code: string; field?: string; message: string } {
  if (error instanceof CheckFailure) return { code: 'WECOM_CONFIG', field: error.field, message: t(error.key, error.params) };
  if (error instanceof SyncConfigError) return { code: 'WECOM_CONFIG', field: error.field, message: describeFailure(error, t) };
  if (error instanceof ContactsProbeError) {
    if (error.problem === 'app-cannot-read') {
      return {
        code: 'WECOM_CONFIG',
        field: 'contactsSecret',
        message: t('The app\'s Secret cannot read the address book: the app\'s visible range is not the whole company (WeCom error 60011). Enter the contacts-sync Secret, or make the whole company visible to the app.'),
      };
    }
    return {
      code: 'WECOM_CONFIG',
      field: 'contactsSecret',
      message: t('The contacts-sync Secret reads only ids from this server\'s IP address {{ip}} (trusted after 2022-08-15, WeCom error 48009), and the app\'s Secret cannot read the members either (its visible range is not the whole company). Make the whole company visible to the app.', { ip: error.ip ?? '?' }),
    };
  }
  if (error instanceof LoginError) {
    // The authenticator's options, or the shared cache: the sync form shows it at the authenticator.
    return { code: error.reason.code, field: error.reason.code === 'WECOM_CONFIG' ? 'authenticator' : undefined, message: localize(t, error.reason) };
  }
  if (error instanceof WecomApiError) {
    if (failedWith.get(error) === 'contacts' && error.failure === 'errcode') {
      if (error.errcode === 40001 || error.errcode === 40091) {
        return { code: 'WECOM_CONFIG', field: 'contactsSecret', message: t('The contacts-sync Secret is not valid for this Company ID. Copy it again from 管理工具 → 通讯录同步 in the WeCom admin console.') };
      }
      if (error.errcode === 60020) {
        return {
          code: 'WECOM_CONFIG',
          field: 'contactsSecret',
          message: t('This server\'s IP address {{ip}} is not a trusted IP of Contacts Sync. Add it under 管理工具 → 通讯录同步 in the WeCom admin console.', { ip: error.fromIp ?? '?' }),
        };
      }
    }
    const reason = reasonFromWecom(error);
    const field = reason.code === 'WECOM_CONFIG' ? (failedWith.get(error) === 'contacts' ? 'contactsSecret' : 'authenticator') : undefined;
    return { code: reason.code, field, message: localize(t, reason) };
  }
  throw error;
}

/** Remembers which Secret a failed WeCom call used, keeping the error as it is (the probe reads its errcode). */
async function tagged<T>(who: Who, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof WecomApiError && !failedWith.has(error)) failedWith.set(error, who);
    throw error;
  }
}

function caller(who: Who, client: ContactsCaller): ContactsCaller {
  return { call: (endpoint, method, init) => tagged(who, client.call(endpoint, method, init)) };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
