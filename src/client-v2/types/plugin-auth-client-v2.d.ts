// The part of @nocobase/plugin-auth/client-v2 this plugin uses (see nocobase-client-v2.d.ts).
import type { ComponentType } from 'react';
import { Plugin } from '@nocobase/client-v2';
import type { Authenticator } from '@nocobase/plugin-auth/client';

export type { Authenticator };

type Loader<P = Record<string, never>> = () => Promise<{ default: ComponentType<P> }>;

/** Every part is an async loader: plugin-auth renders it with React.lazy. */
export interface AuthOptions {
  signInFormLoader?: Loader<{ authenticator: Authenticator }>;
  signInButtonLoader?: Loader<{ authenticator: Authenticator }>;
  /** Rendered inside the authenticator drawer's antd Form; reads it with Form.useFormInstance / useWatch. */
  adminSettingsFormLoader?: Loader;
}

export declare class PluginAuthClientV2 extends Plugin {
  registerType(authType: string, options: AuthOptions): void;
}
