// A person with a browser, over plain HTTP: starts a WeCom login on the app, goes through the sandbox's
// pages as a click would, and posts the callback to auth:signIn as the client's callback page does.
export const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
export const WECOM_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh';

export interface Callback {
  url: URL;
  code: string | null;
  state: string | null;
}

class CookieJar {
  private cookies = new Map<string, string>();

  store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string) {
    this.cookies.set(name, value);
  }
}

export class WecomUser {
  readonly app = new CookieJar();
  readonly sandbox = new CookieJar();

  constructor(
    readonly appUrl: string,
    readonly userAgent = DESKTOP_UA,
    /** A sub-app of multi-app-manager: the start URL names it in its path, API calls carry X-App. */
    readonly subApp?: string,
  ) {}

  /** GET the start URL; answers the raw 302. */
  async start(query: Record<string, string>): Promise<Response> {
    const api = this.subApp ? `/api/__app/${this.subApp}/` : '/api/';
    const res = await fetch(`${this.appUrl}${api}wecom:authorize?${new URLSearchParams(query)}`, {
      redirect: 'manual',
      headers: { 'user-agent': this.userAgent, cookie: this.app.header() },
    });
    this.app.store(res);
    return res;
  }

  /** Start, then "scan the QR code" on the sandbox's web login page as `userid`. */
  async qrLogin(authenticator: string, userid: string, query: Record<string, string> = {}): Promise<Callback> {
    const wecom = await this.startedAt({ authenticator, ...query });
    const form = new URLSearchParams(wecom.searchParams);
    form.set('sandbox_member', userid);
    return this.callback(await this.post(`${wecom.origin}/wwlogin/sso/login/confirm`, form));
  }

  /** Start in the WeCom client as `userid`; `allow` answers the consent screen if one is shown. */
  async inClientLogin(authenticator: string, userid: string, query: Record<string, string> = {}, action: 'allow' | 'deny' = 'allow'): Promise<Callback> {
    const wecom = await this.startedAt({ authenticator, ...query });
    const select = new URLSearchParams(wecom.searchParams);
    select.set('sandbox_member', userid);
    const selected = await this.post(`${wecom.origin}/connect/oauth2/authorize/select`, select);
    const page = await this.get(new URL(selected.headers.get('location')!, wecom.origin).href);
    if (page.status === 302) return this.callback(page);
    const confirm = new URLSearchParams(wecom.searchParams);
    confirm.set('sandbox_action', action);
    return this.callback(await this.post(`${wecom.origin}/connect/oauth2/authorize/confirm`, confirm));
  }

  /** What the callback page does: auth:signIn with the code and state, from this browser. */
  async signIn(authenticator: string, body: unknown): Promise<Response> {
    const res = await fetch(`${this.appUrl}/api/auth:signIn`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-authenticator': authenticator,
        'x-locale': 'en-US',
        ...(this.subApp ? { 'x-app': this.subApp } : {}),
        origin: this.appUrl,
        cookie: this.app.header(),
        'user-agent': this.userAgent,
      },
      body: JSON.stringify(body),
    });
    this.app.store(res);
    return res;
  }

  /** The whole QR login, signed in at the end (or the error answer). */
  async signInWithQr(authenticator: string, userid: string, query: Record<string, string> = {}): Promise<Response> {
    const { code, state } = await this.qrLogin(authenticator, userid, query);
    return this.signIn(authenticator, { code, state });
  }

  async signInInClient(authenticator: string, userid: string, query: Record<string, string> = {}): Promise<Response> {
    const { code, state } = await this.inClientLogin(authenticator, userid, query);
    return this.signIn(authenticator, { code, state });
  }

  private async startedAt(query: Record<string, string>): Promise<URL> {
    const res = await this.start(query);
    if (res.status !== 302) throw new Error(`start answered ${res.status}`);
    return new URL(res.headers.get('location')!);
  }

  private async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.sandbox.header(), 'user-agent': this.userAgent } });
    this.sandbox.store(res);
    return res;
  }

  private async post(url: string, form: URLSearchParams): Promise<Response> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.sandbox.header(), 'user-agent': this.userAgent },
    });
    this.sandbox.store(res);
    return res;
  }

  private callback(res: Response): Callback {
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`WeCom page answered ${res.status} instead of returning to the app`);
    const url = new URL(location);
    return { url, code: url.searchParams.get('code'), state: url.searchParams.get('state') };
  }
}
