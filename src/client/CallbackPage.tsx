import { useApp } from '@nocobase/client';
import { Alert, Button, Space, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { DEFAULT_REDIRECT_PATH } from '../constants';
import { safeRedirectPath } from '../shared/redirect';
import { useT } from './locale';
import { apiError, FAILED, startError } from './messages';
import { clearAll, readPending, rememberError } from './session';
import { beginLogin } from './start';

/** Reads the callback query, then drops `code` and `state` from the address bar and the history. */
function takeQuery() {
  const query = new URLSearchParams(window.location.search);
  const authenticator = query.get('authenticator') ?? '';
  const kept = authenticator && `?authenticator=${encodeURIComponent(authenticator)}`;
  // history.state belongs to the router: keep it, change only the URL.
  window.history.replaceState(window.history.state, '', window.location.pathname + kept);
  return { authenticator, code: query.get('code'), state: query.get('state'), error: query.get('error') };
}

/** `<public path>wecom/callback`, where WeCom sends the browser back with `code` and `state`. */
export function CallbackPage() {
  const t = useT();
  const app = useApp();
  const [query] = useState(takeQuery);
  const [failure, setFailure] = useState<string>();
  const started = useRef(false);
  const { authenticator } = query;

  useEffect(() => {
    // Once: a code is single use, and `t` changes when the translations arrive.
    if (started.current) return;
    started.current = true;
    const { code, state, error } = query;
    const fail = (message: string) => {
      if (authenticator) rememberError(authenticator, message);
      setFailure(message);
    };
    if (!authenticator || error) return fail(startError(error ?? 'WECOM_BAD_REQUEST', t));
    if (!code) return fail(t('WeCom sign-in was cancelled.'));
    app.apiClient
      .request<{ data: { token: string; redirect?: string } }>({
        url: 'auth:signIn',
        method: 'post',
        headers: { 'X-Authenticator': authenticator },
        data: { code, state },
        skipNotify: true,
      })
      .then(
        ({ data: { data } }) => {
          clearAll();
          app.apiClient.auth.setAuthenticator(authenticator);
          app.apiClient.auth.setToken(data.token);
          // A full load, so that the desktop (/admin) and the mobile app (/m) start with the new session.
          window.location.replace(app.getHref(safeRedirectPath(data.redirect) ?? DEFAULT_REDIRECT_PATH));
        },
        (reason: unknown) => {
          const { code: reasonCode, message } = apiError(reason, t);
          const pending = readPending(authenticator);
          // A silent login of a member not linked yet: start again, once, with WeCom's consent screen.
          if (reasonCode !== 'WECOM_CONSENT_REQUIRED' || pending.consent) return fail(message);
          beginLogin(app, { authenticator, redirect: pending.redirect, consent: true });
        },
      )
      .catch((bug: unknown) => {
        fail(t(FAILED));
        throw bug;
      });
  }, [app, authenticator, query, t]);

  const { redirect } = readPending(authenticator);
  return (
    <Space direction="vertical" size="large" style={{ width: '100%', alignItems: failure ? 'stretch' : 'center' }}>
      {failure ? (
        <>
          <Alert type="error" showIcon message={t('WeCom sign-in failed')} description={failure} />
          <Button type="primary" block href={app.getHref(redirect ? `signin?redirect=${encodeURIComponent(redirect)}` : 'signin')}>
            {t('Try again')}
          </Button>
        </>
      ) : (
        <>
          <Spin size="large" />
          {t('Signing in with WeCom…')}
        </>
      )}
    </Space>
  );
}
