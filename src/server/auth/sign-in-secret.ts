// Sub-apps of the multi-app manager and NocoBase's one sign-in secret. Every app of a process signs and checks
// its session tokens (and API keys) with the secret of its AuthManager, which is the main app's
// (`storage/apps/main/jwt_secret.dat`, or APP_KEY) unless the sub-app's options set `authManager.jwt.secret`;
// a token names no app. So a sub-app without a secret of its own accepts every token of the main app, and the
// main app every token of the sub-app, as the user with the same id. This plugin brings sign-in and automatic
// sign-up into sub-apps: the admin is told (the authenticator form, Check configuration).
import { Context, Next } from '@nocobase/actions';
import { Application, AppSupervisor } from '@nocobase/server';
import { storagePathJoin } from '@nocobase/utils';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { NAMESPACE } from '../../constants';

/** The warning (its English text is its locale key). */
export const SHARED_SECRET_WARNING =
  'This sub-app shares its sign-in secret with the main app or another app: a sign-in token or API key of one of them is accepted by the other as the user with the same ID, so a person who signs in here through WeCom can act there. Give this sub-app its own secret: in the main app, Multi-app manager → edit this app → Authentication options → JWT secret (options.authManager.jwt.secret), then restart NocoBase. Everyone signed in to this sub-app will have to sign in again.';

/**
 * Whether `app` is a sub-app that signs its tokens with the same secret as another app of this process (the
 * main app included), or as the main app's default secret when the main app runs elsewhere. Only the answer
 * leaves this function, never the secret.
 */
export function sharesSignInSecret(app: Application): boolean {
  if (app.name === 'main') return false;
  const own = asBuffer(app.authManager.jwt.getSecret());
  if (!own) return false;
  const others: unknown[] = [defaultSecret()];
  for (const [name, other] of Object.entries(AppSupervisor.getInstance().apps)) {
    if (name !== app.name && other?.authManager) others.push(other.authManager.jwt.getSecret());
  }
  return others.some((secret) => {
    const candidate = asBuffer(secret);
    return !!candidate && candidate.length === own.length && timingSafeEqual(candidate, own);
  });
}

/** The warning for this request's app, localized, or undefined when its secret is its own. */
export function sharedSecretWarning(ctx: Context): string | undefined {
  return sharesSignInSecret(ctx.app) ? ctx.t(SHARED_SECRET_WARNING, { ns: NAMESPACE }) : undefined;
}

/** GET /api/wecom:signInSecret → `{ shared, message? }`, for the authenticator forms. Admins only (ACL snippet). */
export async function signInSecret(ctx: Context, next: Next) {
  const message = sharedSecretWarning(ctx);
  ctx.body = message ? { shared: true, message } : { shared: false };
  await next();
}

/**
 * The secret an app without `authManager.jwt.secret` gets (`AuthManager.getDefaultJWTSecret` of
 * @nocobase/auth), read without creating anything: undefined when it does not exist yet.
 */
function defaultSecret(): Buffer | string | undefined {
  const appKey = process.env.APP_KEY;
  if (process.env.UNSAFE_USE_DEFAULT_JWT_SECRET === 'true') return appKey;
  const file = storagePathJoin('apps', 'main', 'jwt_secret.dat');
  if (existsSync(file)) return readFileSync(file);
  return appKey && appKey !== 'your-secret-key' && appKey !== 'test-key' ? appKey : undefined;
}

function asBuffer(secret: unknown): Buffer | undefined {
  if (Buffer.isBuffer(secret)) return secret.length ? secret : undefined;
  return typeof secret === 'string' && secret ? Buffer.from(secret) : undefined;
}
