// The entry of dist/client/sync.js: the settings of a WeCom sync source (paths relative to the drawer's `options`).
import { SchemaComponent, useApp } from '@nocobase/client';
import type { GeneralField } from '@formily/core';
import type { ISchema } from '@formily/json-schema';
import { useForm } from '@formily/react';
import { Typography } from 'antd';
import { useMemo } from 'react';
import type { TFunction } from 'react-i18next';
import { hasSavedSecret } from '../../shared/secrets';
import { useT } from '../locale';
import { appApiBase } from '../../shared/app-path';

const field = (title: string, component: string, description?: string, extra?: ISchema): ISchema => ({
  type: 'string',
  title,
  description,
  'x-decorator': 'FormItem',
  'x-component': component,
  ...extra,
});

/** The server never sends a saved secret back: an empty field keeps it (docs/architecture.md, write-only secrets). */
const writeOnly = (t: TFunction, path: string) => (f: GeneralField) => {
  const values = f.form.values as { options?: unknown };
  const saved = hasSavedSecret(values.options, path);
  f.setComponentProps({ placeholder: saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined });
};

/** The URL to enter in WeCom's console (管理工具 → 通讯录同步 → 设置接收事件服务器). */
function CallbackUrl() {
  const t = useT();
  const form = useForm<{ name?: string }>();
  const app = useApp();
  const name = form.values.name;
  if (!name) return <Typography.Text type="secondary">{t('Give the source a name first.')}</Typography.Text>;
  // WeCom's request carries no X-App header: in a sub-app the URL itself names the app.
  const url = new URL(app.getApiUrl(`${appApiBase('', app.name)}wecom:contactsCallback?source=${encodeURIComponent(name)}`), window.location.href);
  return <Typography.Text copyable>{url.href}</Typography.Text>;
}

const schema = (t: TFunction): ISchema => ({
  type: 'object',
  properties: {
    authenticator: field(t('WeCom authenticator'), 'RemoteSelect', t('Its corp is synced, and members are linked to it for sign-in.'), {
      required: true,
      'x-component-props': {
        fieldNames: { label: 'title', value: 'name' },
        service: { resource: 'authenticators', action: 'list', params: { filter: { authType: 'WeCom' } } },
      },
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
    callbackUrl: field(t('Callback URL'), 'CallbackUrl', t("Enter it in WeCom's admin console with the Token and EncodingAESKey."), { type: 'void' }),
  },
});

export function SyncSourceForm() {
  const t = useT();
  const s = useMemo(() => schema(t), [t]);
  return <SchemaComponent schema={s} components={{ CallbackUrl }} />;
}
