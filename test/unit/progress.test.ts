// A running pull's progress in its task: every change written, one write at a time (the latest wins), again at
// least every `everyMs`, nothing after stop().
import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../src/server/sync/contacts-sync';
import { describeProgress, TaskProgress } from '../../src/server/sync/progress';
import en from '../../src/locale/en-US.json';
import zh from '../../src/locale/zh-CN.json';

const translate = (messages: Record<string, string>) => (key: string, options?: Record<string, unknown>) =>
  (messages[key] ?? key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options?.[name] ?? ''));
const quiet = { warn: () => undefined };
const users = (done: number, total: number): PullProgress => ({ phase: 'users', done, total });

describe('pull progress', () => {
  it('says how far the pull is, with thousands grouped, in the language asked for', () => {
    expect(describeProgress(users(3500, 10000), translate(en))).toBe('Users: 3,500 of 10,000 written.');
    expect(describeProgress({ phase: 'departments', done: 2, total: 4 }, translate(en))).toBe('Departments: 2 of 4 written.');
    expect(describeProgress({ phase: 'read', done: 1, total: 3, unit: 'departments' }, translate(en))).toBe('Reading WeCom: 1 of 3 departments read.');
    expect(describeProgress({ phase: 'read', done: 12, total: 1200, unit: 'members' }, translate(en))).toBe('Reading WeCom: 12 of 1,200 members read.');
    expect(describeProgress(users(3500, 10000), translate(zh))).toBe('用户：已写入 10,000 名中的 3,500 名。');
  });

  it('writes each change, one write at a time: a change that comes while one is written is written next, the latest only', async () => {
    const written: string[] = [];
    let release!: () => void;
    let first = true;
    const write = async (message: string) => {
      written.push(message);
      if (first) {
        first = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
    };
    const progress = new TaskProgress(write, (p) => describeProgress(p, translate(en)), quiet).start();
    progress.update(users(50, 600));
    progress.update(users(100, 600));
    progress.update(users(150, 600));
    expect(written).toEqual(['Users: 50 of 600 written.']);
    release();
    await progress.stop();
    expect(written).toEqual(['Users: 50 of 600 written.', 'Users: 150 of 600 written.']);
  });

  it('writes the current text again at least every everyMs while nothing changes', async () => {
    const written: string[] = [];
    const progress = new TaskProgress(async (m) => void written.push(m), (p) => describeProgress(p, translate(en)), quiet, 100).start();
    progress.update(users(500, 600));
    await expect.poll(() => written.length, { timeout: 5_000, interval: 20 }).toBeGreaterThanOrEqual(3);
    await progress.stop();
    expect(new Set(written)).toEqual(new Set(['Users: 500 of 600 written.']));
  });

  it('writes nothing after stop(), and stop() waits for the write under way', async () => {
    const written: string[] = [];
    let done = false;
    const progress = new TaskProgress(
      async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        written.push(m);
        done = true;
      },
      (p) => describeProgress(p, translate(en)),
      quiet,
    ).start();
    progress.update(users(1, 2));
    await progress.stop();
    expect(done).toBe(true);
    progress.update(users(2, 2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(written).toEqual(['Users: 1 of 2 written.']);
  });

  it('a failed write is logged, not thrown, and the next change is written', async () => {
    const written: string[] = [];
    const warnings: string[] = [];
    let fail = true;
    const progress = new TaskProgress(
      async (m) => {
        if (fail) {
          fail = false;
          throw new Error('database is locked');
        }
        written.push(m);
      },
      (p) => describeProgress(p, translate(en)),
      { warn: (message) => void warnings.push(message) },
    ).start();
    progress.update(users(1, 3));
    await progress.stop();
    const again = new TaskProgress(async (m) => void written.push(m), (p) => describeProgress(p, translate(en)), quiet).start();
    again.update(users(2, 3));
    await again.stop();
    expect(warnings).toEqual(['wecom contacts pull: progress not written']);
    expect(written).toEqual(['Users: 2 of 3 written.']);
  });
});
