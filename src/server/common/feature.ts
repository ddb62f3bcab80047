// The one shape through which a feature (sign-in, notifications, contacts sync, ...) joins the plugin: its actions
// on the `wecom` resource with who may call them, the secrets it stores, and whatever else it registers when the
// app loads. plugin.ts wires every feature the same way.
import type { Context, Next } from '@nocobase/actions';
import type { Application } from '@nocobase/server';
import type { WriteOnlyOptions } from './secrets';
import type { WeComServices } from './services';

export type Action = (ctx: Context, next: Next) => Promise<unknown>;

/** Who may call an action: anyone (it checks its caller itself), or whoever has an ACL snippet. */
export type Access = { public: true } | { snippet: string };

export interface FeatureContext {
  app: Application;
  services: WeComServices;
  /** Adds a resource middleware (checks on save), placed relative to NocoBase's ACL. */
  use(middleware: Action, options: { tag: string; before?: string; after?: string }): void;
}

export interface Feature {
  name: string;
  /** Actions of the `wecom` resource (`/api/wecom:<name>`). */
  actions?: Record<string, { handler: Action; access: Access }>;
  /** Secrets the feature stores: write-only on every path (common/secrets.ts). */
  secrets?: readonly WriteOnlyOptions[];
  load?(ctx: FeatureContext): void | Promise<void>;
}
