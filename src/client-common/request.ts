// A request as both clients' API clients take it (NocoBase's own keys included): what this plugin's client code
// sends through them.
export interface RequestConfig {
  url: string;
  method?: 'get' | 'post';
  data?: unknown;
  headers?: Record<string, string>;
  /** NocoBase: do not show the error notification of a failed request. */
  skipNotify?: boolean;
  /** NocoBase: a 401 of this request does not send the page to the sign-in page. */
  skipAuth?: boolean;
  /** This plugin: an `auth:signOut` that is not the person's (./sign-out.ts). */
  keepAutoLogin?: boolean;
}
