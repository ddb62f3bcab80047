// The entry of dist/client-v2/callback.js: `/v/wecom/callback`, where WeCom sends a login started in the
// modern client back with `code` and `state` (the start URL's `client=v2`). The same steps as the v1
// page (../client/CallbackPage.tsx) over the same helpers; only the addresses are the modern client's.
import { type Application, useApp } from '@nocobase/client-v2';
import { Alert, Button, Space, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { AUTH_TYPE } from '../constants';
import { safeRedirectPath } from '../shared/redirect';
import { useT } from '../client/locale';
import { apiError, FAILED, isEnabledWeCom, mayRetry, startError, UNKNOWN_AUTHENTICATOR } from '../client/messages';
import { forgetPending, readPending, rememberError, rememberSignIn, writePending } from '../client/session';
import { forgetSignOut } from './signout';
import { beginLogin, defaultRedirect, hrefOf, startUrl } from './start';

type Query = { authenticator: string; code: string | null; state: string | null; error: string | null };
let taken: Query | undefined;

/**
 * Reads the callback query, then drops `code` and `state` from the address bar and the history. Once per
 * page load (WeCom's redirect is one): a first render that suspends (the translations loading) is thrown
 * away, and the next one must still see the code.
 */
function takeQuery(): Query {
  if (taken) return taken;
  const query = new URLSearchParams(window.location.search);
  const authenticator = query.get('authenticator') ?? '';
  const kept = authenticator && `?authenticator=${encodeURIComponent(authenticator)}`;
  // history.state belongs to the router: keep it, change only the URL.
  window.history.replaceState(window.history.state, '', window.location.pathname + kept);
  taken = { authenticator, code: query.get('code'), state: query.get('state'), error: query.get('error') };
  return taken;
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

type Outcome = { cancelled: true; message: string } | { cancelled?: false; message: string; retry: boolean };

export default function CallbackPage() {
  const t = useT();
  const app = useApp();
  const [query] = useState(takeQuery);
  // The login this tab started, if this callback is its end (not for a login from the workbench link).
  const [attempt] = useState(() => readPending(query.authenticator));
  const [outcome, setOutcome] = useState<Outcome>();
  const started = useRef(false);
  const { authenticator } = query;
  const redirect = attempt.redirect ?? defaultRedirect(app);

  useEffect(() => {
    // Once: a code is single use, and `t` changes when the translations arrive.
    if (started.current) return;
    started.current = true;
    forgetPending();
    const { code, state, error } = query;
    // Remembered for /v/signin: shown under the WeCom button, and automatic login stays off meanwhile.
    const end = (result: Outcome) => {
      if (authenticator) rememberError(authenticator, result.message, result.cancelled);
      setOutcome(result);
      // The WeCom client reported a member who could not be signed in: a session kept from before may be
      // another member's, so it does not outlive this attempt.
      if (/wxwork/i.test(navigator.userAgent) && app.apiClient.auth.token) endSession(app);
    };
    const failed = (message: string, retry: boolean) => end({ message, retry });
    if (!authenticator || error) {
      return failed(startError(error ?? 'WECOM_BAD_REQUEST', t), Boolean(authenticator) && error !== 'WECOM_BAD_REQUEST' && mayRetry(error ?? undefined));
    }
    if (!code) return end({ cancelled: true, message: t('WeCom sign-in was cancelled.') });

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
      .then(
        ({ data: { data: list } }) => {
          if (!isEnabledWeCom(list, authenticator, AUTH_TYPE)) return failed(t(UNKNOWN_AUTHENTICATOR), false);
          return signIn().then(
            ({ data: { data } }) => {
              rememberSignIn(authenticator);
              forgetSignOut();
              app.apiClient.auth.setAuthenticator(authenticator);
              app.apiClient.auth.setToken(data.token);
              // A full load, so that the page it returns to (a `/v/` page, /admin or /m) starts with the session.
              window.location.replace(hrefOf(app, safeRedirectPath(data.redirect) ?? defaultRedirect(app)));
            },
            (reason: unknown) => {
              const { code: reasonCode, message } = apiError(reason, t);
              // A silent login of a member not linked yet: start it again with WeCom's consent screen, once.
              if (reasonCode === 'WECOM_CONSENT_REQUIRED' && !attempt.consent) {
                return beginLogin(app, { authenticator, redirect, consent: true });
              }
              failed(message, mayRetry(reasonCode));
            },
          );
        },
        (reason: unknown) => failed(apiError(reason, t).message, true),
      )
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
