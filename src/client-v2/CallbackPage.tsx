// The entry of dist/client-v2/callback.js: `/v/wecom/callback`, where WeCom sends a login started in the
// modern client back with `code` and `state` (the start URL's `client=v2`). The steps are the v1 page's
// (../client/callback-flow.ts); only the addresses are the modern client's.
import { useApp } from '@nocobase/client-v2';
import { Alert, Button, Space, Spin } from 'antd';
import { useMemo } from 'react';
import { safeRedirectPath } from '../shared/redirect';
import { type CallbackClient, useCallbackFlow } from '../client/callback-flow';
import { useT } from '../client/locale';
import { writePending } from '../client/session';
import { forgetSignOut } from './signout';
import { beginLogin, defaultRedirect, hrefOf, startUrl } from './start';

export default function CallbackPage() {
  const t = useT();
  const app = useApp();
  const client = useMemo<CallbackClient>(
    () => ({
      request: (config) => app.apiClient.request(config),
      auth: app.apiClient.auth,
      beginLogin: (pending) => beginLogin(app, pending),
      landing: (redirect) => hrefOf(app, safeRedirectPath(redirect) ?? defaultRedirect(app)),
      signedIn: forgetSignOut,
    }),
    [app],
  );
  const { outcome, authenticator, redirect = defaultRedirect(app) } = useCallbackFlow(client);

  if (!outcome) {
    return (
      <Space direction="vertical" size="large" style={{ width: '100%', alignItems: 'center' }}>
        <Spin size="large" />
        {t('Signing in with WeCom…')}
      </Space>
    );
  }
  const retry = outcome.cancelled || outcome.retry;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      {outcome.cancelled ? (
        <Alert type="info" showIcon message={outcome.message} />
      ) : (
        <Alert type="error" showIcon message={t('WeCom sign-in failed')} description={outcome.message} />
      )}
      {retry && (
        // The same login again: same authenticator and return path. Silent in the WeCom client, which
        // brings the consent screen when the member needs it.
        <Button
          type="primary"
          block
          href={startUrl(app, authenticator, { redirect, silent: true })}
          onClick={() => writePending({ authenticator, redirect })}
        >
          {t('Try again')}
        </Button>
      )}
      <Button type={retry ? 'default' : 'primary'} block href={app.getHref(`signin?redirect=${encodeURIComponent(hrefOf(app, redirect))}`)}>
        {t('Back to sign-in')}
      </Button>
    </Space>
  );
}
