// A pull's task told in the reader's words and language: what was read, what became of users and departments,
// who was left out and what to do about it; counts in the reader's number format, nothing cut.
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { NAMESPACE } from '../../src/constants';
import en from '../../src/locale/en-US.json';
import ja from '../../src/locale/ja-JP.json';
import zh from '../../src/locale/zh-CN.json';
import { SyncConfigError } from '../../src/server/sync/options';
import { describeReport, emptyReport, failurePhrase, renderPhrase, SyncReport } from '../../src/server/sync/report';
import { renderTaskNote } from '../../src/server/sync/task-notes';

const i18n = i18next.createInstance();
void i18n.init({
  resources: { 'en-US': { [NAMESPACE]: en }, 'zh-CN': { [NAMESPACE]: zh }, 'ja-JP': { [NAMESPACE]: ja } },
  fallbackLng: 'en-US',
  keySeparator: false,
  nsSeparator: false,
  initImmediate: false,
});
const reader = (lng: string) => ({ t: (key: string, options?: Record<string, unknown>) => String(i18n.t(key, { ...options, lng })), locale: lng });

function firstPull(): SyncReport {
  const report = emptyReport('A-contacts');
  report.read = { members: 4, departments: 3 };
  report.users = { written: 4, created: 4, linked: 0, updated: 0, unchanged: 0, removed: 0, unlinked: 0 };
  report.departments = { written: 3, created: 3, updated: 0, unchanged: 0, removed: 0 };
  return report;
}

const describe_ = (report: SyncReport, lng: string) => {
  const { t, locale } = reader(lng);
  return describeReport(report, t, locale);
};

describe('task messages', () => {
  it('say what a first pull did, in each language', () => {
    expect(describe_(firstPull(), 'en-US')).toBe('Read 4 members in 3 departments from WeCom. Users: 4 created. Departments: 3 created.');
    expect(describe_(firstPull(), 'zh-CN')).toBe('从企业微信读取了 3 个部门中的 4 名成员。用户：新建 4。部门：新建 3。');
    expect(describe_(firstPull(), 'ja-JP')).toBe('WeCom から 3 部署の 4 人のメンバーを読み取りました。ユーザー：作成 4。部署：作成 3。');
  });

  it('use the singular in English, and the reader’s grouping of thousands', () => {
    const report = firstPull();
    report.read = { members: 1, departments: 12000 };
    report.users = { written: 10500, created: 10000, linked: 1, updated: 499, unchanged: 3500, removed: 2, unlinked: 0 };
    expect(describe_(report, 'en-US')).toBe(
      'Read 1 member in 12,000 departments from WeCom. Users: 10,000 created, 1 linked to existing users, 499 updated, 3,500 unchanged, 2 removed. Departments: 3 created.',
    );
    // German groups thousands with a dot (a locale without messages of this plugin reads English).
    expect(describe_(report, 'de-DE')).toContain('Users: 10.000 created');
  });

  it('say "none" when nothing was done, and what a member who left kept', () => {
    const report = emptyReport('A-contacts');
    report.read = { members: 0, departments: 1 };
    report.users = { written: 0, created: 0, linked: 0, updated: 0, unchanged: 0, removed: 0, unlinked: 2 };
    report.departments = { written: 0, created: 0, updated: 0, unchanged: 1, removed: 0 };
    expect(describe_(report, 'en-US')).toBe(
      'Read 0 members in 1 department from WeCom. Users: 2 unlinked. Departments: 1 unchanged. 2 members who left WeCom kept their user, which the sync did not create: only their WeCom link was removed.',
    );
    report.users.unlinked = 0;
    expect(describe_(report, 'zh-CN')).toBe('从企业微信读取了 1 个部门中的 0 名成员。用户：无。部门：未变 1。');
  });

  it('say which members were left out, why, and what to do, every one of them (nothing cut)', () => {
    const report = firstPull();
    for (let i = 0; i < 40; i += 1) report.skipped.push({ userid: `member${String(i).padStart(2, '0')}`, reason: 'email-only', userId: 100 + i, user: `user${i} (#${100 + i})` });
    report.skipped.push({ userid: 'zhangsan', reason: 'root', userId: 1, user: 'nocobase (#1)' });
    report.skipped.push({ userid: 'twin', reason: 'phone-ambiguous' });
    const text = describe_(report, 'en-US');
    expect(text.length).toBeGreaterThan(1000);
    expect(text).toContain(
      '40 members not linked: only an email matches a user, and an email proves nothing. They link on their first sign-in inside WeCom (WeCom vouches for their mobile number there), or give the user the mobile number the member has in WeCom and sync again: member00 → user0 (#100), member01 → user1 (#101),',
    );
    expect(text).toContain('member39 → user39 (#139).');
    expect(text).toContain('1 member not written: several users have the mobile number. Keep it on one user only and sync again: twin.');
    expect(text).toContain('1 member not written: the user is a root user, which the sync never changes (nothing to do): zhangsan → nocobase (#1).');
    const zhText = describe_(report, 'zh-CN');
    expect(zhText).toContain('40 名成员未关联：只有邮箱与某个用户相同');
    expect(zhText).toContain('member00 → user0 (#100)，member01 → user1 (#101)');
    expect(zhText).toContain('member39 → user39 (#139)。');
  });

  it('tell a refusal of Maximum removals with its counts in the reader’s number format', () => {
    const refusal = new SyncConfigError(
      'maxRemovals',
      'Nothing written: this pull would remove {{count}} of {{members}} users, over the limit of {{limit}}. If they left WeCom, raise Maximum removals and sync again; if not, check the visible range and the Secret.',
      { count: '1200', members: '10000', limit: '1000' },
    );
    const phrase = failurePhrase(refusal);
    // Kept as data (JSON in the task's note), told later.
    const kept = JSON.parse(JSON.stringify(phrase));
    expect(renderPhrase(kept, reader('en-US').t, 'en-US')).toBe(
      'Nothing written: this pull would remove 1,200 of 10,000 users, over the limit of 1,000. If they left WeCom, raise Maximum removals and sync again; if not, check the visible range and the Secret.',
    );
    expect(renderPhrase(kept, reader('zh-CN').t, 'zh-CN')).toBe(
      '未写入任何内容：本次拉取将移除 10,000 名用户中的 1,200 名，超过上限 1,000。如果他们确已离开企业微信，请调高“最多移除人数”后重新同步；否则请检查可见范围和 Secret。',
    );
  });

  it('tell a running pull’s progress to each reader, and nothing once the task ended', () => {
    const note = { kind: 'progress' as const, progress: { phase: 'users' as const, done: 3500, total: 10000 } };
    expect(renderTaskNote(note, 'processing', reader('en-US').t, 'en-US')).toBe('Users: 3,500 of 10,000 written.');
    expect(renderTaskNote(note, 'processing', reader('zh-CN').t, 'zh-CN')).toBe('用户：已写入 10,000 名中的 3,500 名。');
    expect(renderTaskNote(note, 'processing', reader('ja-JP').t, 'ja-JP')).toMatch(/3,500.*10,000|10,000.*3,500/);
    expect(renderTaskNote(note, 'failed', reader('en-US').t, 'en-US')).toBeUndefined();
  });
});
