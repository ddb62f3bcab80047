// The entry of dist/client-v2/settings.js: the WeCom part of the `/v/` authenticator drawer, a plain antd
// Form. The drawer saves `{ ...saved options, ...these fields }` one level deep, so `options.public` is
// replaced whole: every key of it must be a field here (docs/architecture.md, saved options).
import { useApp } from '@nocobase/client-v2';
import { Checkbox, Form, Input } from 'antd';
import { DEFAULT_REDIRECT_PATH } from '../../constants';
import { hasSavedSecret } from '../../shared/secrets';
import { useT } from '../../client-common/locale';
import { callbackAesKeyValidator, callbackPairError, callbackTokenValidator, originValidator, redirectPathValidator } from '../../client-common/settings/validators';
import type { WeComFormOptions } from '../../client-common/settings/values';
import { CheckConfigView } from '../../client-common/settings/CheckConfigView';
import { SignInSecretWarningView } from '../../client-common/settings/SignInSecretWarningView';
import { required, rule } from '../rules';
import { AppCallbackUrl, Domains, HomepageLink } from './Generated';
import { RemoveCallback } from '../sync/RemoveCallback';
import { removesCallback } from '../../client-common/sync/contacts';

/** An optional write-only option: never read back, an empty field keeps the saved value. */
function WriteOnly(props: { path: 'callbackToken' | 'callbackEncodingAESKey'; label: string; extra: string; saved: boolean; validate: (value: unknown) => string }) {
  const t = useT();
  const form = Form.useFormInstance();
  const other = props.path === 'callbackToken' ? 'callbackEncodingAESKey' : 'callbackToken';
  // Token and EncodingAESKey go together (one entered, the other entered or saved).
  const pair = rule(() => callbackPairError(t, form.getFieldValue('options'), props.path));
  return (
    <Form.Item
      name={['options', props.path]}
      label={props.label}
      extra={props.extra}
      rules={[rule(props.validate), pair]}
      dependencies={[['options', other]]}
    >
      <Input.Password
        autoComplete="new-password"
        placeholder={props.saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined}
      />
    </Form.Item>
  );
}

export default function AdminSettingsForm() {
  const t = useT();
  const app = useApp();
  const form = Form.useFormInstance();
  const name = Form.useWatch('name', { form, preserve: true }) as string | undefined;
  const options = (Form.useWatch('options', { form, preserve: true }) ?? {}) as WeComFormOptions;
  const secretSaved = hasSavedSecret(options, 'corpSecret');
  return (
    <>
      <SignInSecretWarningView request={(config) => app.apiClient.request(config)} />
      <Form.Item
        name={['options', 'public', 'autoSignup']}
        label={t('Sign up automatically')}
        extra={t('When a phone number does not match an existing user, create a new user automatically')}
        valuePropName="checked"
        initialValue={false}
      >
        <Checkbox />
      </Form.Item>
      <Form.Item name={['options', 'corpId']} label={t('Company ID')} rules={[required(t, t('Company ID'))]}>
        <Input />
      </Form.Item>
      <Form.Item name={['options', 'agentId']} label={t('AgentId')} rules={[required(t, t('AgentId'))]}>
        <Input />
      </Form.Item>
      <Form.Item
        name={['options', 'corpSecret']}
        label={t('Secret')}
        extra={t("To keep it in NocoBase's Variables and secrets, enter {{example}}.", { example: '{{$env.WECOM_SECRET}}' })}
        rules={secretSaved ? [] : [required(t, t('Secret'))]}
      >
        <Input.Password
          autoComplete="new-password"
          placeholder={secretSaved ? t('A Secret is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined}
        />
      </Form.Item>
      <Form.Item
        name={['options', 'origin']}
        label={t('Origin')}
        extra={t('Like https://nocobase.example.com, without a path.')}
        initialValue={window.location.origin}
        rules={[required(t, t('Origin')), rule(originValidator(t))]}
      >
        <Input />
      </Form.Item>
      <Form.Item
        name={['options', 'redirectPath']}
        label={t('Workbench redirect link')}
        extra={t('A path on this site, like /admin or /m.')}
        initialValue={DEFAULT_REDIRECT_PATH}
        rules={[rule(redirectPathValidator(t))]}
      >
        <Input />
      </Form.Item>
      <Form.Item
        name={['options', 'public', 'autoLogin']}
        label={t('Automatic login')}
        extra={t('In the WeCom client, sign in without a click. Only one WeCom authenticator may have it.')}
        valuePropName="checked"
        initialValue={false}
      >
        <Checkbox />
      </Form.Item>
      <Form.Item name={['options', 'public', 'tooltip']} label={t('Button tooltip')}
        extra={t('Shown when the pointer rests on the WeCom button of the sign-in page. Localized like the title.')}
      >
        <Input />
      </Form.Item>
      <Form.Item label={t('Workbench homepage link')} extra={t("The app's homepage in the WeCom admin console.")}>
        <HomepageLink app={app} name={name} options={options} />
      </Form.Item>
      <Form.Item
        label={t('Domains to register in WeCom')}
        extra={t("The app's trusted domain, and the authorized callback domain of WeCom login.")}
      >
        <Domains options={options} />
      </Form.Item>
      <WriteOnly
        path="callbackToken"
        label={t('Callback Token')}
        extra={t("For WeCom cards: the Token of the app's API receive-messages setting in WeCom.")}
        saved={hasSavedSecret(options, 'callbackToken') && !removesCallback(options)}
        validate={callbackTokenValidator(t)}
      />
      <WriteOnly
        path="callbackEncodingAESKey"
        label={t('Callback EncodingAESKey')}
        extra={t("For WeCom cards: the EncodingAESKey of the app's API receive-messages setting in WeCom.")}
        saved={hasSavedSecret(options, 'callbackEncodingAESKey') && !removesCallback(options)}
        validate={callbackAesKeyValidator(t)}
      />
      <RemoveCallback options={options} />
      <Form.Item
        label={t('Receive-messages URL')}
        extra={t("Enter it in WeCom's admin console (the app, Receive messages, Set API receiving) with the Token and EncodingAESKey.")}
      >
        <AppCallbackUrl app={app} name={name} options={options} />
      </Form.Item>
      <Form.Item>
        <CheckConfigView
          request={(config) => app.apiClient.request(config)}
          values={{ name: form.getFieldValue('name') as string, options: form.getFieldValue('options') as WeComFormOptions }}
        />
      </Form.Item>
    </>
  );
}
