import { useApp } from '@nocobase/client-v2';
import type { Authenticator } from '@nocobase/plugin-auth/client-v2';
import { useAutoLogin } from '../client-common/auto-login';
import { useT } from '../client-common/locale';
import { writePending } from '../client-common/session';
import { SignInButtonView } from '../client-common/SignInButtonView';
import { compileText } from './compile';
import { beginLogin, pageRedirect, startUrl } from './start';

/** The WeCom button of `/v/signin`. Its public options arrive flattened: `options.autoLogin`, `options.tooltip`. */
export default function SignInButton({ authenticator }: { authenticator: Authenticator }) {
  const t = useT();
  const app = useApp();
  const { name, title, options } = authenticator;
  const redirect = pageRedirect(app);
  const auto = useAutoLogin(authenticator, redirect, app, beginLogin);
  const tooltip = typeof options?.tooltip === 'string' && options.tooltip.trim() ? compileText(options.tooltip, t) : undefined;

  return (
    <SignInButtonView
      auto={auto}
      name={name}
      title={title && compileText(title, t)}
      tooltip={tooltip}
      href={startUrl(app, name, { redirect })}
      onClick={() => writePending({ authenticator: name, redirect })}
    />
  );
}
