// A small client for the WeCom server API calls a login needs. It knows WeCom, not NocoBase: the token
// store, the lock and the logger are handed in.
import axios, { AxiosInstance } from 'axios';
import { createHash } from 'node:crypto';
import { TOKEN_ERRCODES, WecomApiError } from './errors';

export const DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com';

/** Where the access token lives: NocoBase's cache, so that every instance of a cluster shares it. */
export interface TokenStore {
  get(key: string): Promise<string | undefined | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

/** Runs `fn` while no other holder of `key` (in this process or, with a shared lock, the cluster) does. */
export type Exclusive = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export interface CallLog {
  endpoint: string;
  errcode?: number;
  durationMs: number;
}

export interface WecomCredentials {
  corpId: string;
  agentId: string;
  secret: string;
}

export interface WecomClientOptions {
  apiBaseUrl?: string;
  store: TokenStore;
  exclusive?: Exclusive;
  /** Per call, connection and answer included. */
  timeoutMs?: number;
  /** Largest answer accepted (default 1 MiB); user/list of a big department needs more. */
  maxBodyBytes?: number;
  onCall?: (entry: CallLog) => void;
}

/** getuserinfo [91023]: a member has `userid`; anyone else only `openid`. */
export interface CodeIdentity {
  userid?: string;
  openid?: string;
  external_userid?: string;
  /** Only for an in-client login with snsapi_privateinfo, for a member in the app's visible range. */
  user_ticket?: string;
}

/** getuserdetail [95833]: the sensitive fields the member agreed to share. */
export interface MemberDetail {
  userid: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  avatar?: string;
  gender?: string;
}

/** user/get [90196]: apps created after 2022-06-20 no longer get mobile, email or avatar here. */
export interface Member {
  userid: string;
  name?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  avatar?: string;
}

/** What message/send reports besides success: the recipients it did not reach. */
export interface SendReport {
  msgid?: string;
  invaliduser: string[];
  unlicenseduser: string[];
}

/** message/send's `touser` limit. */
export const MAX_RECIPIENTS = 1000;

interface WecomReply {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

const TOKEN_MARGIN_MS = 5 * 60_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** Single flight per token key inside this process; the `exclusive` lock covers other processes. */
const inflight = new Map<string, Promise<string>>();

export class WecomClient {
  private readonly http: AxiosInstance;
  private readonly tokenKey: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: WecomCredentials,
    private readonly options: WecomClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.http = axios.create({
      baseURL: options.apiBaseUrl || DEFAULT_API_BASE_URL,
      timeout: this.timeoutMs,
      maxContentLength: options.maxBodyBytes ?? MAX_BODY_BYTES,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
    });
    // One token per app: corp + agent + secret (a new secret must not reuse the old token).
    const secretHash = createHash('sha256').update(credentials.secret).digest('hex').slice(0, 16);
    this.tokenKey = `token:${credentials.corpId}:${credentials.agentId}:${secretHash}`;
  }

  /** gettoken [91039]: cached until shortly before `expires_in`, fetched once at a time. */
  async getAccessToken(): Promise<string> {
    const cached = await this.options.store.get(this.tokenKey);
    if (cached) return cached;
    let pending = inflight.get(this.tokenKey);
    if (!pending) {
      pending = this.fetchTokenExclusively().finally(() => inflight.delete(this.tokenKey));
      inflight.set(this.tokenKey, pending);
    }
    return pending;
  }

  /** Asks WeCom for a token without the cache: what a configuration check needs. */
  async fetchFreshToken(): Promise<string> {
    const reply = await this.request('gettoken', 'GET', {
      params: { corpid: this.credentials.corpId, corpsecret: this.credentials.secret },
    });
    const token = reply.access_token;
    if (typeof token !== 'string' || !token) throw malformed('gettoken');
    const expiresIn = typeof reply.expires_in === 'number' ? reply.expires_in : 7200;
    await this.options.store.set(this.tokenKey, token, Math.max(expiresIn * 1000 - TOKEN_MARGIN_MS, 60_000));
    return token;
  }

  /**
   * auth/getuserinfo [91023]. A code is single use: the only retry is after an expired token, which
   * WeCom rejects before it looks at the code.
   */
  async getUserInfo(code: string): Promise<CodeIdentity> {
    const reply = await this.withToken('auth/getuserinfo', 'GET', { params: { code } });
    // The legacy endpoint spelled it `UserId`; accept both.
    const userid = str(reply.userid) ?? str(reply.UserId);
    const openid = str(reply.openid) ?? str(reply.OpenId);
    if (!userid && !openid) throw malformed('auth/getuserinfo');
    return { userid, openid, external_userid: str(reply.external_userid), user_ticket: str(reply.user_ticket) };
  }

  /** auth/getuserdetail [95833]. */
  async getUserDetail(userTicket: string): Promise<MemberDetail> {
    const reply = await this.withToken('auth/getuserdetail', 'POST', { data: { user_ticket: userTicket } });
    const userid = str(reply.userid);
    if (!userid) throw malformed('auth/getuserdetail');
    return {
      userid,
      mobile: str(reply.mobile),
      email: str(reply.email),
      biz_mail: str(reply.biz_mail),
      avatar: str(reply.avatar),
      gender: str(reply.gender),
    };
  }

  /** user/get [90196]. */
  async getMember(userid: string): Promise<Member> {
    const reply = await this.withToken('user/get', 'GET', { params: { userid } });
    return {
      userid: str(reply.userid) ?? userid,
      name: str(reply.name),
      mobile: str(reply.mobile),
      email: str(reply.email),
      biz_mail: str(reply.biz_mail),
      avatar: str(reply.avatar),
    };
  }

