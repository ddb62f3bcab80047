// The entry of dist/client/sync.js: the settings of a WeCom sync source (paths relative to the drawer's `options`).
import { SchemaComponent, useAPIClient, useApp, useCollectionRecordData } from '@nocobase/client';
import type { GeneralField } from '@formily/core';
import type { ISchema } from '@formily/json-schema';
import { observer, useForm } from '@formily/react';
import { Spin, Typography } from 'antd';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { CALLBACK_SECRET_PATHS, CHECK_CONTACTS_ACTION, contactsCallbackUrl, removesCallback } from '../../client-common/sync/contacts';
import { RemoveCallback } from './RemoveCallback';
import type { Choice } from '../../shared/authenticator-choice';
import { hasSavedSecret } from '../../shared/secrets';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';
import { useT } from '../../client-common/locale';
import { ObservedCheckConfigView } from '../settings/CheckConfig';
import { SyncPreviewView } from '../../client-common/sync/SyncPreviewView';
import { field } from '../settings/field';
import { describeSchedule } from '../../shared/cron';
import { fieldMapProblem, FieldMapView, useUsersFields } from '../../client-common/sync/FieldMapView';

/** The server never sends a saved secret back: an empty field keeps it (docs/architecture.md, write-only secrets). */
const writeOnly = (t: TFunction, path: string) => (f: GeneralField) => {
  const values = f.form.values as { options?: unknown };
  // A pair marked for removal is no longer "saved".
  const saved = hasSavedSecret(values.options, path) && !(CALLBACK_SECRET_PATHS.includes(path) && removesCallback(values.options));
  f.setComponentProps({ placeholder: saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined });
};

/** What the schedule field says, in words ("Every day at 02:00"); an observer, as the field is typed. */
const SchedulePreview = observer(function SchedulePreview() {
  const t = useT();
  const form = useForm<{ options?: { schedule?: string } }>();
  const schedule = form.values.options?.schedule;
  if (!schedule || !String(schedule).trim()) return <Typography.Text type="secondary">{t('Pulled only with the Sync button.')}</Typography.Text>;
  const text = describeSchedule(schedule, (key, options) => t(key, options));
  return text ? <Typography.Text>{text}</Typography.Text> : <Typography.Text type="danger">{t('Not a valid schedule.')}</Typography.Text>;
});

/** The URL to enter in WeCom's console (管理工具 → 通讯录同步 → 设置接收事件服务器). */
// An observer: it follows the name field as it is typed.
const CallbackUrl = observer(function CallbackUrl() {
  const t = useT();
  const form = useForm<{ name?: string }>();
  const app = useApp();
  const name = form.values.name;
  if (!name) return <Typography.Text type="secondary">{t('Give the source a name first.')}</Typography.Text>;
  return <Typography.Text copyable>{contactsCallbackUrl(app, name)}</Typography.Text>;
});

/**
 * "Check configuration": the form's options, and the name the source is saved under (not the name field,
 * which may be edited), so that an empty write-only field means the saved value. A new source has none.
 */
function CheckContacts() {
  const api = useAPIClient();
  const form = useForm<{ id?: unknown; options?: unknown }>();
  const record = useCollectionRecordData<{ name?: string }>();
  return (
    <ObservedCheckConfigView
      action={CHECK_CONTACTS_ACTION}
      request={(config) => api.request(config)}
      values={{ name: form.values.id != null ? record?.name : undefined, options: form.values.options }}
    />
  );
}

/** "Preview": what Sync would do with the saved source (none before it is saved). */
const PreviewSync = observer(function PreviewSync() {
  const api = useAPIClient();
  const form = useForm<{ id?: unknown }>();
  const record = useCollectionRecordData<{ name?: string }>();
  return <SyncPreviewView request={(config) => api.request(config)} source={form.values.id != null ? record?.name : undefined} />;
});

