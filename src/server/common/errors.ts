// The one place where what went wrong becomes what a person is told: a code the client can act on, an
// HTTP status, and a message (an English locale key with parameters) translated for the request.
import { NAMESPACE } from '../../constants';
import { WecomApiError } from '../wecom/errors';

export type LoginErrorCode =
  | 'WECOM_BAD_REQUEST'
  | 'WECOM_STATE_INVALID'
  | 'WECOM_CODE_INVALID'
  | 'WECOM_CONSENT_REQUIRED'
  | 'WECOM_NOT_MEMBER'
  | 'WECOM_NOT_VISIBLE'
  | 'WECOM_NOT_LINKED'
  | 'WECOM_NO_MOBILE'
  | 'WECOM_NO_MATCH'
  | 'WECOM_PHONE_AMBIGUOUS'
  | 'WECOM_ALREADY_LINKED'
  /** The member's mobile number or link leads to a user with the root role, who never signs in with WeCom. */
  | 'WECOM_ROOT_USER'
  | 'WECOM_CONFIG'
  | 'WECOM_UNAVAILABLE'
  /** Too many sign-ins started from one client (the start URL's 429 page). */
  | 'WECOM_RATE_LIMITED'
  /** Notification channel: a message or its recipients that WeCom would refuse; nothing was sent. */
  | 'WECOM_MESSAGE_INVALID';

export interface Reason {
  code: LoginErrorCode;
  status: number;
  /** English text, also the locale key in namespace auth-wecom. */
  message: string;
  params?: Record<string, string | number>;
  /** The option at fault, for configuration problems. */
  field?: string;
}

/** An expected failure of a login or a check, carried up to where it is translated and answered. */
export class LoginError extends Error {
  readonly reason: Reason;

  constructor(reason: Reason, options?: { cause?: unknown }) {
    super(reason.message, options);
    this.name = 'LoginError';
    this.reason = reason;
  }
}

export const reasons = {
  badRequest: (): Reason => ({
    code: 'WECOM_BAD_REQUEST',
    status: 400,
    message: 'The sign-in request is not valid. Please start the WeCom sign-in again.',
  }),
  unknownAuthenticator: (): Reason => ({
    code: 'WECOM_BAD_REQUEST',
    status: 400,
    message: 'This WeCom sign-in method does not exist or is disabled.',
  }),
  stateInvalid: (): Reason => ({
    code: 'WECOM_STATE_INVALID',
    status: 400,
    message: 'This sign-in has expired, was already used, or was started in another browser. Please start the WeCom sign-in again.',
  }),
  consentRequired: (): Reason => ({
    code: 'WECOM_CONSENT_REQUIRED',
    status: 401,
    message: 'Your first WeCom sign-in needs your consent to share your mobile number.',
  }),
  notLinked: (): Reason => ({
    code: 'WECOM_NOT_LINKED',
    status: 401,
    message:
      'Your WeCom account is not linked to a user yet. Open this app once from the WeCom workbench (inside the WeCom client) to link it, then sign in again.',
  }),
  noMobile: (): Reason => ({
    code: 'WECOM_NO_MOBILE',
    status: 401,
    message:
      'WeCom did not share your mobile number, so your account cannot be linked. Allow access to your mobile number when WeCom asks, or ask your administrator to enable it for this app.',
  }),
  noMatch: (): Reason => ({
    code: 'WECOM_NO_MATCH',
    status: 401,
    message: 'No user has the mobile number of your WeCom account. Ask your administrator to add your mobile number to your user.',
  }),
  phoneAmbiguous: (): Reason => ({
    code: 'WECOM_PHONE_AMBIGUOUS',
    status: 409,
    message: 'Several users have the mobile number of your WeCom account. Ask your administrator to resolve the duplicate.',
  }),
  alreadyLinked: (): Reason => ({
    code: 'WECOM_ALREADY_LINKED',
    status: 409,
    message: 'The user with your mobile number is already linked to another WeCom account. Ask your administrator for help.',
  }),
  rootByPhone: (): Reason => ({
    code: 'WECOM_ROOT_USER',
    status: 403,
    message:
      'Your mobile number in WeCom belongs to a NocoBase root user. Root users sign in with their password only, never with WeCom. Ask your administrator to give that root user another mobile number (or none), or sign in with the password.',
  }),
  rootLinked: (): Reason => ({
    code: 'WECOM_ROOT_USER',
    status: 403,
    message:
      'Your WeCom account is linked to a NocoBase root user. Root users sign in with their password only, never with WeCom. Sign in with the password, or ask your administrator to link your WeCom account to a user without the root role.',
  }),
  notMember: (): Reason => ({
    code: 'WECOM_NOT_MEMBER',
    status: 403,
    message: 'Only members of the organization can sign in with WeCom.',
  }),
  storeUnavailable: (): Reason => ({
    code: 'WECOM_UNAVAILABLE',
    status: 503,
    message: 'Sign-in is temporarily unavailable because the session store cannot be reached. Please try again in a moment.',
  }),
  databaseBusy: (): Reason => ({
    code: 'WECOM_UNAVAILABLE',
    status: 503,
    message: 'NocoBase was busy writing other changes (a contacts sync, for example), so nothing was saved. Please start the WeCom sign-in again in a moment.',
  }),
  tooManyStarts: (seconds: number): Reason => ({
    code: 'WECOM_RATE_LIMITED',
    status: 429,
    message: 'Too many WeCom sign-ins were started from your network. Please wait {{seconds}} seconds, then try again.',
    params: { seconds },
  }),
  config: (field: string, message: string, params?: Record<string, string | number>): Reason => ({
    code: 'WECOM_CONFIG',
    status: 502,
    message,
    params,
    field,
  }),
};