  /**
   * message/send [90236] as this app, to at most 1,000 userids. Recipients WeCom cannot reach come back
   * with errcode 0 in `invaliduser` / `unlicenseduser` ("a|b", lowercased); only when none is reachable
   * does it fail (81013). Retried only after a stale token, which WeCom refuses before sending anything.
   */
  async sendMessage(touser: string[], msgtype: string, content: Record<string, unknown>): Promise<SendReport> {
    if (touser.length === 0 || touser.length > MAX_RECIPIENTS) throw new RangeError(`message/send takes 1 to ${MAX_RECIPIENTS} userids`);
    const reply = await this.withToken('message/send', 'POST', {
      data: { touser: touser.join('|'), msgtype, agentid: Number(this.credentials.agentId), [msgtype]: content },
    });
    return { msgid: str(reply.msgid), invaliduser: list(reply.invaliduser), unlicenseduser: list(reply.unlicenseduser) };
  }

  /** Any call that needs the access token (the contacts reader's), with the same token handling. */
  async call(endpoint: string, method: 'GET' | 'POST', init: { params?: Record<string, string>; data?: unknown } = {}): Promise<Record<string, unknown>> {
    return this.withToken(endpoint, method, init);
  }

  /** agent/get: proves that the AgentId belongs to the app the Secret opens. */
  async getAgent(): Promise<{ name?: string }> {
    const reply = await this.withToken('agent/get', 'GET', { params: { agentid: this.credentials.agentId } });
    return { name: str(reply.name) };
  }

  private async fetchTokenExclusively(): Promise<string> {
    const fetchToken = async () => (await this.options.store.get(this.tokenKey)) || this.fetchFreshToken();
    return this.options.exclusive ? this.options.exclusive(this.tokenKey, fetchToken) : fetchToken();
  }

  /**
   * A call that needs the access token. On 40014 / 42001 (or 40001, which outside gettoken also means a
   * token WeCom no longer accepts) the token is dropped, if nobody replaced it meanwhile, and the call
   * is made once more with a new one.
   */
  private async withToken(endpoint: string, method: 'GET' | 'POST', init: RequestInit): Promise<WecomReply> {
    const token = await this.getAccessToken();
    try {
      return await this.request(endpoint, method, withTokenParam(init, token));
    } catch (error) {
      if (!(error instanceof WecomApiError) || !isStaleToken(error.errcode)) throw error;
      if ((await this.options.store.get(this.tokenKey)) === token) await this.options.store.del(this.tokenKey);
      const fresh = await this.getAccessToken();
      return this.request(endpoint, method, withTokenParam(init, fresh));
    }
  }

  private async request(endpoint: string, method: 'GET' | 'POST', init: RequestInit): Promise<WecomReply> {
    const started = Date.now();
    let errcode: number | undefined;
    try {
      const res = await this.http
        // `timeout` only watches an idle socket; the signal bounds the whole exchange.
        .request<string>({ url: `/cgi-bin/${endpoint}`, method, signal: AbortSignal.timeout(this.timeoutMs), ...init })
        .catch((error: unknown) => {
          throw transportError(endpoint, error);
        });
      if (res.status !== 200) throw new WecomApiError({ endpoint, failure: 'http', status: res.status });
      const reply = parseReply(endpoint, res.data);
      errcode = typeof reply.errcode === 'number' ? reply.errcode : 0;
      // WeCom answers HTTP 200 for errors too: the errcode decides, never the errmsg.
      if (errcode !== 0) {
        throw new WecomApiError({ endpoint, failure: 'errcode', errcode, errmsg: str(reply.errmsg) });
      }
      return reply;
    } finally {
      this.options.onCall?.({ endpoint, errcode, durationMs: Date.now() - started });
    }
  }
}

interface RequestInit {
  params?: Record<string, string>;
  data?: unknown;
}

function withTokenParam(init: RequestInit, token: string): RequestInit {
  return { ...init, params: { access_token: token, ...init.params } };
}

function isStaleToken(errcode: number | undefined): boolean {
  return errcode !== undefined && (TOKEN_ERRCODES.has(errcode) || errcode === 40001);
}

function parseReply(endpoint: string, body: unknown): WecomReply {
  if (typeof body !== 'string') throw malformed(endpoint);
  let reply: unknown;
  try {
    reply = JSON.parse(body);
  } catch (error) {
    throw malformed(endpoint, error);
  }
  if (!reply || typeof reply !== 'object' || Array.isArray(reply)) throw malformed(endpoint);
  return reply as WecomReply;
}

/**
 * The transport error without axios' request config: that carries the URL, and with it the secret,
 * the access token or the code.
 */
function transportError(endpoint: string, error: unknown): WecomApiError {
  const { code, message } = error as { code?: string; message?: string };
  const cause = new Error(`${code ?? 'error'}: ${message ?? ''}`);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return new WecomApiError({ endpoint, failure: 'timeout', cause });
  }
  if (/maxContentLength/.test(message ?? '')) return new WecomApiError({ endpoint, failure: 'malformed', cause });
  return new WecomApiError({ endpoint, failure: 'network', cause });
}

function malformed(endpoint: string, cause?: unknown): WecomApiError {
  return new WecomApiError({ endpoint, failure: 'malformed', cause });
}

/** "a|b" (or an array, as some WeCom versions answer) to ['a', 'b']. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' ? value.split('|').filter(Boolean) : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
