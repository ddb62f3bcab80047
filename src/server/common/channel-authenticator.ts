// The WeCom authenticator a channel sends as: its app (Company ID, AgentId, Secret) and its Origin.
import { Application } from '@nocobase/server';
import { AUTH_TYPE } from '../../constants';
import { LoginError, reasons } from './errors';
import { assertVariablesDefined, hasVariable, NAME_IS_VARIABLE, parseOptions, WeComOptions } from './options';

export interface ChannelAuthenticator {
  name: string;
  options: WeComOptions;
}

/**
 * The stored options of the enabled WeCom authenticator `name`, `{{$env.X}}` rendered. The Secret is
 * read here on the server only; the API never hands it out.
 */
export async function channelAuthenticator(app: Application, name: unknown): Promise<ChannelAuthenticator> {
  if (typeof name !== 'string' || !name.trim()) {
    throw new LoginError(reasons.config('authenticator', 'Choose the WeCom authenticator this channel sends as.'));
  }
  if (hasVariable(name)) throw new LoginError(reasons.config('authenticator', NAME_IS_VARIABLE));
  const record = await app.db.getRepository('authenticators').findOne({ filter: { name } });
  if (!record || !record.get('enabled')) {
    throw new LoginError(reasons.config('authenticator', 'The WeCom authenticator "{{name}}" does not exist or is disabled.', { name }));
  }
  if (record.get('authType') !== AUTH_TYPE) {
    throw new LoginError(reasons.config('authenticator', 'The authenticator "{{name}}" is not a WeCom authenticator.', { name }));
  }
  const raw = record.get('options') as Record<string, unknown>;
  assertVariablesDefined(raw, app.environment.getVariables());
  return { name, options: parseOptions(app.environment.renderJsonTemplate(raw)) };
}
