/** The authenticator drawer's form: `name` is a sibling of the `options` this plugin renders. */
export interface DrawerValues {
  name?: string;
  options?: WeComFormOptions;
}

export interface WeComFormOptions {
  public?: { autoSignup?: boolean; autoLogin?: boolean };
  corpId?: string;
  agentId?: string;
  /** Empty when read: a saved Secret is never sent back, `savedSecrets` says it is there. */
  corpSecret?: string;
  savedSecrets?: string[];
  /** The app's receive-messages callback (WeCom cards); write-only like the Secret. */
  callbackToken?: string;
  callbackEncodingAESKey?: string;
  origin?: string;
  redirectPath?: string;
}
