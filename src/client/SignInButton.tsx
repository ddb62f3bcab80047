import { useApp, useCompile } from '@nocobase/client';
import type { Authenticator } from '@nocobase/plugin-auth/client';
import { Alert, Button, Spin, Tooltip } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from './locale';
import { mayStartAutomatically, recentFailure, writePending } from './session';
import { beginLogin, pageRedirect, startUrl } from './start';
import { WeComIcon } from './WeComIcon';

/** One automatic login per page load, even if two authenticators claim it; none after signing out. */
let autoLoginStarted = false;

/**
 * In the WeCom client (User-Agent `wxwork`), a visitor of the sign-in page goes to WeCom without a click;
 * one with a session too, once per tab, since the session may be another member's.
 */
const wantsAutoLogin = ({ name, options }: Authenticator, signedIn: boolean) =>
  options?.autoLogin === true && !autoLoginStarted && /wxwork/i.test(navigator.userAgent) && mayStartAutomatically(name, signedIn);

export function SignInButton({ authenticator }: { authenticator: Authenticator }) {
  const t = useT();
  const compile = useCompile();
  const app = useApp();
  const { name, title, options } = authenticator;
  const redirect = pageRedirect();
  // Decided once, in render without side effects: React may render and throw away a render (lazy parts).
  const [auto] = useState(() => wantsAutoLogin(authenticator, Boolean(app.apiClient.auth.token)));
  const failure = recentFailure(name);
  // Texts the administrator wrote, localized like NocoBase's own schema texts (a t() template is rendered in the UI language).
  const tooltip = typeof options?.tooltip === 'string' && options.tooltip.trim() ? compile(options.tooltip) : undefined;

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
      {failure && <Alert type={failure.cancelled ? 'info' : 'error'} showIcon message={failure.message} style={{ marginBottom: 8 }} />}
      <Tooltip title={tooltip}>
        <Button
          block
          icon={<WeComIcon />}
          href={startUrl(app, name, { redirect })}
          onClick={() => writePending({ authenticator: name, redirect })}
        >
          {(title && compile(title)) || t('WeCom')}
        </Button>
      </Tooltip>
    </>
  );
}
