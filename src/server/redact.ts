// NocoBase's request log writes each action's values into its response line and hides only password
// fields. The WeCom Secret an admin saves or checks is masked there once the action is done.
import { Context, Next } from '@nocobase/actions';
import { RESOURCE } from '../constants';

const MASK = '[redacted]';

export async function redactSecretsInLog(ctx: Context, next: Next) {
  const { resourceName, actionName } = ctx.action;
  const watched =
    (resourceName === 'authenticators' && (actionName === 'create' || actionName === 'update')) ||
    (resourceName === RESOURCE && actionName === 'checkConfig');
  if (!watched) return next();
  try {
    await next();
  } finally {
    const values = ctx.action.params.values as { options?: Record<string, unknown> } | undefined;
    if (values?.options && typeof values.options === 'object' && 'corpSecret' in values.options) {
      ctx.action.params.values = { ...values, options: { ...values.options, corpSecret: MASK } };
    }
  }
}
