import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi, type Context } from './api';
import { defaultConfig } from './config';
import { handleControl } from './control';
import { change, handleContactsControl, verifyUrl } from './contacts-events';
import { sendJson } from './http';
import { handleInbox } from './message';
import { handleCards } from './cards';
import { handleGroups } from './robot';
import { handlePage } from './pages';
import { StateFile } from './persist';
import { SandboxState } from './state';
import type { Sandbox, SandboxConfig, SandboxOptions } from './types';

export { defaultConfig, loadConfig, trusting } from './config';
export { StateFileError } from './persist';
export type * from './types';

/** The environment that points the plugin's WeCom calls and pages at the sandbox at `url`. */
export function sandboxEnv(url: string): Record<'WECOM_API_BASE_URL' | 'WECOM_OAUTH_BASE_URL' | 'WECOM_LOGIN_BASE_URL', string> {
  return { WECOM_API_BASE_URL: url, WECOM_OAUTH_BASE_URL: url, WECOM_LOGIN_BASE_URL: url };
}

export async function startSandbox(config: SandboxConfig = defaultConfig, options: SandboxOptions = {}): Promise<Sandbox> {
  const state = new SandboxState();
  const ctx: Context = { config: structuredClone(config), state };
  const stateFile = options.persist && new StateFile(options.persist.file, () => ({ config: ctx.config, inbox: state.inbox.all() }), options.persist.reset);
  for (const message of stateFile?.load(ctx.config) ?? []) state.inbox.deliver(message);
  const touch = (): void => stateFile?.touch();

  const control: Omit<Sandbox, 'url' | 'config' | 'close'> = {
    stats: () => state.stats(),
    reset: () => {
      state.reset();
      touch();
    },
    inject: (fault) => state.inject(fault),
    expireToken: (errcode = 42001) => state.revokeTokens(errcode),
    advanceClock: (ms) => state.advanceClock(ms),
    changeContact: (event, options) => change(ctx, event, options).finally(touch),
    verifyContactsCallback: (corpId, options) => {
      const corp = corpId ? ctx.config.corps.find((c) => c.corpId === corpId) : ctx.config.corps[0];
      if (!corp) throw new Error(`no corp ${corpId}`);
      return verifyUrl(ctx, corp, options);
    },
    inbox: (userid) => state.inbox.of(userid),
    groupMessages: (group) => state.robots.of(group),
  };
  const remote = { ...control, now: () => state.now() };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/cgi-bin/')) return handleApi(ctx, req, res, url);
    if (await handleCards(ctx, req, res, url)) return;
    if (handleInbox(ctx, req, res, url)) return;
    if (handleGroups(ctx, req, res, url)) return;
    if (await handleContactsControl(ctx, req, res, url)) return;
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(remote, req, res, url);
    if (await handlePage(ctx, req, res, url)) return;
    sendJson(res, 404, { errcode: 404, errmsg: `not found: ${req.method} ${url.pathname}` });
  }

  const server = createServer((req, res) => {
    // Any request may change what is kept (an address-book change, a callback URL, a message): the state
    // file compares before it writes.
    route(req, res).finally(touch).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      sendJson(res, 500, { errcode: -1, errmsg: `sandbox failure: ${error instanceof Error ? error.message : String(error)}` });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    config: ctx.config,
    ...control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(() => stateFile?.flush()),
  };
}
