// The sandbox's control endpoints (sandbox/control.ts) from the browser tests, which run in another process than
// the sandbox: a WeCom call held by name until the test releases it.
import { inject } from 'vitest';

async function control(path: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${inject('sandboxUrl')}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status} ${await res.text()}`);
}

/** Changes the sandbox's address book as a WeCom admin would (`deliver: false`: WeCom does not report it). */
export async function changeContacts(change: Record<string, unknown>): Promise<void> {
  await control('contacts/change', change);
}

/**
 * Holds the second next call of `endpoint` (the first one is answered) until release(name): a pull reading
 * departments one by one then shows the others read while it waits.
 */
export async function holdSecondCall(endpoint: string, name: string): Promise<() => Promise<void>> {
  await control('inject', { endpoint, delayMs: 0 });
  await control('inject', { endpoint, hold: name });
  return () => control('release', { hold: name });
}
