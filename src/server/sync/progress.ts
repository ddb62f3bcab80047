// A running pull says how far it is in its task ("Users: 3,500 of 10,000 written."): the message column in the
// language of the admin who started it, and the progress itself in the task's note (task-notes.ts), told to each
// reader in theirs. Both are written as each department is read from WeCom, as each piece of 50 users and each chunk of 500
// is written, and at least every 10 seconds while the pull runs. Only a task still `processing` is touched: the
// pull's end writes the final message.
import { NAMESPACE } from '../../constants';
import type { PullProgress } from './contacts-sync';
import { formatCount, Translate } from './report';

export function describeProgress(progress: PullProgress, t: Translate, locale = 'en-US'): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false }, done: formatCount(progress.done, locale), total: formatCount(progress.total, locale) };
  switch (progress.phase) {
    case 'read':
      return progress.unit === 'members'
        ? t('Reading WeCom: {{done}} of {{total}} members read.', opts)
        : t('Reading WeCom: {{done}} of {{total}} departments read.', opts);
    case 'departments':
      return t('Departments: {{done}} of {{total}} written.', opts);
    case 'users':
      return t('Users: {{done}} of {{total}} written.', opts);
  }
}

/**
 * Writes a pull's progress into its task: every change as it comes, one write at a time (a change arriving while
 * one is written is written next, the latest only), and the current text again every `everyMs` when nothing was
 * written meanwhile (the task's updatedAt shows the pull is alive during a long WeCom read or a slow chunk).
 */
export class TaskProgress {
  private text?: string;
  private latest?: PullProgress;
  private lastWrite = 0;
  private writing = false;
  private pending = false;
  private idle: Promise<void> = Promise.resolve();
  private settle?: () => void;
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly write: (message: string, progress: PullProgress) => Promise<void>,
    private readonly describe: (progress: PullProgress) => string,
    private readonly log: { warn(message: string, meta?: Record<string, unknown>): void },
    private readonly everyMs = 10_000,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite >= this.everyMs - 50) this.flush();
    }, this.everyMs);
    this.timer.unref?.();
    return this;
  }

  readonly update = (progress: PullProgress): void => {
    const text = this.describe(progress);
    if (text === this.text) return;
    this.text = text;
    this.latest = progress;
    this.flush();
  };

  /** Stops the updates; resolves once those under way are written (before the pull's end writes its message). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle;
  }

  private flush() {
    if (!this.text || !this.timer) return;
    if (this.writing) {
      this.pending = true;
      return;
    }
    this.writing = true;
    this.idle = new Promise((resolve) => (this.settle = resolve));
    void this.run();
  }

  private async run() {
    do {
      this.pending = false;
      const text = this.text as string;
      this.lastWrite = Date.now();
      try {
        await this.write(text, this.latest as PullProgress);
      } catch (error) {
        this.log.warn('wecom contacts pull: progress not written', { error: (error as Error)?.message });
      }
    } while (this.pending);
    this.writing = false;
    this.settle?.();
  }
}
