// Automatic login, for the sign-in button of both clients: in the WeCom client (User-Agent `wxwork`), a
// visitor of the sign-in page goes to WeCom without a click; one with a session too, once per tab, since the
// session may be another member's (./session.ts). Not after a sign-out, until someone signs in (./sign-out.ts).
import { useEffect, useState } from 'react';
import { mayStartAutomatically, type Pending } from './session';
import { signedOut, type SignOutClient } from './sign-out';

/**
 * One automatic login per page load, even if two authenticators claim it (a button mounted again once it
 * left finds its own pending login too recent: mayStartAutomatically).
 */
let started = false;

export interface AutoLoginApp {
  apiClient: Pick<SignOutClient, 'auth' | 'storage'>;
}

/**
 * Whether the button of `authenticator` leaves for WeCom by itself; if so, it leaves once mounted, through
 * the client's `beginLogin`. The button shows the decision: a cover while it leaves, else the button.
 */
export function useAutoLogin<A extends AutoLoginApp>(
  { name, options }: { name: string; options?: { autoLogin?: unknown } },
  redirect: string | undefined,
  app: A,
  beginLogin: (app: A, pending: Pending, silent: boolean) => void,
): boolean {
  // Decided once, in render without side effects: React may render and throw away a render (lazy parts).
  const [auto] = useState(
    () =>
      options?.autoLogin === true &&
      /wxwork/i.test(navigator.userAgent) &&
      !signedOut(app.apiClient) &&
      mayStartAutomatically(name, Boolean(app.apiClient.auth.token)),
  );
  useEffect(() => {
    if (!auto || started) return;
    started = true;
    beginLogin(app, { authenticator: name, redirect, autoAt: Date.now() }, true);
  }, []);
  return auto;
}
