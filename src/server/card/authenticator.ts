// The WeCom authenticator a card node sends as: its app (Company ID, AgentId, Secret), its Origin, and its
// receive-message callback, without which WeCom does not deliver the card's clicks.
import type { Application } from '@nocobase/server';
import { AUTH_TYPE } from '../../constants';
import { LoginError, reasons } from '../common/errors';
import { assertVariablesDefined, hasVariable, NAME_IS_VARIABLE, parseOptions, WeComOptions } from '../common/options';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN } from '../../shared/wecom-card';

export interface CardAuthenticator {
  name: string;
  options: WeComOptions;
}

export const NO_CALLBACK = 'The WeCom authenticator "{{name}}" has no callback Token and EncodingAESKey. Set its API receive-message callback first: WeCom sends card clicks only there.';

/** The enabled WeCom authenticator `name` with callback settings, `{{$env.X}}` rendered; a LoginError otherwise. */
export async function cardAuthenticator(app: Application, name: unknown): Promise<CardAuthenticator> {
  if (typeof name !== 'string' || !name.trim()) throw new LoginError(reasons.config('authenticator', 'Choose the WeCom authenticator that sends the card.'));
  if (hasVariable(name)) throw new LoginError(reasons.config('authenticator', NAME_IS_VARIABLE));
  const record = await app.db.getRepository('authenticators').findOne({ filter: { name } });
  if (!record || !record.get('enabled')) {
    throw new LoginError(reasons.config('authenticator', 'The WeCom authenticator "{{name}}" does not exist or is disabled.', { name }));
  }
  if (record.get('authType') !== AUTH_TYPE) {
    throw new LoginError(reasons.config('authenticator', 'The authenticator "{{name}}" is not a WeCom authenticator.', { name }));
  }
  const raw = (record.get('options') ?? {}) as Record<string, unknown>;
  if (!raw[CALLBACK_TOKEN] || !raw[CALLBACK_AES_KEY]) throw new LoginError(reasons.config('authenticator', NO_CALLBACK, { name }));
  assertVariablesDefined(raw, app.environment.getVariables());
  return { name, options: parseOptions(app.environment.renderJsonTemplate(raw)) };
}
