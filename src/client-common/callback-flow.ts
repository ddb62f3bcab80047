// The steps of the callback page (docs/architecture.md, "Callback route"), for both clients: the v1 page
// (../client/CallbackPage.tsx) and the modern client's (../client-v2/CallbackPage.tsx) differ only in their
// addresses, which they pass in as a CallbackClient.
import { useEffect, useRef, useState } from 'react';
import type { RequestConfig } from './request';
import { AUTH_TYPE } from '../constants';
import { useT } from './locale';
import { apiError, FAILED, isEnabledWeCom, mayRetry, startError, UNKNOWN_AUTHENTICATOR } from './messages';
import { forgetPending, type Pending, readPending, rememberError, rememberSignIn } from './session';

export interface CallbackClient {
  request<T>(config: RequestConfig): Promise<{ data: T }>;
  auth: { readonly token: string; setToken(token: string): void; setAuthenticator(name: string): void };
  /** Leaves for WeCom again, without a click (the consent restart). */
  beginLogin(pending: Pending): void;
  /** Where to go once signed in: the address of the server's `redirect` (unchecked), or of the client's home. */
  landing(redirect: unknown): string;
}

export type Outcome = { cancelled: true; message: string } | { cancelled?: false; message: string; retry: boolean };

type Query = { authenticator: string; code: string | null; state: string | null; error: string | null };
let taken: Query | undefined;

/**
 * Reads the callback query, then drops `code` and `state` from the address bar and the history. Once per
 * page load (WeCom's redirect is one): a first render that suspends (translations loading) is thrown away,
 * and the next one must still see the code.
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
function endSession(client: CallbackClient): void {
  const forget = () => {
    client.auth.setToken('');
    client.auth.setAuthenticator('');
  };
  // Not the member's sign-out: automatic login stays on (./sign-out.ts).
  const signOut = { url: 'auth:signOut', method: 'post', skipNotify: true, skipAuth: true, keepAutoLogin: true } as const;
  client.request(signOut).then(forget, (reason: unknown) => {
    forget();
    console.warn('auth-wecom: the previous session could not be signed out on the server', reason);
  });
}

/** Refusals that a made-up callback URL gets as well: no login of this browser was behind it. */
const FORGEABLE = new Set(['', 'WECOM_BAD_REQUEST', 'WECOM_STATE_INVALID']);

/** Finishes the login WeCom sent back; `outcome` stays undefined while it runs and when it succeeds. */
export function useCallbackFlow(client: CallbackClient) {
  const t = useT();
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
      if (someoneElse && /wxwork/i.test(navigator.userAgent) && client.auth.token) endSession(client);
    };
    const failed = (message: string, retry: boolean, someoneElse = false) => end({ message, retry }, someoneElse);
    if (!authenticator || error) {
      const retry = Boolean(authenticator) && error !== 'WECOM_BAD_REQUEST' && mayRetry(error ?? undefined);
      return failed(startError(error ?? 'WECOM_BAD_REQUEST', t), retry);
    }
    if (!code) return end({ cancelled: true, message: t('WeCom sign-in was cancelled.') }, Boolean(attempt.authenticator));

    const signIn = () =>
      client.request<{ data: { token: string; redirect?: string } }>({
        url: 'auth:signIn',
        method: 'post',
        headers: { 'X-Authenticator': authenticator },
        data: { code, state },
        skipNotify: true,
      });
    client
      .request<{ data: unknown }>({ url: 'authenticators:publicList', method: 'post', skipNotify: true })
      .then(
        ({ data: { data: list } }) => {
          if (!isEnabledWeCom(list, authenticator, AUTH_TYPE)) return failed(t(UNKNOWN_AUTHENTICATOR), false);
          return signIn().then(
            ({ data: { data } }) => {
              rememberSignIn(authenticator);
              client.auth.setAuthenticator(authenticator);
              client.auth.setToken(data.token);
              // A full load, so that the page it returns to (desktop, mobile, `/v/`) starts with the new session.
              window.location.replace(client.landing(data.redirect));
            },
            (reason: unknown) => {
              const { code: reasonCode, message } = apiError(reason, t);
              // A silent login of a member not linked yet: start it again with WeCom's consent screen, once.
              if (reasonCode === 'WECOM_CONSENT_REQUIRED' && !attempt.consent) {
                return client.beginLogin({ authenticator, redirect, consent: true });
              }
              failed(message, mayRetry(reasonCode), !FORGEABLE.has(reasonCode ?? ''));
            },
          );
        },
        (reason: unknown) => failed(apiError(reason, t).message, true),
      )
      .catch((bug: unknown) => {
        failed(t(FAILED), true);
        throw bug;
      });
  }, [attempt, authenticator, client, query, redirect, t]);

  return { outcome, authenticator, redirect };
}
