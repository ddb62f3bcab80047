import { useApp, useCompile } from '@nocobase/client';
import type { Authenticator } from '@nocobase/plugin-auth/client';
import { useEffect, useState } from 'react';
import { mayStartAutomatically, recentFailure, writePending } from './session';
import { beginLogin, pageRedirect, startUrl } from './start';
import { SignInButtonView } from './SignInButtonView';

/** One automatic login per page load, even if two authenticators claim it; none after signing out. */
let autoLoginStarted = false;

/**
 * In the WeCom client (User-Agent `wxwork`), a visitor of the sign-in page goes to WeCom without a click;
 * one with a session too, once per tab, since the session may be another member's.
 */
const wantsAutoLogin = ({ name, options }: Authenticator, signedIn: boolean) =>
  options?.autoLogin === true && !autoLoginStarted && /wxwork/i.test(navigator.userAgent) && mayStartAutomatically(name, signedIn);

export function SignInButton({ authenticator }: { authenticator: Authenticator }) {
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

  return (
    <SignInButtonView
      auto={auto}
      failure={failure}
      title={title ? compile(title) : undefined}
      tooltip={tooltip}
      href={startUrl(app, name, { redirect })}
      onClick={() => writePending({ authenticator: name, redirect })}
    />
  );
}
