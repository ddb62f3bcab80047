// The small part of @nocobase/client this plugin uses. The package itself cannot be installed from
// this registry (it needs @nocobase/client-v2 and @nocobase/flow-engine); at run time the prebuilt
// NocoBase client provides it to the bundle through requirejs.
import type { ISchema } from '@formily/json-schema';
import type { ComponentType } from 'react';

// The request shape this plugin sends through NocoBase's API client (src/client-common/request.ts).
import type { RequestConfig } from '../../client-common/request';
export type { RequestConfig };

/** What an axios interceptor gets: the request's config (with NocoBase's and this plugin's own keys). */
export interface AxiosResponseLike {
  config: Partial<RequestConfig>;
}

export interface APIClient {
  auth: {
    readonly token: string;
    setToken(token: string): void;
    setAuthenticator(name: string): void;
  };
  request<T>(config: RequestConfig): Promise<{ data: T }>;
  /** NocoBase's storage of this app (localStorage unless configured otherwise), where the token is kept. */
  storage: {
    getItem(key: string): string | null;
    setItem(key: string, value: string): void;
    removeItem(key: string): void;
  };
  axios: {
    interceptors: {
      response: {
        use(
          onFulfilled: (response: AxiosResponseLike) => AxiosResponseLike,
          onRejected?: (error: { config?: Partial<RequestConfig> }) => Promise<never>,
        ): number;
      };
    };
  };
}

export interface RouteOptions {
  path?: string;
  Component?: ComponentType | string;
  /** The route is public: NocoBase neither checks the session nor loads the data sources first. */
  skipAuthCheck?: boolean;
}

export interface RouterManager {
  add(name: string, route: RouteOptions): void;
}

export declare class Application {
  pm: { get<T>(plugin: new (...args: never[]) => T): T; get(name: string): unknown };
  apiClient: APIClient;
  router: RouterManager;
  /** The UI language the person chose, e.g. `zh-CN`. */
  i18n?: { language?: string };
  /** Absolute URL of an API action, e.g. `http://host/api/wecom:authorize`. */
  getApiUrl(path?: string): string;
  /** The app's public path joined with `path`, e.g. `/signin` (`/apps/<name>/signin` in a sub-app). */
  getHref(path: string): string;
  /** `main`, or the sub-app whose pages these are (`/apps/<name>/`, read from the page's path). */
  name: string;
}

export declare class Plugin {
  app: Application;
  get router(): RouterManager;
  load(): Promise<void>;
}

export declare function useApp(): Application;
export declare function useAPIClient(): APIClient;
/** The record of the table row a drawer was opened from (undefined outside a row). */
export declare function useCollectionRecordData<T = Record<string, unknown>>(): T | undefined;
/** Renders a schema text: `{{t("Sign in")}}` in the UI language, anything else as it is. */
export declare function useCompile(): (source: string) => string;

export declare const SchemaComponent: ComponentType<{
  schema: ISchema;
  scope?: Record<string, unknown>;
  components?: Record<string, ComponentType<object>>;
}>;
