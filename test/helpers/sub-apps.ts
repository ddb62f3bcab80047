// Sub-apps of the multi-app manager, as the integration and the browser tests start them.

/**
 * Waits until sub-app `app` answers a real call through the path a navigation uses (the gateway answers 503
 * while it installs and starts it).
 */
export async function untilSubAppRunning(url: string, app: string, deadlineMs = 600_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < until) {
    const res = await fetch(`${url}/api/__app/${app}/authenticators:publicList`).catch((error: Error) => ({ status: 0, text: async () => error.message }));
    if (res.status === 200) return;
    last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    if (last.includes('APP_ERROR')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`sub-app ${app} did not start: ${last}`);
}
