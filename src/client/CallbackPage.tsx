// The entry of dist/client/callback.js: `<public path>wecom/callback`, where WeCom sends the browser back
// with `code` and `state`. The steps are shared with the modern client (callback-flow.ts); only the
// addresses are the v1 client's.
import { useApp } from '@nocobase/client';
import { useMemo } from 'react';
import { DEFAULT_REDIRECT_PATH } from '../constants';
import { hrefInApp } from '../shared/app-path';
import { safeRedirectPath } from '../shared/redirect';
import { type CallbackClient, useCallbackFlow } from '../client-common/callback-flow';
import { CallbackView } from '../client-common/CallbackView';
import { writePending } from '../client-common/session';
import { beginLogin, startUrl } from './start';

export function CallbackPage() {
  const app = useApp();
  const client = useMemo<CallbackClient>(
    () => ({
      request: (config) => app.apiClient.request(config),
      auth: app.apiClient.auth,
      beginLogin: (pending) => beginLogin(app, pending),
      // A full load, so that the desktop (/admin) and the mobile app (/m) start with the new session.
      landing: (redirect) => hrefInApp(app.getHref('/'), safeRedirectPath(redirect) ?? DEFAULT_REDIRECT_PATH),
    }),
    [app],
  );
  const { outcome, authenticator, redirect } = useCallbackFlow(client);
  return (
    <CallbackView
      outcome={outcome}
      retryHref={startUrl(app, authenticator, { redirect, silent: true })}
      onRetry={() => writePending({ authenticator, redirect })}
      backHref={app.getHref(redirect ? `signin?redirect=${encodeURIComponent(redirect)}` : 'signin')}
    />
  );
}
