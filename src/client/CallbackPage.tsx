import { type Application, useApp } from '@nocobase/client';
import { Alert, Button, Space, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { AUTH_TYPE, DEFAULT_REDIRECT_PATH } from '../constants';
import { hrefInApp } from '../shared/app-path';
import { safeRedirectPath } from '../shared/redirect';
import { useT } from './locale';
import { apiError, FAILED, isEnabledWeCom, mayRetry, startError, UNKNOWN_AUTHENTICATOR } from './messages';
import { forgetPending, readPending, rememberError, rememberSignIn, writePending } from './session';
import { beginLogin, startUrl } from './start';

/** Reads the callback query, then drops `code` and `state` from the address bar and the history. */
function takeQuery() {
  const query = new URLSearchParams(window.location.search);
  const authenticator = query.get('authenticator') ?? '';
  const kept = authenticator && `?authenticator=${encodeURIComponent(authenticator)}`;
  // history.state belongs to the router: keep it, change only the URL.
  window.history.replaceState(window.history.state, '', window.location.pathname + kept);
  return { authenticator, code: query.get('code'), state: query.get('state'), error: query.get('error') };
}

/** Signs the session of this browser out (token and NocoBase's auth cookies), whatever answers. */
function endSession(app: Application): void {
  const forget = () => {
    app.apiClient.auth.setToken('');
    app.apiClient.auth.setAuthenticator('');
  };
  app.apiClient.request({ url: 'auth:signOut', method: 'post', skipNotify: true, skipAuth: true }).then(forget, (reason: unknown) => {
    forget();
    console.warn('auth-wecom: the previous session could not be signed out on the server', reason);
  });
}

/** Refusals that a made-up callback URL gets as well: no login of this browser was behind it. */
const FORGEABLE = new Set(['', 'WECOM_BAD_REQUEST', 'WECOM_STATE_INVALID']);

type Outcome = { cancelled: true; message: string } | { cancelled?: false; message: string; retry: boolean };

/** `<public path>wecom/callback`, where WeCom sends the browser back with `code` and `state`. */
export function CallbackPage() {
  const t = useT();
  const app = useApp();
  const [query] = useState(takeQuery);
  // The login this tab started, if this callback is its end (not for a login from the workbench link).
  const [attempt] = useState(() => readPending(query.authenticator));
  const [outcome, setOutcome] = useState<Outcome>();
  const started = useRef(false);
  const { authenticator } = query;
  const { redirect } = attempt;

  useEffect(() => {
    // Once: a code is single use, and `t` changes when the translations arrive.
    if (started.current) return;
    started.current = true;
    forgetPending();
    const { code, state, error } = query;
    // `someoneElse`: a login this browser started came back from WeCom without signing anyone in. In the
    // WeCom client a session kept from before may be another member's (the client switched accounts), so it
    // does not outlive that login. Not for a link anyone could forge (no valid state, no login of this tab).
    const end = (result: Outcome, someoneElse = false) => {
      if (authenticator) rememberError(authenticator, result.message, result.cancelled);
      setOutcome(result);
      if (someoneElse && /wxwork/i.test(navigator.userAgent) && app.apiClient.auth.token) endSession(app);
    };
    const failed = (message: string, retry: boolean, someoneElse = false) => end({ message, retry }, someoneElse);
    if (!authenticator || error) {
      const retry = Boolean(authenticator) && error !== 'WECOM_BAD_REQUEST' && mayRetry(error ?? undefined);
      return failed(startError(error ?? 'WECOM_BAD_REQUEST', t), retry);
    }
    if (!code) return end({ cancelled: true, message: t('WeCom sign-in was cancelled.') }, Boolean(attempt.authenticator));

    const signIn = () =>
      app.apiClient.request<{ data: { token: string; redirect?: string } }>({
        url: 'auth:signIn',
        method: 'post',
        headers: { 'X-Authenticator': authenticator },
        data: { code, state },
        skipNotify: true,
      });
    app.apiClient
      .request<{ data: unknown }>({ url: 'authenticators:publicList', method: 'post', skipNotify: true })
      .then(({ data: { data: list } }) => {
        if (!isEnabledWeCom(list, authenticator, AUTH_TYPE)) return failed(t(UNKNOWN_AUTHENTICATOR), false);
        return signIn().then(
          ({ data: { data } }) => {
            rememberSignIn(authenticator);
            app.apiClient.auth.setAuthenticator(authenticator);
            app.apiClient.auth.setToken(data.token);
            // A full load, so that the desktop (/admin) and the mobile app (/m) start with the new session.
            window.location.replace(hrefInApp(app.getHref('/'), safeRedirectPath(data.redirect) ?? DEFAULT_REDIRECT_PATH));
          },
          (reason: unknown) => {
            const { code: reasonCode, message } = apiError(reason, t);
            // A silent login of a member not linked yet: start it again with WeCom's consent screen, once.
            if (reasonCode === 'WECOM_CONSENT_REQUIRED' && !attempt.consent) {
              return beginLogin(app, { authenticator, redirect, consent: true });
            }
            failed(message, mayRetry(reasonCode), !FORGEABLE.has(reasonCode ?? ''));
          },
        );
      }, (reason: unknown) => failed(apiError(reason, t).message, true))
      .catch((bug: unknown) => {
        failed(t(FAILED), true);
        throw bug;
      });
  }, [app, attempt, authenticator, query, redirect, t]);

  if (!outcome) {
    return (
      <Space direction="vertical" size="large" style={{ width: '100%', alignItems: 'center' }}>
        <Spin size="large" />
        {t('Signing in with WeCom…')}
      </Space>
    );
  }
  const retry = outcome.cancelled || outcome.retry;
  const back = app.getHref(redirect ? `signin?redirect=${encodeURIComponent(redirect)}` : 'signin');
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
      <Button type={retry ? 'default' : 'primary'} block href={back}>
        {t('Back to sign-in')}
      </Button>
    </Space>
  );
}
