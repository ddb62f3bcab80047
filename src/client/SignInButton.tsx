import { useApp, useCompile } from '@nocobase/client';
import type { Authenticator } from '@nocobase/plugin-auth/client';
import { useAutoLogin } from '../client-common/auto-login';
import { writePending } from '../client-common/session';
import { pageRedirect } from '../client-common/start';
import { beginLogin, startUrl } from './start';
import { SignInButtonView } from '../client-common/SignInButtonView';

export function SignInButton({ authenticator }: { authenticator: Authenticator }) {
  const compile = useCompile();
  const app = useApp();
  const { name, title, options } = authenticator;
  const redirect = pageRedirect();
  const auto = useAutoLogin(authenticator, redirect, app, beginLogin);
  // Texts the administrator wrote, localized like NocoBase's own schema texts (a t() template is rendered in the UI language).
  const tooltip = typeof options?.tooltip === 'string' && options.tooltip.trim() ? compile(options.tooltip) : undefined;

  return (
    <SignInButtonView
      auto={auto}
      name={name}
      title={title && compile(title)}
      tooltip={tooltip}
      href={startUrl(app, name, { redirect })}
      onClick={() => writePending({ authenticator: name, redirect })}
    />
  );
}
