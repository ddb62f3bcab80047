// What a person changes in the sandbox, kept across restarts of `npm start`: each corp's members and
// departments, where its change callbacks go, and every inbox. Opt-in (`SandboxOptions.persist`, the CLI's
// `--state FILE`): the tests' sandboxes pass no file and forget everything when closed.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InboxMessage } from './message';
import type { SandboxConfig, SandboxContacts, SandboxDepartment, SandboxMember } from './types';

const VERSION = 1;
/** Changes closer together than this are written once. */
export const SAVE_DELAY_MS = 200;

interface SavedCorp {
  corpId: string;
  members: SandboxMember[];
  departments?: SandboxDepartment[];
  callback?: SandboxContacts['callback'];
}

interface SavedState {
  version: typeof VERSION;
  corps: SavedCorp[];
  inbox: InboxMessage[];
}

/** The file exists but cannot be read back: a person decides (delete it, or start with --reset). */
export class StateFileError extends Error {}

export interface Snapshot {
  config: SandboxConfig;
  inbox: InboxMessage[];
}

function savedState({ config, inbox }: Snapshot): SavedState {
  return {
    version: VERSION,
    corps: config.corps.map((corp) => ({
      corpId: corp.corpId,
      members: corp.members,
      ...(corp.departments ? { departments: corp.departments } : {}),
      ...(corp.contacts?.callback ? { callback: corp.contacts.callback } : {}),
    })),
    inbox,
  };
}

function parse(file: string, text: string): SavedState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(`${file}: not JSON (${(error as Error).message}); delete it or start with --reset`);
  }
  const state = value as Partial<SavedState> | null;
  if (state?.version !== VERSION || !Array.isArray(state.corps) || !Array.isArray(state.inbox)) {
    throw new StateFileError(`${file}: not a sandbox state of version ${VERSION}; delete it or start with --reset`);
  }
  return state as SavedState;
}

export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private written: string | undefined;

  /** `reset`: what the file holds is dropped, and the sandbox starts from its configuration. */
  constructor(
    readonly file: string,
    private readonly snapshot: () => Snapshot,
    reset = false,
  ) {
    if (reset) rmSync(file, { force: true });
  }

  /** Puts the saved address books and callbacks into `config` (corps it no longer has are skipped); answers the saved inbox. */
  load(config: SandboxConfig): InboxMessage[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const state = parse(this.file, text);
    for (const saved of state.corps) {
      const corp = config.corps.find((c) => c.corpId === saved.corpId);
      if (!corp) continue;
      corp.members = saved.members;
      if (saved.departments) corp.departments = saved.departments;
      if (corp.contacts) {
        if (saved.callback) corp.contacts.callback = saved.callback;
        else delete corp.contacts.callback;
      }
    }
    this.written = text;
    return state.inbox;
  }

  /** Something may have changed: written once the changes pause, and only if the state differs from the file. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes now what is pending (on close). */
  flush(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.save();
  }

  private save(): void {
    this.timer = undefined;
    const text = `${JSON.stringify(savedState(this.snapshot()), null, 2)}\n`;
    if (text === this.written) return;
    // Written whole, then renamed over the old file: a crash leaves the old state or the new one, never half.
    // It holds the callback Token and EncodingAESKey: readable by the owner only.
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temporary, text, { mode: 0o600 });
      renameSync(temporary, this.file);
      this.written = text;
    } catch (error) {
      console.warn(`WeCom sandbox: could not save its state to ${this.file}: ${(error as Error).message}`);
    }
  }
}
