/** How a call to WeCom failed: WeCom answered an errcode, or the exchange itself broke. */
export type WecomFailure = 'errcode' | 'http' | 'timeout' | 'network' | 'malformed';

/** What WeCom (or the way to it) said, untranslated. The auth layer turns it into what a person reads. */
export class WecomApiError extends Error {
  readonly endpoint: string;
  readonly failure: WecomFailure;
  readonly errcode?: number;
  readonly errmsg?: string;
  readonly status?: number;

  constructor(init: { endpoint: string; failure: WecomFailure; errcode?: number; errmsg?: string; status?: number; cause?: unknown }) {
    const detail = init.failure === 'errcode' ? `errcode ${init.errcode}: ${init.errmsg ?? ''}` : init.failure;
    super(`WeCom ${init.endpoint} failed (${detail})`, { cause: init.cause });
    this.name = 'WecomApiError';
    this.endpoint = init.endpoint;
    this.failure = init.failure;
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.status = init.status;
  }

  /** The server address WeCom saw, from an errmsg like "..., from ip: 1.2.3.4, more info at ...". */
  get fromIp(): string | undefined {
    return /from ip: ?([0-9a-fA-F.:]+)/.exec(this.errmsg ?? '')?.[1];
  }
}

/** errcodes that mean the access token is no longer good: drop it, fetch a new one, retry once. */
export const TOKEN_ERRCODES = new Set([40014, 42001]);
