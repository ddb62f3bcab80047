// The WeCom authenticator a card node sends as: its app (Company ID, AgentId, Secret), its Origin, and its
// receive-message callback, without which WeCom does not deliver the card's clicks.
import type { Application } from '@nocobase/server';
import { LoginError, reasons } from '../common/errors';
import { ChannelAuthenticator, wecomAuthenticator } from '../common/channel-authenticator';
import { CALLBACK_AES_KEY, CALLBACK_TOKEN } from '../../shared/wecom-card';

export type CardAuthenticator = ChannelAuthenticator;

export const NO_CALLBACK = 'The WeCom authenticator "{{name}}" has no callback Token and EncodingAESKey. Set its API receive-message callback first: WeCom sends card clicks only there.';

/** A card's clicks arrive only at the authenticator's receive-message callback, so it must be set. */
function assertCallbackSet(raw: Record<string, unknown>, name: string): void {
  if (!raw[CALLBACK_TOKEN] || !raw[CALLBACK_AES_KEY]) throw new LoginError(reasons.config('authenticator', NO_CALLBACK, { name }));
}

/** The enabled WeCom authenticator `name` with callback settings, `{{$env.X}}` rendered; a LoginError otherwise. */
export function cardAuthenticator(app: Application, name: unknown): Promise<CardAuthenticator> {
  return wecomAuthenticator(app, name, { choose: 'Choose the WeCom authenticator that sends the card.', check: assertCallbackSet });
}
