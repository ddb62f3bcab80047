// The WeCom authenticators an admin may pick in the channel and sync source drawers, for both clients: each passes
// its own API client (../client/authenticator-choices.ts, ../client-v2/authenticator-choices.ts).
import { useEffect, useState } from 'react';
import { AUTH_TYPE } from '../constants';
import { type AuthenticatorRow, authenticatorChoice, type Choice } from '../shared/authenticator-choice';
import type { RequestConfig } from './request';

export interface ChoicesApi {
  request<T>(config: RequestConfig): Promise<{ data: T }>;
}

/** undefined while loading; `enabledOnly` for a channel (it cannot send as a disabled one). */
export function useAuthenticatorChoices(api: ChoicesApi, enabledOnly: boolean): Choice[] | undefined {
  const [choices, setChoices] = useState<Choice[]>();
  useEffect(() => {
    let mounted = true;
    const filter = encodeURIComponent(JSON.stringify(enabledOnly ? { authType: AUTH_TYPE, enabled: true } : { authType: AUTH_TYPE }));
    api
      .request<{ data: AuthenticatorRow[] }>({ url: `authenticators:list?paginate=false&filter=${filter}` })
      .then(({ data }) => mounted && setChoices(data.data.map(authenticatorChoice)))
      // A failed read offers no choice rather than a spinner that never ends.
      .catch(() => mounted && setChoices([]));
    return () => {
      mounted = false;
    };
  }, [api, enabledOnly]);
  return choices;
}
