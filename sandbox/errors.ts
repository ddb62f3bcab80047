import { randomBytes } from 'node:crypto';

const MESSAGES: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40008: 'invalid message type',
  40029: 'invalid code',
  40031: 'invalid user list',
  40056: 'invalid agentid',
  40058: 'invalid parameter',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing oauth code',
  41011: 'missing agentid',
  41016: 'missing title',
  42001: 'access_token expired',
  43002: 'require POST method',
  44004: 'empty content',
  45002: 'content size out of limit',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  46004: 'user no exist',
  47001: 'data format error',
  48002: 'api forbidden',
  48009: 'api forbidden for contacts assistant from this ip',
  50001: 'redirect_url domain unmatched',
  50002: 'unauthorized user, user out of app visible range',
  60011: 'no privilege to access/modify contact/party/agent',
  60003: 'department not found',
  60020: 'not allow to access from your ip',
  60111: 'userid not found',
  81013: 'user & party & tag all invalid',
  82001: 'all touser & toparty & totag invalid',
  301002: 'not allow to operate another agent',
  93000: 'invalid webhook url',
  93004: 'robot is disabled',
  93008: 'robot is not in the chat',
};

export class WeComError extends Error {
  constructor(readonly errcode: number, readonly text?: string) {
    super(text ?? MESSAGES[errcode] ?? 'sandbox error');
  }
}

/** WeCom's errmsg: text, a hint, the caller's IP and a link, e.g. "invalid code, hint: [1700000000_12_ab12], from ip: 127.0.0.1, more info at ..." */
export function errmsg(errcode: number, ip: string, text?: string): string {
  const hint = `${Math.floor(Date.now() / 1000)}_${randomBytes(1)[0] % 100}_${randomBytes(16).toString('hex')}`;
  const base = text ?? MESSAGES[errcode] ?? 'sandbox error';
  return `${base}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

export function errorBody(errcode: number, ip: string, text?: string): { errcode: number; errmsg: string } {
  return { errcode, errmsg: errmsg(errcode, ip, text) };
}
