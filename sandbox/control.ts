import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http';
import type { Fault, Sandbox } from './types';

type Control = Pick<Sandbox, 'stats' | 'reset' | 'inject' | 'expireToken' | 'advanceClock'> & { now(): number };

const FAULT_BODIES = ['malformed', 'html', 'huge', 'empty'];

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = text.trim() ? JSON.parse(text) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('expected a JSON object');
  return value as Record<string, unknown>;
}

/** Calls held by name (`hold` in an injected fault) until `POST /release` names them: per sandbox. */
const holds = new WeakMap<Control, Map<string, () => void>>();

function holdFor(sandbox: Control, name: string): Promise<void> {
  const byName = holds.get(sandbox) ?? new Map<string, () => void>();
  holds.set(sandbox, byName);
  return new Promise<void>((resolve) => byName.set(name, resolve));
}

function toFault(value: Record<string, unknown>, sandbox: Control): Fault {
  const { endpoint, times, errcode, errmsg, status, body, delayMs, hangUp, hold } = value;
  const optional = (v: unknown, type: string): boolean => v === undefined || typeof v === type;
  if (
    typeof endpoint !== 'string' || !optional(times, 'number') || !optional(errcode, 'number') ||
    !optional(errmsg, 'string') || !optional(status, 'number') || !optional(delayMs, 'number') ||
    !optional(hangUp, 'boolean') || !(body === undefined || FAULT_BODIES.includes(body as string)) || !optional(hold, 'string') ||
    // `until` holds a call until a promise of the test settles: in-process only.
    'until' in value
  ) throw new TypeError('invalid fault');
  if (typeof hold === 'string') {
    // From another process: the call waits until the test releases it by name.
    const { hold: _name, ...fault } = value;
    return { ...(fault as unknown as Fault), until: holdFor(sandbox, hold) };
  }
  return value as unknown as Fault;
}

/** /__sandbox/* for tests and tools in other processes */
export async function handleControl(sandbox: Control, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname.slice('/__sandbox'.length)}`;
  if (route === 'GET /stats') return sendJson(res, 200, sandbox.stats());
  if (req.method !== 'POST') return sendJson(res, 404, { ok: false, error: `unknown control ${route}` });
  let body: Record<string, unknown>;
  try {
    body = parseObject(await readBody(req));
  } catch (error) {
    if (!(error instanceof SyntaxError || error instanceof TypeError)) throw error;
    return sendJson(res, 400, { ok: false, error: error.message });
  }
  switch (route) {
    case 'POST /reset':
      sandbox.reset();
      return sendJson(res, 200, { ok: true });
    case 'POST /inject':
      try {
        sandbox.inject(toFault(body, sandbox));
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        return sendJson(res, 400, { ok: false, error: error.message });
      }
      return sendJson(res, 200, { ok: true });
    case 'POST /release': {
      const release = typeof body.hold === 'string' ? holds.get(sandbox)?.get(body.hold) : undefined;
      if (!release) return sendJson(res, 404, { ok: false, error: 'no call is held by that name' });
      holds.get(sandbox)?.delete(body.hold as string);
      release();
      return sendJson(res, 200, { ok: true });
    }
    case 'POST /expire-token': {
      const errcode = body.errcode ?? 42001;
      if (errcode !== 42001 && errcode !== 40014) return sendJson(res, 400, { ok: false, error: 'errcode must be 42001 or 40014' });
      sandbox.expireToken(errcode);
      return sendJson(res, 200, { ok: true });
    }
    case 'POST /clock':
      if (typeof body.advanceMs !== 'number') return sendJson(res, 400, { ok: false, error: 'advanceMs must be a number' });
      sandbox.advanceClock(body.advanceMs);
      return sendJson(res, 200, { ok: true, now: sandbox.now() });
    default:
      return sendJson(res, 404, { ok: false, error: `unknown control ${route}` });
  }
}
