import { Alert } from 'antd';
import { useEffect, useState } from 'react';
import { RESOURCE } from '../../constants';

type Request = <T>(config: { url: string; method: 'get'; skipNotify: boolean }) => Promise<{ data: T }>;

/**
 * Both clients' authenticator forms: in a sub-app that shares its sign-in secret with the main app, the
 * server's warning (worded in the UI language, with how to fix it; src/server/auth/sign-in-secret.ts). Nothing in
 * the main app or in a sub-app with a secret of its own.
 */
export function SignInSecretWarningView({ request }: { request: Request }) {
  const [message, setMessage] = useState<string>();
  useEffect(() => {
    let shown = true;
    request<{ data: { shared: boolean; message?: string } }>({ url: `${RESOURCE}:signInSecret`, method: 'get', skipNotify: true })
      .then((response) => {
        if (shown && response.data.data.shared) setMessage(response.data.data.message);
      })
      .catch((error: unknown) => console.warn('auth-wecom: could not ask whether this app shares its sign-in secret', error));
    return () => {
      shown = false;
    };
    // Asked once per form: the answer changes only when NocoBase restarts.
  }, []);
  return message ? <Alert type="warning" showIcon message={message} style={{ marginBottom: 24 }} /> : null;
}
