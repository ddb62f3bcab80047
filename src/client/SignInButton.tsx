import { useApp } from '@nocobase/client';
import type { Authenticator } from '@nocobase/plugin-auth/client';
import { Alert, Button, Spin } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from './locale';
import { mayStartAutomatically, recentError, writePending } from './session';
import { beginLogin, pageRedirect, startUrl } from './start';
import { WeComIcon } from './WeComIcon';

/** One automatic login per page load, even if two authenticators claim it; none after signing out. */
let autoLoginStarted = false;

/** In the WeCom client (User-Agent `wxwork`), an unauthenticated visitor goes to WeCom without a click. */
const wantsAutoLogin = ({ name, options }: Authenticator, signedIn: boolean) =>
  options?.autoLogin === true &&
  !signedIn &&
  !autoLoginStarted &&
  /wxwork/i.test(navigator.userAgent) &&
  mayStartAutomatically(name);

export function SignInButton({ authenticator }: { authenticator: Authenticator }) {
  const t = useT();
  const app = useApp();
  const { name } = authenticator;
  const redirect = pageRedirect();
  // Decided once, in render without side effects: React may render and throw away a render (lazy parts).
  const [auto] = useState(() => wantsAutoLogin(authenticator, Boolean(app.apiClient.auth.token)));
  const error = recentError(name);

  useEffect(() => {
    if (!auto || autoLoginStarted) return;
    autoLoginStarted = true;
    beginLogin(app, { authenticator: name, redirect, autoAt: Date.now() }, true);
  }, [auto, app, name, redirect]);

  if (auto) {
    // Covers the sign-in form while the page leaves for WeCom: the password form never flashes.
    return (
      <div
        role="status"
        style={{ position: 'fixed', inset: 0, zIndex: 1000, background: '#fff', display: 'grid', placeContent: 'center', gap: 16 }}
      >
        <Spin size="large" />
        {t('Signing in with WeCom…')}
      </div>
    );
  }
  return (
    <>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 8 }} />}
      <Button
        block
        icon={<WeComIcon />}
        href={startUrl(app, name, { redirect })}
        onClick={() => writePending({ authenticator: name, redirect })}
      >
        {authenticator.title || t('WeCom')}
      </Button>
    </>
  );
}