/**
 * What a WeCom failure means for the person in front of the screen (errcodes: shared/wecom-facts.md).
 * `origin` names the domain to trust for 50001.
 */
export function reasonFromWecom(error: WecomApiError, context: { origin?: string } = {}): Reason {
  if (error.failure !== 'errcode') {
    const message =
      error.failure === 'timeout'
        ? 'WeCom did not answer in time. Please try again.'
        : 'WeCom could not be reached or answered something unexpected. Please try again later.';
    return { code: 'WECOM_UNAVAILABLE', status: error.failure === 'timeout' ? 504 : 502, message };
  }
  switch (error.errcode) {
    case 40013:
      return reasons.config('corpId', 'The Company ID is not valid. Check the Company ID in the WeCom authenticator settings.');
    case 40001:
    case 40091:
      return reasons.config('corpSecret', 'The Secret is not valid for this Company ID. Copy the Secret of the app again into the authenticator settings.');
    case 40056:
    case 41011:
    case 301002:
      return reasons.config('agentId', 'The AgentId is not valid for this Secret. Check the AgentId in the authenticator settings.');
    case 48002:
      return reasons.config('corpSecret', 'WeCom refused the call: the Secret is not the app\'s Secret, or the app lacks the permission.');
    case 60020:
      return reasons.config('corpId', 'This server\'s IP address {{ip}} is not in the app\'s Corporate Trusted IP list. Add it in the WeCom admin console.', {
        ip: error.fromIp ?? '?',
      });
    case 50001:
      return reasons.config('origin', 'The domain {{domain}} is not a trusted domain of the WeCom app. Add it in the WeCom admin console.', {
        domain: hostOf(context.origin),
      });
    case 80001:
      return reasons.config('origin', 'The trusted domain of the WeCom app is not verified yet. Finish its verification in the WeCom admin console.');
    case 40029:
      return { code: 'WECOM_CODE_INVALID', status: 401, message: 'The WeCom sign-in code is invalid or has expired. Please sign in again.' };
    case 50002:
    case 60011:
    case 60021:
      return {
        code: 'WECOM_NOT_VISIBLE',
        status: 403,
        message: 'You are not in the visible range of this WeCom app. Ask your administrator to add you to the app.',
      };
    case 60111:
      return { code: 'WECOM_NOT_MEMBER', status: 403, message: 'WeCom does not know this member any more.' };
    case 81013:
    case 82001:
      return {
        code: 'WECOM_NOT_VISIBLE',
        status: 403,
        message: 'None of the recipients can receive messages from this WeCom app: they are not members, or not in the app\'s visible range.',
      };
    case 40008:
    case 44004:
    case 45002:
      return { code: 'WECOM_MESSAGE_INVALID', status: 400, message: 'WeCom refused the message as empty, too long or of an unknown type (error {{errcode}}).', params: { errcode: error.errcode } };
    case -1:
    case 45009:
    case 45033:
      return { code: 'WECOM_UNAVAILABLE', status: 503, message: 'WeCom is busy. Please try again in a minute.' };
    default:
      return {
        code: 'WECOM_UNAVAILABLE',
        status: 502,
        message: 'WeCom refused the request (error {{errcode}}). Please try again later or contact your administrator.',
        params: { errcode: error.errcode ?? '?' },
      };
  }
}

function hostOf(origin?: string): string {
  try {
    return origin ? new URL(origin).host : '?';
  } catch (error) {
    return '?'; // options are validated before any call; this only guards the message
  }
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The reason's message in the request's language; a `field` parameter is a label and is translated too. */
export function localize(t: Translate, reason: Reason): string {
  const params: Record<string, unknown> = { ...reason.params };
  if (typeof params.field === 'string') params.field = t(params.field, { ns: NAMESPACE });
  return t(reason.message, { ns: NAMESPACE, ...params });
}

/**
 * Whether `error` is the database refusing a write because another one holds it: SQLite has one writer at a time
 * (Sequelize gives its SQLITE_BUSY as a TimeoutError), e.g. while a contacts sync writes a batch of members.
 */
export function isDatabaseBusy(error: unknown): boolean {
  const e = error as { name?: unknown; parent?: { code?: unknown }; original?: { code?: unknown } } | null;
  return e?.name === 'SequelizeTimeoutError' || e?.parent?.code === 'SQLITE_BUSY' || e?.original?.code === 'SQLITE_BUSY';
}
