// How both clients' WeCom forms (channel, sync source) name an authenticator: its title, which people read,
// with its name, which is what is saved and what the sign-in URLs and logs show.
export interface AuthenticatorRow {
  name: string;
  title?: string;
}

export interface Choice {
  label: string;
  value: string;
}

/** `WeCom (wecom)`; the name alone when there is no title. */
export const authenticatorChoice = ({ name, title }: AuthenticatorRow): Choice => ({
  label: title?.trim() && title.trim() !== name ? `${title.trim()} (${name})` : name,
  value: name,
});
