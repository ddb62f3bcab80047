// The callback page (`<public path>wecom/callback?code=&state=`, `<public path>v/wecom/callback` for the
// modern client, with `apps/<name>/` before `wecom/` in a sub-app of the multi-app manager) is the client's index.html, which NocoBase's gateway serves itself: the request never
// reaches the app's koa middlewares. The gateway's request handlers run before it for every request; this
// one adds headers to those routes only and lets the gateway go on (`false`).
import { getModernClientPrefix } from '@nocobase/plugin-auth';
import { Gateway } from '@nocobase/server';
import type { ServerResponse } from 'node:http';
import { CALLBACK_ROUTE } from '../../constants';
import { isCallbackPagePath } from '../../shared/app-path';
import { publicPath } from '../common/public-path';

/** A code and a state are in the URL: no cache may keep the page, no Referer may carry it away. */
function callbackPageHeaders(req: { url?: string }, res: ServerResponse): false {
  const path = (req.url ?? '').split('?')[0].replace(/(.)\/$/, '$1');
  if (isCallbackPagePath(path, publicPath(), CALLBACK_ROUTE, getModernClientPrefix())) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
  return false;
}

/** Apps of this process that use the handler (the main app and sub-apps each load the plugin). */
let users = 0;

/**
 * Installs the handler once per process (the gateway's list is static) for every app that loads the plugin;
 * answers how to let go of it: it is removed when the last app is destroyed.
 */
export function addCallbackPageHeaders(): () => void {
  if (users++ === 0) {
    Gateway.unregisterRequestHandler(callbackPageHeaders);
    Gateway.registerRequestHandler(callbackPageHeaders);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) Gateway.unregisterRequestHandler(callbackPageHeaders);
  };
}
