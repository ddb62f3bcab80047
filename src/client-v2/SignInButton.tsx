import { useApp } from '@nocobase/client-v2';
import type { Authenticator } from '@nocobase/plugin-auth/client-v2';
import { useEffect, useState } from 'react';
import { useT } from '../client/locale';
import { mayStartAutomatically, recentFailure, writePending } from '../client/session';
import { SignInButtonView } from '../client/SignInButtonView';
import { compileText } from './compile';
import { forgetSignOut, signedOut } from './signout';
import { beginLogin, pageRedirect, startUrl } from './start';

/** One automatic login per page load, even if two authenticators claim it; none after signing out. */
let autoLoginStarted = false;

/**
 * In the WeCom client (User-Agent `wxwork`), a visitor of the sign-in page goes to WeCom without a click;
 * one with a session too, once per tab, since the session may be another member's (../client/session.ts).
 */
const wantsAutoLogin = ({ name, options }: Authenticator, signedIn: boolean) =>
  options?.autoLogin === true &&
  !autoLoginStarted &&
  !signedOut() &&
  /wxwork/i.test(navigator.userAgent) &&
  mayStartAutomatically(name, signedIn);

/** The WeCom button of `/v/signin`. Its public options arrive flattened: `options.autoLogin`, `options.tooltip`. */
export default function SignInButton({ authenticator }: { authenticator: Authenticator }) {
  const t = useT();
  const app = useApp();
  const { name, title, options } = authenticator;
  const redirect = pageRedirect(app);
  // Decided once, in render without side effects: React may render and throw away a render (lazy parts).
  const [auto] = useState(() => wantsAutoLogin(authenticator, Boolean(app.apiClient.auth.token)));
  const failure = recentFailure(name);
  const tooltip = typeof options?.tooltip === 'string' && options.tooltip.trim() ? compileText(options.tooltip, t) : undefined;

  useEffect(() => {
    if (!auto || autoLoginStarted) return;
    autoLoginStarted = true;
    beginLogin(app, { authenticator: name, redirect, autoAt: Date.now() }, true);
  }, [auto, app, name, redirect]);

  return (
    <SignInButtonView
      auto={auto}
      failure={failure}
      title={title ? compileText(title, t) : undefined}
      tooltip={tooltip}
      href={startUrl(app, name, { redirect })}
      onClick={() => {
        forgetSignOut();
        writePending({ authenticator: name, redirect });
      }}
    />
  );
}
