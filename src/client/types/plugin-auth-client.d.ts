// The part of @nocobase/plugin-auth/client this plugin uses (see nocobase-client.d.ts).
import { ComponentType } from 'react';
import { Plugin } from '@nocobase/client';

export interface Authenticator {
  name: string;
  authType: string;
  authTypeTitle: string;
  title?: string;
  /** Public options only (`authenticators:publicList`). */
  options?: Record<string, unknown>;
}

export interface AuthOptions {
  components: Partial<{
    SignInForm: ComponentType<{ authenticator: Authenticator }>;
    SignInButton: ComponentType<{ authenticator: Authenticator }>;
    SignUpForm: ComponentType<{ authenticatorName: string }>;
    AdminSettingsForm: ComponentType;
  }>;
}

export default class AuthPlugin extends Plugin {
  registerType(authType: string, options: AuthOptions): void;
}
