// The WeCom authenticators an admin may pick in the v1 channel and sync source drawers (`/v/`: ../client-v2/authenticator-choices.ts).
import { useAPIClient } from '@nocobase/client';
import { useEffect, useState } from 'react';
import { AUTH_TYPE } from '../constants';
import { type AuthenticatorRow, authenticatorChoice, type Choice } from '../shared/authenticator-choice';

/** undefined while loading; `enabledOnly` for a channel (it cannot send as a disabled one). */
export function useWecomAuthenticatorChoices(enabledOnly: boolean): Choice[] | undefined {
  const api = useAPIClient();
  const [choices, setChoices] = useState<Choice[]>();
  useEffect(() => {
    let mounted = true;
    const filter = encodeURIComponent(JSON.stringify(enabledOnly ? { authType: AUTH_TYPE, enabled: true } : { authType: AUTH_TYPE }));
    api
      .request<{ data: AuthenticatorRow[] }>({ url: `authenticators:list?paginate=false&filter=${filter}` })
      .then(({ data }) => mounted && setChoices(data.data.map(authenticatorChoice)))
      .catch(() => mounted && setChoices([]));
    return () => {
      mounted = false;
    };
  }, [api, enabledOnly]);
  return choices;
}
