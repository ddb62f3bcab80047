// The entry of dist/client-v2/notification-channel.js: the `wecom` channel's options in the `/v/` channel drawer
// (a plain antd Form; the drawer saves `options` one level deep over the saved ones).
import { Form, Select } from 'antd';
import { useT } from '../../client-common/locale';
import { useWecomAuthenticatorChoices } from '../authenticator-choices';
import { chosen } from '../rules';

/** The WeCom authenticator whose app sends, and whose links name the recipients. */
export default function ChannelConfigForm() {
  const t = useT();
  const choices = useWecomAuthenticatorChoices(true);

  const label = t('WeCom authenticator');
  return (
    <Form.Item
      name={['options', 'authenticator']}
      label={label}
      extra={
        choices?.length === 0
          ? t('No enabled WeCom authenticator yet: add one under Authentication first.')
          : t('Messages are sent as the app of this authenticator, to the users who signed in with it.')
      }
      rules={[chosen(t, label)]}
    >
      <Select options={choices} loading={!choices} />
    </Form.Item>
  );
}
