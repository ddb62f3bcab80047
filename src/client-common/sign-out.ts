// A deliberate sign-out stops automatic login (./auto-login.ts) until someone signs in again, in both clients.
// NocoBase signs out through `auth:signOut` (the user menu of `/admin`, `/m` and `/v/`), then shows the sign-in
// page: without a reload in the v1 client, with one in `/v/`. Nothing on that page says a person just left, so
// the sign-out leaves a mark next to the session token (NocoBase's storage for this app: localStorage unless
// configured otherwise, shared by both clients and every tab, like the token). Any sign-in removes it: one
// through `auth:signIn` (WeCom's callback page, a password, SMS) when it answers, any other (a token handed over
// in the URL) when a session is found next to the mark. The workbench link starts at `wecom:authorize`, not on
// the sign-in page, and signs in through the callback page: it is never blocked by the mark.
const SIGNED_OUT = 'wecom_signed_out';

interface Storage {
  getItem(key: string): string | null | undefined;
  setItem(key: string, value: string): unknown;
  removeItem(key: string): unknown;
}

interface RequestConfigLike {
  url?: string;
  /** This plugin's own `auth:signOut` of a session that may be another member's (callback-flow.ts): not the person's choice. */
  keepAutoLogin?: boolean;
}

export interface SignOutClient {
  auth: { readonly token?: string | null };
  storage: Storage;
  axios: {
    interceptors: {
      response: {
        use(
          onFulfilled: (response: { config: RequestConfigLike }) => { config: RequestConfigLike },
          onRejected: (error: { config?: RequestConfigLike }) => Promise<never>,
        ): number;
      };
    };
  };
}

const isAction = (config: RequestConfigLike | undefined, action: string) =>
  new RegExp(`(^|/)auth:${action}($|\\?)`).test(config?.url ?? '');

/**
 * Watches the app's API client: a sign-out the person asked for sets the mark, answered or not (a refused one
 * still ends at the sign-in page when the session had expired); a sign-in that succeeded removes it.
 */
export function watchSignOut(apiClient: SignOutClient): void {
  const signingOut = (config: RequestConfigLike | undefined) => isAction(config, 'signOut') && !config?.keepAutoLogin;
  apiClient.axios.interceptors.response.use(
    (response) => {
      if (signingOut(response.config)) apiClient.storage.setItem(SIGNED_OUT, String(Date.now()));
      else if (isAction(response.config, 'signIn')) apiClient.storage.removeItem(SIGNED_OUT);
      return response;
    },
    (error) => {
      if (signingOut(error.config)) apiClient.storage.setItem(SIGNED_OUT, String(Date.now()));
      return Promise.reject(error);
    },
  );
}

/** The person signed out and nobody has signed in since: no automatic login. */
export function signedOut(apiClient: Pick<SignOutClient, 'auth' | 'storage'>): boolean {
  if (!apiClient.storage.getItem(SIGNED_OUT)) return false;
  if (!apiClient.auth.token) return true;
  apiClient.storage.removeItem(SIGNED_OUT);
  return false;
}
