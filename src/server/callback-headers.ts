// The callback page (`<public path>wecom/callback?code=&state=`, `<public path>v/wecom/callback` for the
// modern client) is the client's index.html, which NocoBase's gateway serves itself: the request never
// reaches the app's koa middlewares. The gateway's request handlers run before it for every request; this
// one adds headers to those routes only and lets the gateway go on (`false`).
import { Gateway } from '@nocobase/server';
import type { ServerResponse } from 'node:http';
import { callbackPath } from './actions/authorize';

/** A code and a state are in the URL: no cache may keep the page, no Referer may carry it away. */
function callbackPageHeaders(req: { url?: string }, res: ServerResponse): false {
  const path = (req.url ?? '').split('?')[0].replace(/(.)\/$/, '$1');
  if (path === callbackPath('v1') || path === callbackPath('v2')) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
  return false;
}

/** Installs the handler once per process (the gateway's list is static); answers how to remove it. */
export function addCallbackPageHeaders(): () => void {
  Gateway.unregisterRequestHandler(callbackPageHeaders);
  Gateway.registerRequestHandler(callbackPageHeaders);
  return () => Gateway.unregisterRequestHandler(callbackPageHeaders);
}
