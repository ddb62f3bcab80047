// The client bundle is the factory of an AMD module that the NocoBase page loads with requirejs
// (scripts/build.mjs): inside it, `require` is requirejs's local require, which also loads modules
// asynchronously, and `module.uri` is the URL the bundle came from. The build replaces these two
// names with the factory's `require` and `module`.
declare const __AMD_REQUIRE__: (ids: string[], onLoad: (...modules: unknown[]) => void, onError: (error: Error) => void) => void;
declare const __AMD_MODULE__: { uri?: string };

/**
 * Loads a file built next to this bundle, an anonymous AMD module, from the same folder and with the
 * same query (`?hash=`, which changes with every build). requirejs remembers a module that failed to
 * load: another `attempt` asks for it under another id.
 */
export function loadSibling<T>(file: string, attempt = 0): Promise<T> {
  return new Promise((resolve, reject) => {
    const { uri } = __AMD_MODULE__;
    if (!uri) throw new Error(`Cannot load ${file}: this bundle was not loaded by requirejs.`);
    const url = new URL(uri, window.location.href);
    url.pathname = url.pathname.replace(/[^/]*$/, file);
    if (attempt) url.searchParams.set('attempt', String(attempt));
    __AMD_REQUIRE__([url.href], (module) => resolve(module as T), reject);
  });
}

const loads = new Map<string, Promise<unknown>>();
const failures = new Map<string, number>();

/**
 * A sibling file, once per page. requirejs remembers a file that failed to load, so after a failure the
 * next call asks for it again under another id.
 */
export function loadOnDemand<T>(file: string): Promise<T> {
  let load = loads.get(file);
  if (!load) {
    load = loadSibling<T>(file, failures.get(file) ?? 0).catch((error: unknown) => {
      loads.delete(file);
      failures.set(file, (failures.get(file) ?? 0) + 1);
      throw error;
    });
    loads.set(file, load);
  }
  return load as Promise<T>;
}
