// A `wecom-robot` channel's options: `webhookKey` (write-only; the whole webhook address may be pasted, or a
// `{{$env.X}}` reference given) and an optional WeCom `authenticator` whose links turn users into userids.
import type { Application } from '@nocobase/server';
import { isWebhookKey, webhookKeyOf } from '../../shared/robot-message';
import { ChannelAuthenticator, channelAuthenticator } from '../common/channel-authenticator';
import { LoginError, reasons } from '../common/errors';
import { assertVariablesDefined } from '../common/options';

export interface RobotOptions {
  key: string;
  authenticator?: ChannelAuthenticator;
}

const KEY_LABEL = 'Webhook key';

const noKey = () => new LoginError(reasons.config('webhookKey', "{{field}} is not set: paste the robot's webhook address or its key.", { field: KEY_LABEL }));
const badKey = () =>
  new LoginError(reasons.config('webhookKey', "{{field}} is not valid: paste the robot's webhook address (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...) or its key.", { field: KEY_LABEL }));

/** The key of a stored or entered `webhookKey`, `{{$env.X}}` rendered. */
export function renderKey(app: Application, value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) throw noKey();
  // assertVariablesDefined names the field by its option name; the label reads better.
  try {
    assertVariablesDefined({ webhookKey: value }, app.environment.getVariables());
  } catch (error) {
    if (!(error instanceof LoginError)) throw error;
    throw new LoginError({ ...error.reason, params: { ...error.reason.params, field: KEY_LABEL } });
  }
  const rendered = app.environment.renderJsonTemplate({ webhookKey: value }).webhookKey as unknown;
  const key = webhookKeyOf(rendered);
  if (!key) throw noKey();
  if (!isWebhookKey(key)) throw badKey();
  return key;
}

/** Whether a `webhookKey` written in a form is acceptable as typed (a variable is checked when used). */
export function checkKeyAsWritten(value: unknown): void {
  if (typeof value !== 'string' || /\{\{/.test(value)) return;
  const key = webhookKeyOf(value);
  if (!key) throw noKey();
  if (!isWebhookKey(key)) throw badKey();
}

/** The options of a channel record, ready to send with. */
export async function robotOptions(app: Application, options: unknown): Promise<RobotOptions> {
  const raw = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const key = renderKey(app, raw.webhookKey);
  const chosen = typeof raw.authenticator === 'string' && raw.authenticator.trim() ? raw.authenticator : undefined;
  return { key, authenticator: chosen === undefined ? undefined : await channelAuthenticator(app, chosen) };
}
