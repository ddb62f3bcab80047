// The WeCom authenticator a channel or a card node sends as: its app (Company ID, AgentId, Secret) and its Origin.
import { Application } from '@nocobase/server';
import { AUTH_TYPE } from '../../constants';
import { LoginError, reasons } from './errors';
import { assertVariablesDefined, hasVariable, NAME_IS_VARIABLE, parseOptions, WeComOptions } from './options';

export interface ChannelAuthenticator {
  name: string;
  options: WeComOptions;
}

/** What a caller asks of the authenticator: its own "choose one" message, and checks of the stored options. */
export interface AuthenticatorNeeds {
  /** The message shown when no authenticator is chosen; each caller names what sends. */
  choose: string;
  /** Throws a LoginError when the stored options lack what the caller needs; runs before `{{$env.X}}` rendering. */
  check?: (raw: Record<string, unknown>, name: string) => void;
}

/**
 * The stored options of the enabled WeCom authenticator `name`, `{{$env.X}}` rendered. The Secret is
 * read here on the server only; the API never hands it out.
 */
export async function wecomAuthenticator(app: Application, name: unknown, needs: AuthenticatorNeeds): Promise<ChannelAuthenticator> {
  if (typeof name !== 'string' || !name.trim()) throw new LoginError(reasons.config('authenticator', needs.choose));
  if (hasVariable(name)) throw new LoginError(reasons.config('authenticator', NAME_IS_VARIABLE));
  const record = await app.db.getRepository('authenticators').findOne({ filter: { name } });
  if (!record || !record.get('enabled')) {
    throw new LoginError(reasons.config('authenticator', 'The WeCom authenticator "{{name}}" does not exist or is disabled.', { name }));
  }
  if (record.get('authType') !== AUTH_TYPE) {
    throw new LoginError(reasons.config('authenticator', 'The authenticator "{{name}}" is not a WeCom authenticator.', { name }));
  }
  const raw = (record.get('options') ?? {}) as Record<string, unknown>;
  needs.check?.(raw, name);
  assertVariablesDefined(raw, app.environment.getVariables());
  return { name, options: parseOptions(app.environment.renderJsonTemplate(raw)) };
}

/** The authenticator a notification or robot channel sends as. */
export function channelAuthenticator(app: Application, name: unknown): Promise<ChannelAuthenticator> {
  return wecomAuthenticator(app, name, { choose: 'Choose the WeCom authenticator this channel sends as.' });
}
