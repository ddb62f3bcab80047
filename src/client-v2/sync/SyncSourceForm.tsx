// The entry of dist/client-v2/sync.js: a WeCom sync source's options in the `/v/` source drawer (a plain antd
// Form with `name`, `sourceType`, `enabled` and `options`). The drawer saves `options` one level deep over the
// saved ones, so an empty secret field keeps the saved secret (docs/architecture.md, write-only secrets).
import { useApp } from '@nocobase/client-v2';
import { Checkbox, Form, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { hasSavedSecret, SAVED_SECRETS } from '../../shared/secrets';
import { useT } from '../../client-common/locale';
import { CheckConfigView } from '../../client-common/settings/CheckConfigView';
import { SyncPreviewView } from '../../client-common/sync/SyncPreviewView';
import { CALLBACK_SECRET_PATHS, CHECK_CONTACTS_ACTION, contactsCallbackUrl, removesCallback } from '../../client-common/sync/contacts';
import { describeSchedule } from '../../shared/cron';
import { fieldMapProblem, FieldMapView, useUsersFields } from '../../client-common/sync/FieldMapView';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';
import { chosen } from '../rules';
import { RemoveCallback } from './RemoveCallback';

function Secret({ path, label, extra, saved }: { path: string; label: string; extra: string; saved: boolean }) {
  const t = useT();
  return (
    <Form.Item name={['options', path]} label={label} extra={extra}>
      <Input.Password
        autoComplete="new-password"
        placeholder={saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined}
      />
    </Form.Item>
  );
}

/** What the schedule field says, in words ("Every day at 02:00"). */
function SchedulePreview({ schedule }: { schedule: unknown }) {
  const t = useT();
  if (typeof schedule !== 'string' || !schedule.trim()) return <Typography.Text type="secondary">{t('Pulled only with the Sync button.')}</Typography.Text>;
  const text = describeSchedule(schedule, (key, options) => t(key, options));
  return text ? <Typography.Text>{text}</Typography.Text> : <Typography.Text type="danger">{t('Not a valid schedule.')}</Typography.Text>;
}

export default function SyncSourceForm() {
  const t = useT();
  const app = useApp();
  const form = Form.useFormInstance();
  const name = Form.useWatch('name', { form, preserve: true }) as string | undefined;
  const options = Form.useWatch('options', { form, preserve: true }) as Record<string, unknown> | undefined;
  // The name the source is saved under (the name field may be edited): with it, the check uses the saved
  // secrets of empty fields. Only a saved source lists saved secrets.
  const [savedName] = useState(() => {
    const read = form.getFieldValue(['options', SAVED_SECRETS]);
    return Array.isArray(read) && read.length ? (form.getFieldValue('name') as string | undefined) : undefined;
  });
  // A saved source (it has an id) may hold no secret: the preview names it as it was opened.
  const [openedAs] = useState(() => (form.getFieldValue('id') != null ? (form.getFieldValue('name') as string | undefined) : undefined));
  const choices = useWecomAuthenticatorChoices(false);
  const { fields } = useUsersFields((config) => app.apiClient.request(config));

  const removing = removesCallback(options);
  // A pair marked for removal is no longer "saved".
  const saved = (path: string) => hasSavedSecret(options, path) && !(removing && CALLBACK_SECRET_PATHS.includes(path));
  return (
    <>
      <Form.Item
        name={['options', 'authenticator']}
        label={t('WeCom authenticator')}
        extra={t('Its corp is synced, and members are linked to it for sign-in.')}
        rules={[chosen(t, t('WeCom authenticator'))]}
      >
        <Select options={choices} loading={!choices} />
      </Form.Item>
      <Secret
        path="contactsSecret"
        label={t('Contacts-sync Secret')}
        extra={t("Optional when the app's visible range is the whole corp. To keep it in NocoBase's Variables and secrets, enter {{example}}.", {
          example: '{{$env.WECOM_CONTACTS_SECRET}}',
        })}
        saved={saved('contactsSecret')}
      />
      <Secret
        path="callbackToken"
        label={t('Callback Token')}
        extra={t('For live updates: the Token of the event server set in WeCom.')}
        saved={saved('callbackToken')}
      />
      <Secret
        path="callbackEncodingAESKey"
        label={t('Callback EncodingAESKey')}
        extra={t('For live updates: the EncodingAESKey of the event server set in WeCom.')}
        saved={saved('callbackEncodingAESKey')}
      />
      <RemoveCallback options={options} />
      <Form.Item
        name={['options', 'departments']}
        label={t('Departments')}
        extra={t("WeCom department IDs whose subtrees this source syncs, separated by commas (like 2, 15). Empty: every department the Secret may read. Members outside them are not this source's.")}
      >
        <Input placeholder="2, 15" />
      </Form.Item>
      <Form.Item
        name={['options', 'schedule']}
        label={t('Schedule')}
        extra={t("When the source is pulled by itself: a cron expression (minute, hour, day of month, month, day of week) in the server's time zone, like 0 2 * * * for every day at 02:00. Empty: only with the Sync button.")}
      >
        <Input placeholder="0 2 * * *" />
      </Form.Item>
      <Form.Item>
        <SchedulePreview schedule={options?.schedule} />
      </Form.Item>
      <Form.Item
        name={['options', 'maxRemovals']}
        label={t('Maximum removals')}
        extra={t('The most users one pull may remove or unlink: a number (like 50) or a share of the members (like 10%, the default; never fewer than 5). A pull over it writes nothing and says so.')}
      >
        <Input placeholder="10%" />
      </Form.Item>
      <Form.Item
        name={['options', 'fieldMap']}
        label={t('More fields')}
        extra={t('WeCom member fields written into fields of users, which you may add in the collection manager. Name, mobile, email, departments and leaders are always synced. Mapped fields are only written, never used to tell who a member is.')}
        rules={[
          {
            validator: async (_rule, value) => {
              const problem = fieldMapProblem(value, fields, t);
              if (problem) throw new Error(problem);
            },
          },
        ]}
      >
        <FieldMapView fields={fields} contactsSecret={Boolean(options?.contactsSecret) || saved('contactsSecret')} />
      </Form.Item>
      <Form.Item
        name={['options', 'usernameFromUserid']}
        label={t('Username from userid')}
        extra={t("A user's username is its member's WeCom userid: set on users the sync creates, and on others only when they have none. Never a username another user has, never on a root user.")}
        valuePropName="checked"
      >
        <Checkbox />
      </Form.Item>
      <Form.Item label={t('Callback URL')} extra={t("Enter it in WeCom's admin console with the Token and EncodingAESKey.")}>
        {name ? (
          <Typography.Text copyable>{contactsCallbackUrl(app, name)}</Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('Give the source a name first.')}</Typography.Text>
        )}
      </Form.Item>
      <Form.Item>
        <CheckConfigView
          action={CHECK_CONTACTS_ACTION}
          request={(config) => app.apiClient.request(config)}
          values={{ name: savedName, options: form.getFieldValue('options') }}
        />
      </Form.Item>
      <Form.Item>
        <SyncPreviewView request={(config) => app.apiClient.request(config)} source={savedName ?? openedAs} />
      </Form.Item>
    </>
  );
}