/** The mapping table (value/onChange from its formily field); the restriction notice follows the Secret fields. */
const FieldMap = observer(function FieldMap(props: { value?: { from?: string; to?: string }[]; onChange?: (rows: { from?: string; to?: string }[]) => void }) {
  const api = useAPIClient();
  const form = useForm<{ options?: Record<string, unknown> }>();
  const { fields } = useUsersFields((config) => api.request(config));
  const options = form.values.options;
  const contactsSecret = Boolean(options?.contactsSecret) || hasSavedSecret(options, 'contactsSecret');
  return <FieldMapView value={props.value} onChange={props.onChange} fields={fields} contactsSecret={contactsSecret} />;
});

const schema = (t: TFunction, choices: Choice[]): ISchema => ({
  type: 'object',
  properties: {
    authenticator: field(t('WeCom authenticator'), 'Select', t('Its corp is synced, and members are linked to it for sign-in.'), {
      required: true,
      enum: choices,
    }),
    contactsSecret: field(
      t('Contacts-sync Secret'),
      'Password',
      t("Optional when the app's visible range is the whole corp. To keep it in NocoBase's Variables and secrets, enter {{example}}.", {
        example: '{{$env.WECOM_CONTACTS_SECRET}}',
      }),
      { 'x-reactions': writeOnly(t, 'contactsSecret') },
    ),
    callbackToken: field(t('Callback Token'), 'Password', t('For live updates: the Token of the event server set in WeCom.'), {
      'x-reactions': writeOnly(t, 'callbackToken'),
    }),
    callbackEncodingAESKey: field(t('Callback EncodingAESKey'), 'Password', t('For live updates: the EncodingAESKey of the event server set in WeCom.'), {
      'x-reactions': writeOnly(t, 'callbackEncodingAESKey'),
    }),
    removeCallback: { type: 'void', 'x-component': 'RemoveCallback' },
    departments: field(
      t('Departments'),
      'Input',
      t("WeCom department IDs whose subtrees this source syncs, separated by commas (like 2, 15). Empty: every department the Secret may read. Members outside them are not this source's."),
      { 'x-component-props': { placeholder: '2, 15' } },
    ),
    schedule: field(
      t('Schedule'),
      'Input',
      t("When the source is pulled by itself: a cron expression (minute, hour, day of month, month, day of week) in the server's time zone, like 0 2 * * * for every day at 02:00. Empty: only with the Sync button."),
      { 'x-component-props': { placeholder: '0 2 * * *' } },
    ),
    schedulePreview: { type: 'void', 'x-component': 'SchedulePreview' },
    maxRemovals: field(
      t('Maximum removals'),
      'Input',
      t('The most users one pull may remove or unlink: a number (like 50) or a share of the members (like 10%, the default; never fewer than 5). A pull over it writes nothing and says so.'),
      { 'x-component-props': { placeholder: '10%' } },
    ),
    fieldMap: field(
      t('More fields'),
      'FieldMap',
      t('WeCom member fields written into fields of users, which you may add in the collection manager. Name, mobile, email, departments and leaders are always synced. Mapped fields are only written, never used to tell who a member is.'),
      // A plain field, not formily's array (which would save an empty list into every source the form touches).
      { 'x-validator': (value: unknown) => fieldMapProblem(value, undefined, t) ?? '' },
    ),
    usernameFromUserid: field(
      t('Username from userid'),
      'Checkbox',
      t("A user's username is its member's WeCom userid: set on users the sync creates, and on others only when they have none. Never a username another user has, never on a root user."),
      // No default: a source saved without touching it keeps its options as they were.
      { type: 'boolean' },
    ),
    callbackUrl: field(t('Callback URL'), 'CallbackUrl', t("Enter it in WeCom's admin console with the Token and EncodingAESKey."), { type: 'void' }),
    check: { type: 'void', 'x-component': 'CheckContacts' },
    preview: { type: 'void', 'x-component': 'PreviewSync' },
  },
});

export function SyncSourceForm() {
  const choices = useWecomAuthenticatorChoices(false);
  // NocoBase's SchemaComponent reads its schema once: it is rendered when the choices are known.
  return choices ? <Fields choices={choices} /> : <Spin />;
}

function Fields({ choices }: { choices: Choice[] }) {
  const t = useT();
  const s = useMemo(() => schema(t, choices), [t, choices]);
  return <SchemaComponent schema={s} components={{ CallbackUrl, CheckContacts, FieldMap, PreviewSync, RemoveCallback, SchedulePreview }} />;
}
