// The entry of dist/client-v2/callback.js: `/v/wecom/callback`, where WeCom sends a login started in the
// modern client back with `code` and `state` (the start URL's `client=v2`). The steps are the v1 page's
// (../client/callback-flow.ts); only the addresses are the modern client's.
import { useApp } from '@nocobase/client-v2';
import { useMemo } from 'react';
import { safeRedirectPath } from '../shared/redirect';
import { type CallbackClient, useCallbackFlow } from '../client-common/callback-flow';
import { CallbackView } from '../client-common/CallbackView';
import { writePending } from '../client-common/session';
import { beginLogin, defaultRedirect, hrefOf, startUrl } from './start';

export default function CallbackPage() {
  const app = useApp();
  const client = useMemo<CallbackClient>(
    () => ({
      request: (config) => app.apiClient.request(config),
      auth: app.apiClient.auth,
      beginLogin: (pending) => beginLogin(app, pending),
      landing: (redirect) => hrefOf(app, safeRedirectPath(redirect) ?? defaultRedirect(app)),
    }),
    [app],
  );
  const { outcome, authenticator, redirect = defaultRedirect(app) } = useCallbackFlow(client);
  return (
    <CallbackView
      outcome={outcome}
      retryHref={startUrl(app, authenticator, { redirect, silent: true })}
      onRetry={() => writePending({ authenticator, redirect })}
      backHref={app.getHref(`signin?redirect=${encodeURIComponent(hrefOf(app, redirect))}`)}
    />
  );
}
