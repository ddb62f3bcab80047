// The entry of dist/client-v2/robot-channel.js: a `wecom-robot` channel's options in the `/v/` channel drawer (a
// plain antd Form; the drawer saves `options` one level deep over the saved ones): the robot's webhook key
// (write-only), an optional authenticator for mentions, and "Send a test message".
import { useApp } from '@nocobase/client-v2';
import { Form, Input, Select } from 'antd';
import { useT } from '../../client-common/locale';
import { TestRobotView } from '../../client-common/notification/TestRobotView';
import { hasSavedSecret } from '../../shared/secrets';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';

export default function RobotChannelConfigForm() {
  const t = useT();
  const app = useApp();
  const form = Form.useFormInstance();
  const options = Form.useWatch('options', { form, preserve: true }) as Record<string, unknown> | undefined;
  const choices = useWecomAuthenticatorChoices(true);
  const saved = hasSavedSecret(options, 'webhookKey');
  const values = () => ({ webhookKey: form.getFieldValue(['options', 'webhookKey']), channel: form.getFieldValue('name'), title: form.getFieldValue('title') });
  return (
    <>
      <Form.Item
        name={['options', 'webhookKey']}
        label={t('Webhook key')}
        extra={t("Paste the robot's webhook address (or its key), as copied from the group's robot. It is never shown again once saved.")}
        rules={saved ? [] : [{ required: true, message: t('Please enter {{field}}.', { field: t('Webhook key') }) }]}
      >
        <Input.Password autoComplete="new-password" placeholder={saved ? t('A value is saved. Leave this empty to keep it, or enter a new one to replace it.') : undefined} />
      </Form.Item>
      <Form.Item
        name={['options', 'authenticator']}
        label={t('WeCom authenticator (for mentions)')}
        extra={t('Optional. Receivers who signed in with it are mentioned by their WeCom account; the others by their mobile number. Links to pages of this app open signed in through it.')}
      >
        <Select options={choices} loading={!choices} allowClear />
      </Form.Item>
      <TestRobotView request={(config) => app.apiClient.request(config)} values={values} />
    </>
  );
}
