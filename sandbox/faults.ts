import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './errors';
import { send, sendJson, sleep } from './http';
import type { Fault } from './types';

let huge: string | undefined;
const hugeBody = (): string => (huge ??= JSON.stringify({ errcode: 0, errmsg: 'ok', padding: 'x'.repeat(10 * 1024 * 1024) }));

const BODIES = {
  malformed: ['application/json; charset=UTF-8', () => '{"errcode":0,"errmsg":"ok","access_tok'],
  html: ['text/html; charset=utf-8', () => '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>stgw</center></body></html>'],
  huge: ['application/json; charset=UTF-8', hugeBody],
  empty: ['application/json; charset=UTF-8', () => ''],
} as const;

/** true when the fault answered (or dropped) the request; false to answer normally */
export async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, ip: string): Promise<boolean> {
  if (fault.delayMs && !(await sleep(fault.delayMs, res))) return true;
  if (fault.until) {
    await fault.until.catch(() => undefined);
    if (res.destroyed || res.writableEnded) return true;
  }
  if (fault.hangUp) {
    req.socket.destroy();
    return true;
  }
  const status = fault.status ?? 200;
  if (fault.body) {
    const [contentType, body] = BODIES[fault.body];
    send(res, status, contentType, body());
  } else if (fault.errcode !== undefined) {
    sendJson(res, status, fault.errmsg === undefined ? errorBody(fault.errcode, ip) : { errcode: fault.errcode, errmsg: fault.errmsg });
  } else if (fault.status !== undefined) {
    send(res, status, 'text/plain; charset=utf-8', `HTTP ${status} (injected by the WeCom sandbox)`);
  } else {
    return false;
  }
  return true;
}
