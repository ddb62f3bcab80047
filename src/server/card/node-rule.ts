// A `wecom-card` node is saved only with a configuration the card can be sent with: the shared checks of
// src/shared/wecom-card.ts (the forms run the same), and an enabled WeCom authenticator with callback settings.
// A node just added to a workflow has no configuration yet: what it has is checked, the rest when it is filled in.
import type { Context, Next } from '@nocobase/actions';
import { NAMESPACE } from '../../constants';
import { LoginError, localize } from '../common/errors';
import { CARD_INSTRUCTION, cardConfigErrors } from '../../shared/wecom-card';
import { cardAuthenticator } from './authenticator';

type Raw = Record<string, unknown>;

export async function checkCardNodeOnSave(ctx: Context, next: Next) {
  const { resourceName, actionName, params } = ctx.action;
  const creating = resourceName === 'workflows.nodes' && actionName === 'create';
  const updating = resourceName === 'flow_nodes' && actionName === 'update';
  if (!creating && !updating) return next();
  const values = (params.values ?? {}) as Raw;
  if (values.config === undefined) return next();
  let type = values.type;
  if (updating && type === undefined && params.filterByTk !== undefined) {
    type = (await ctx.db.getRepository('flow_nodes').findOne({ filterByTk: params.filterByTk }))?.get('type');
  }
  if (type !== CARD_INSTRUCTION) return next();
  const config = (values.config ?? {}) as Raw;
  const t = (key: string, options?: Record<string, unknown>) => String(ctx.t(key, { ns: NAMESPACE, ...options }));
  let origin: string | undefined;
  if (config.authenticator !== undefined) {
    try {
      origin = (await cardAuthenticator(ctx.app, config.authenticator)).options.origin;
    } catch (error) {
      if (error instanceof LoginError) ctx.throw(400, localize(t, error.reason));
      throw error;
    }
  }
  const errors = cardConfigErrors(config, { origin }).filter((e) => !creating || e.field.split('.')[0] in config);
  if (errors.length) ctx.throw(400, t(errors[0].message, errors[0].values));
  return next();
}
