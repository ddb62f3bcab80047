import { useApp } from '@nocobase/client';
import { observer, useForm } from '@formily/react';
import { Space, Typography } from 'antd';
import { DEFAULT_REDIRECT_PATH } from '../../constants';
import { safeRedirectPath } from '../../shared/redirect';
import { useT } from '../locale';
import { authorizeAction } from '../start';
import { parseOrigin } from './validators';
import type { DrawerValues } from './values';

function Copyable({ text }: { text: string }) {
  return (
    <Typography.Text code copyable={{ text }} style={{ wordBreak: 'break-all' }}>
      {text}
    </Typography.Text>
  );
}

function useDrawer() {
  const { name, options = {} } = useForm<DrawerValues>().values;
  return { name, options, origin: parseOrigin(options.origin) };
}

/** What to enter as the app's homepage in the WeCom admin console. */
export const HomepageLink = observer(() => {
  const t = useT();
  const app = useApp();
  const { name, options, origin } = useDrawer();
  if (!origin || !name) return <Typography.Text type="secondary">{t('Fill in Origin first.')}</Typography.Text>;
  const redirect = safeRedirectPath(options.redirectPath) ?? DEFAULT_REDIRECT_PATH;
  const apiBase = new URL(app.getApiUrl()).pathname;
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      <Copyable text={`${origin}${apiBase}${authorizeAction(name, { redirect, silent: true })}`} />
      {options.public?.autoLogin && (
        <>
          <Typography.Text type="secondary">
            {t('With automatic login, the plain address works too (/admin for desktop, /m for mobile):')}
          </Typography.Text>
          <Copyable text={`${origin}${app.getHref(redirect)}`} />
        </>
      )}
    </Space>
  );
});

/** host[:port] of Origin: the trusted domain and the authorized callback domain of the WeCom app. */
export const Domains = observer(() => {
  const t = useT();
  const { origin } = useDrawer();
  if (!origin) return <Typography.Text type="secondary">{t('Fill in Origin first.')}</Typography.Text>;
  return <Copyable text={new URL(origin).host} />;
});
