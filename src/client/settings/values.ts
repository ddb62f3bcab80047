/** The authenticator drawer's form: `name` is a sibling of the `options` this plugin renders. */
export interface DrawerValues {
  name?: string;
  options?: WeComFormOptions;
}

export interface WeComFormOptions {
  public?: { autoSignup?: boolean; autoLogin?: boolean };
  corpId?: string;
  agentId?: string;
  corpSecret?: string;
  origin?: string;
  redirectPath?: string;
}
