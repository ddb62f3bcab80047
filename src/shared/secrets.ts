// Write-only options (docs/architecture.md, "Write-only secrets"): shared by the server, which hides them,
// and both clients, which show that one is saved.

/** Added to `options` by every read of a record holding secrets: the write-only paths that have a value. */
export const SAVED_SECRETS = 'savedSecrets';

/**
 * Sent in `options` by a write that removes saved secrets: the write-only paths to clear (an empty value keeps
 * the saved one). Honoured on save, never stored. A new value sent for the same path wins over its removal.
 */
export const REMOVE_SECRETS = 'removeSecrets';

/** `{{$env.NAME}}` alone: a reference to NocoBase's "Variables and secrets", not a secret itself. */
export function isEnvReference(value: unknown): value is string {
  return typeof value === 'string' && /^\s*\{\{\s*\$env\.[A-Za-z0-9_]+\s*\}\}\s*$/.test(value);
}

/** The variable name of a `{{$env.NAME}}` reference. */
export function envReferenceName(value: string): string {
  return /\$env\.([A-Za-z0-9_]+)/.exec(value)![1];
}

/** Whether a read `options` says a secret is saved at `path`. */
export function hasSavedSecret(options: unknown, path: string): boolean {
  const saved = (options as Record<string, unknown> | null | undefined)?.[SAVED_SECRETS];
  return Array.isArray(saved) && saved.includes(path);
}
