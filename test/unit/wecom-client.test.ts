// The WeCom client on its own, against the sandbox over HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, Sandbox, startSandbox } from '../../sandbox';
import { TokenStore, WecomClient } from '../../src/server/wecom/client';
import { WecomApiError } from '../../src/server/wecom/errors';

class MapStore implements TokenStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async set(key: string, value: string) {
    this.values.set(key, value);
  }
  async del(key: string) {
    this.values.delete(key);
  }
}

const CREDENTIALS = { corpId: 'wwdemo0000000001', agentId: '1000002', secret: 'demo-secret-0123456789abcdef' };

async function failure(promise: Promise<unknown>): Promise<WecomApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WecomApiError)) throw new Error(`expected a WecomApiError, got ${String(error)}`);
  return error;
}

describe('WecomClient', () => {
  let sandbox: Sandbox;
  let store: MapStore;
  let client: WecomClient;

  beforeAll(async () => {
    sandbox = await startSandbox(defaultConfig);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox.reset();
    store = new MapStore();
    // A generous timeout: the sandbox answers from this process, which a loaded machine slows down; the
    // timeout itself has its own test.
    client = new WecomClient(CREDENTIALS, { apiBaseUrl: sandbox.url, store, timeoutMs: 20_000 });
  });

  /** A fresh code for zhangsan from the sandbox's QR page, without NocoBase in the way. */
  async function code(): Promise<string> {
    const query = new URLSearchParams({
      login_type: 'CorpApp',
      appid: CREDENTIALS.corpId,
      agentid: CREDENTIALS.agentId,
      redirect_uri: 'http://127.0.0.1:13000/wecom/callback',
      state: 'abc',
      sandbox_member: 'zhangsan',
    });
    const res = await fetch(`${sandbox.url}/wwlogin/sso/login/confirm`, { method: 'POST', body: query, redirect: 'manual' });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  }

  it('fetches one token for 50 concurrent callers and keeps it', async () => {
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    await client.getAccessToken();
    expect(sandbox.stats().calls.gettoken).toBe(1);
    expect([...store.values.keys()]).toEqual([expect.stringMatching(/^token:wwdemo0000000001:1000002:[0-9a-f]{16}$/)]);
    expect([...store.values.keys()][0]).not.toContain(CREDENTIALS.secret);
  });

  it.each([42001, 40014] as const)('refreshes the token once and retries once on %i', async (errcode) => {
    await client.getAccessToken();
    sandbox.expireToken(errcode);
    const identity = await client.getUserInfo(await code());
    expect(identity.userid).toBe('zhangsan');
    expect(sandbox.stats().calls).toMatchObject({ gettoken: 2, 'auth/getuserinfo': 2 });
  });

  it('does not loop when the fresh token is refused too', async () => {
    await client.getAccessToken();
    sandbox.inject({ endpoint: 'auth/getuserinfo', errcode: 42001, times: 5 });
    const error = await failure(client.getUserInfo(await code()));
    expect(error.errcode).toBe(42001);
    expect(sandbox.stats().calls).toMatchObject({ gettoken: 2, 'auth/getuserinfo': 2 });
  });

  it('never retries a code WeCom refused', async () => {
    const used = await code();
    await client.getUserInfo(used);
    const error = await failure(client.getUserInfo(used));
    expect(error).toMatchObject({ endpoint: 'auth/getuserinfo', failure: 'errcode', errcode: 40029 });
    expect(sandbox.stats().calls['auth/getuserinfo']).toBe(2);
  });

  it('fails fast on a rate limit', async () => {
    sandbox.inject({ endpoint: 'gettoken', errcode: 45009 });
    const error = await failure(client.getAccessToken());
    expect(error.errcode).toBe(45009);
    expect(sandbox.stats().calls.gettoken).toBe(1);
    expect(store.values.size).toBe(0);
  });

  it.each([
    ['an HTTP 500', { status: 500 }, 'http'],
    ['an HTML page', { body: 'html' as const }, 'malformed'],
    ['truncated JSON', { body: 'malformed' as const }, 'malformed'],
    ['an empty body', { body: 'empty' as const }, 'malformed'],
    ['a 10 MB body', { body: 'huge' as const }, 'malformed'],
    ['a closed connection', { hangUp: true }, 'network'],
  ])('reports %s as %s', async (_, fault, kind) => {
    sandbox.inject({ endpoint: 'gettoken', ...fault });
    const error = await failure(client.getAccessToken());
    expect(error.failure).toBe(kind);
  });

  it('gives up after its timeout', async () => {
    // 15 s late: the 'timeout' failure before that is the 500 ms timeout at work, however busy the machine.
    sandbox.inject({ endpoint: 'gettoken', delayMs: 15_000 });
    const impatient = new WecomClient(CREDENTIALS, { apiBaseUrl: sandbox.url, store, timeoutMs: 500 });
    const started = Date.now();
    const error = await failure(impatient.getAccessToken());
    expect(error.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports a refused connection', async () => {
    const offline = new WecomClient(CREDENTIALS, { apiBaseUrl: 'http://127.0.0.1:1', store, timeoutMs: 500 });
    expect((await failure(offline.getAccessToken())).failure).toBe('network');
  });

  it('keeps the secret, the token and the code out of its errors', async () => {
    await client.getAccessToken();
    const token = [...store.values.values()][0];
    sandbox.inject({ endpoint: 'auth/getuserinfo', hangUp: true });
    const error = await failure(client.getUserInfo('the-code-123'));
    const text = JSON.stringify({ message: error.message, cause: String(error.cause), stack: error.stack });
    for (const secret of [CREDENTIALS.secret, token, 'the-code-123']) expect(text).not.toContain(secret);
  });
});
