// The entry of dist/client-v2/notification-channel.js: the `wecom` channel's options in the `/v/` channel drawer
// (a plain antd Form; the drawer saves `options` one level deep over the saved ones).
import { useApp } from '@nocobase/client-v2';
import { Form, Select } from 'antd';
import { useEffect, useState } from 'react';
import { AUTH_TYPE } from '../../constants';
import { useT } from '../../client/locale';
import { chosen } from '../rules';

interface AuthenticatorRow {
  name: string;
  title?: string;
}

/** The WeCom authenticator whose app sends, and whose links name the recipients. */
export default function ChannelConfigForm() {
  const t = useT();
  const app = useApp();
  const [choices, setChoices] = useState<{ label: string; value: string }[]>();

  useEffect(() => {
    let mounted = true;
    const filter = encodeURIComponent(JSON.stringify({ authType: AUTH_TYPE, enabled: true }));
    app.apiClient
      .request<{ data: AuthenticatorRow[] }>({ url: `authenticators:list?paginate=false&filter=${filter}` })
      .then(({ data }) => mounted && setChoices(data.data.map((row) => ({ label: row.title || row.name, value: row.name }))))
      .catch(() => mounted && setChoices([]));
    return () => {
      mounted = false;
    };
  }, [app]);

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
