// A group robot's webhook (消息推送, formerly 群机器人) [91770]: `POST /cgi-bin/webhook/send?key=KEY`, no access
// token, the key is the credential. It knows WeCom, not NocoBase.
import axios, { AxiosInstance } from 'axios';
import { DEFAULT_API_BASE_URL } from './client';
import { WecomApiError } from './errors';

const ENDPOINT = 'webhook/send';

/** errcodes of a robot that mean "not now": 45009 (20 messages a minute per robot), -1 (system busy). */
export const ROBOT_BUSY = new Set([45009, -1]);

export class RobotWebhook {
  private readonly http: AxiosInstance;

  constructor(
    apiBaseUrl: string = DEFAULT_API_BASE_URL,
    private readonly timeoutMs = 5000,
  ) {
    this.http = axios.create({
      baseURL: apiBaseUrl,
      timeout: timeoutMs,
      maxContentLength: 64 * 1024,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
    });
  }

  /**
   * Sends `body` (`{ msgtype, <msgtype>: {...} }`) to the robot of `key`. WeCom answers HTTP 200 with an
   * errcode for refusals too: anything but errcode 0 throws a WecomApiError (errcode and errmsg kept, never the key).
   */
  async send(key: string, body: Record<string, unknown>): Promise<void> {
    let res;
    try {
      // `timeout` only watches an idle socket; the signal bounds the whole exchange.
      res = await this.http.post<string>(`/cgi-bin/${ENDPOINT}`, body, { params: { key }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      // Not axios' error: it carries the request's URL, and with it the key.
      const { code, message } = error as { code?: string; message?: string };
      const cause = new Error(`${code ?? 'error'}: ${message ?? ''}`);
      const timeout = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
      throw new WecomApiError({ endpoint: ENDPOINT, failure: timeout ? 'timeout' : 'network', cause });
    }
    if (res.status !== 200) throw new WecomApiError({ endpoint: ENDPOINT, failure: 'http', status: res.status });
    let reply: { errcode?: unknown; errmsg?: unknown };
    try {
      reply = JSON.parse(res.data) as typeof reply;
    } catch (error) {
      throw new WecomApiError({ endpoint: ENDPOINT, failure: 'malformed', cause: error });
    }
    const errcode = typeof reply?.errcode === 'number' ? reply.errcode : undefined;
    if (errcode === undefined) throw new WecomApiError({ endpoint: ENDPOINT, failure: 'malformed' });
    if (errcode !== 0) {
      throw new WecomApiError({ endpoint: ENDPOINT, failure: 'errcode', errcode, errmsg: typeof reply.errmsg === 'string' ? reply.errmsg : undefined });
    }
  }
}
