// The small part of @nocobase/client-v2 (the modern client at `/v/`) this plugin uses. The package is not
// in this registry; at run time the `/v/` page provides it to the bundle through requirejs.
import type { ComponentType } from 'react';
import type { APIClient as V1APIClient } from '@nocobase/client';

/** The same API client as the v1 client's (@nocobase/sdk's): auth, request, storage, axios. */
export type APIClient = V1APIClient;

export interface RouteOptions {
  path?: string;
  /** The page, loaded when the route is first shown. */
  componentLoader?: () => Promise<{ default: ComponentType }>;
  /** The route is public: NocoBase does not check the session first. */
  skipAuthCheck?: boolean;
}

export interface RouterManager {
  add(name: string, route: RouteOptions): void;
}

export declare class Application {
  /** The UI language the person chose, e.g. `zh-CN`. */
  i18n?: { language?: string };
  /** A plugin by class, or by name (`notification-manager`): undefined when it is not enabled. */
  pm: { get<T>(plugin: new (...args: never[]) => T): T; get(name: string): unknown };
  apiClient: APIClient;
  router: RouterManager;
  /** Absolute URL of an API action, e.g. `http://host/api/wecom:authorize`. */
  getApiUrl(path?: string): string;
  /** The modern client's public path joined with `path`, e.g. `/v/signin`. */
  getHref(path: string): string;
  /** The modern client's public path, e.g. `/v/` (or `/nocobase/v/`). */
  getPublicPath(): string;
  /** `main`, or the sub-app whose pages these are (`/v/apps/<name>/`, read from the page's path). */
  name: string;
}

export declare class Plugin {
  app: Application;
  get router(): RouterManager;
  load(): Promise<void>;
}

export declare function useApp(): Application;
