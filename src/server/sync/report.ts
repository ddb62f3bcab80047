// What a pull or one change did (SyncReport), and how a task tells it: in the reader's words and language, whole
// (the Tasks table shows it rendered from the report, not from the task's 255-character column), with what to do
// about members left out. A failure is kept the same way (a Phrase), so it too reads in the reader's language.
import { NAMESPACE } from '../../constants';
import { LoginError, reasonFromWecom } from '../common/errors';
import type { Directory } from '../wecom/contacts';
import { WecomApiError } from '../wecom/errors';
import type { PullPlan } from './contacts-sync';
import { SyncConfigError } from './options';

/** Why a member was not written: its user could not be told for sure, or may not be touched. */
export type SkipReason = 'phone-ambiguous' | 'user-taken' | 'email-only' | 'root' | 'username-taken' | 'username-invalid';

export interface SyncReport {
  recipe?: Directory['recipe'];
  /** What the pull read from WeCom (a pull's report only). */
  read?: { members: number; departments: number };
  /**
   * `unlinked`: members who left WeCom whose user the sync did not create: kept, only its link removed.
   * `created` / `linked` / `updated` split `written` (a pull's report only).
   */
  users: { written: number; unchanged: number; removed: number; unlinked: number; created?: number; linked?: number; updated?: number };
  departments: { written: number; unchanged: number; removed: number; created?: number; updated?: number };
  /** Members not written: their user could not be told for sure, or may not be touched (`userId`: the user concerned). */
  skipped: { userid: string; reason: SkipReason; userId?: number; user?: string }[];
}

export function emptyReport(recipe?: Directory['recipe']): SyncReport {
  return {
    recipe,
    users: { written: 0, unchanged: 0, removed: 0, unlinked: 0 },
    departments: { written: 0, unchanged: 0, removed: 0 },
    skipped: [],
  };
}

/** A pull's report with what its plan knows: how much was read, and which writes create, link or update. */
export function pullReport(plan: PullPlan): SyncReport {
  const { report, users, departments } = plan;
  report.read = { members: plan.members, departments: plan.departmentsRead };
  report.users.created = users.groups.created.length;
  report.users.linked = users.groups.linked.length;
  report.users.updated = users.groups.updated.length;
  report.departments.created = departments.created.length;
  report.departments.updated = departments.updated.length;
  return report;
}

export type Translate = (key: string, options?: Record<string, unknown>) => string;

const OPTS = { ns: NAMESPACE, interpolation: { escapeValue: false } };

/** 3,500 in the reader's number format (an unknown locale reads as en-US). */
export function formatCount(n: number, locale = 'en-US'): string {
  try {
    return new Intl.NumberFormat(locale).format(n);
  } catch {
    return n.toLocaleString('en-US');
  }
}

/** "1 member" / "3,500 members": the reader's plural rule picks the form (Chinese and Japanese have one). */
function counted(n: number, [one, other]: readonly [string, string], t: Translate, locale: string): string {
  let form: Intl.LDMLPluralRule = 'other';
  try {
    form = new Intl.PluralRules(locale).select(n);
  } catch {
    form = n === 1 ? 'one' : 'other';
  }
  return t(form === 'one' ? one : other, { ...OPTS, count: formatCount(n, locale) });
}

const MEMBERS = ['1 member', '{{count}} members'] as const;
const DEPARTMENTS = ['1 department', '{{count}} departments'] as const;

/** How the members were read, when it matters to the admin (fields WeCom withholds, a slow read). */
const RECIPE_NOTES: Partial<Record<Directory['recipe'], string>> = {
  'A-app':
    "Read with the app's Secret: WeCom gives no mobile numbers or emails to apps created after 20 June 2022; set the Contacts Secret to get them.",
  B: "Members were read one by one with the app's Secret: from this server's IP, the Contacts Secret only lists their IDs.",
};

/** The task message: what was read, what became of users and departments, and who was left out, why and what to do. */
export function describeReport(report: SyncReport, t: Translate, locale = 'en-US'): string {
  const sentences: string[] = [];
  if (report.read) {
    sentences.push(
      t('Read {{members}} in {{departments}} from WeCom.', {
        ...OPTS,
        members: counted(report.read.members, MEMBERS, t, locale),
        departments: counted(report.read.departments, DEPARTMENTS, t, locale),
      }),
    );
  }
  const note = report.recipe && RECIPE_NOTES[report.recipe];
  if (note) sentences.push(t(note, OPTS));
  sentences.push(t('Users: {{counts}}.', { ...OPTS, counts: counts(userCounts(report), t, locale) }));
  sentences.push(t('Departments: {{counts}}.', { ...OPTS, counts: counts(departmentCounts(report), t, locale) }));
  if (report.users.unlinked) {
    sentences.push(
      t('{{members}} who left WeCom kept their user, which the sync did not create: only their WeCom link was removed.', {
        ...OPTS,
        members: counted(report.users.unlinked, MEMBERS, t, locale),
      }),
    );
  }
  for (const [reason, key] of Object.entries(SKIPPED) as [SkipReason, string][]) {
    const entries = report.skipped.filter((s) => s.reason === reason);
    if (!entries.length) continue;
    const list = entries.map((s) => (s.user ? `${s.userid} → ${s.user}` : s.userid)).join(t(', ', OPTS));
    sentences.push(t(key, { ...OPTS, members: counted(entries.length, MEMBERS, t, locale), list }));
  }
  return sentences.join(sentenceGap(locale));
}

/** Chinese and Japanese sentences follow one another without a space. */
function sentenceGap(locale: string): string {
  return /^(zh|ja)\b/i.test(locale) ? '' : ' ';
}

type Counts = [key: string, n: number | undefined][];

function userCounts({ users }: SyncReport): Counts {
  const split = users.created !== undefined;
  return [
    ['{{count}} created', users.created],
    ['{{count}} linked to existing users', users.linked],
    ['{{count}} updated', users.updated],
    ['{{count}} written', split ? undefined : users.written],
    ['{{count}} unchanged', users.unchanged],
    ['{{count}} removed', users.removed],
    ['{{count}} unlinked', users.unlinked],
  ];
}

function departmentCounts({ departments }: SyncReport): Counts {
  const split = departments.created !== undefined;
  return [
    ['{{count}} created', departments.created],
    ['{{count}} updated', departments.updated],
    ['{{count}} written', split ? undefined : departments.written],
    ['{{count}} unchanged', departments.unchanged],
    ['{{count}} removed', departments.removed],
  ];
}

/** "4 created, 2 unchanged": the counts that are not zero, or "none". */
function counts(all: Counts, t: Translate, locale: string): string {
  const parts = all.filter(([, n]) => n).map(([key, n]) => t(key, { ...OPTS, count: formatCount(n as number, locale) }));
  return parts.length ? parts.join(t(', ', OPTS)) : t('none', OPTS);
}

/**
 * Why members were left out, and what the admin can do about it; the whole list of them (nothing is cut). The
 * shortest first: the task's column keeps 255 characters.
 */
const SKIPPED: Record<SkipReason, string> = {
  root: '{{members}} not written: the user is a root user, which the sync never changes (nothing to do): {{list}}.',
  // Option usernameFromUserid: these members are written, only without the username.
  'username-taken':
    '{{members}} written without their WeCom userid as username: another user has that username. Rename that user, then sync again: {{list}}.',
  'username-invalid': '{{members}} written without their WeCom userid as username: NocoBase does not accept it as a username (nothing to do): {{list}}.',
  'phone-ambiguous':
    '{{members}} not written: several users have the mobile number. Keep it on one user only and sync again: {{list}}.',
  'user-taken':
    "{{members}} not written: the user with the mobile number is another WeCom member's. Correct the mobile number in WeCom or on the user, then sync again: {{list}}.",
  'email-only':
    '{{members}} not linked: only an email matches a user, and an email proves nothing. They link on their first sign-in inside WeCom (WeCom vouches for their mobile number there), or give the user the mobile number the member has in WeCom and sync again: {{list}}.',
};

/**
 * A failure as a locale key and its parameters, kept with the task and told in each reader's language.
 * `translated`: parameters that are locale keys themselves (a field's label). `text`: an unexpected error, as it is.
 */
export type Phrase = { key: string; params?: Record<string, string>; translated?: string[] } | { text: string };

/** Parameters that are counts: shown in the reader's number format. */
const COUNT_PARAMS = new Set(['count', 'members', 'limit']);

export function failurePhrase(error: unknown): Phrase {
  if (error instanceof SyncConfigError) {
    return { key: error.key, params: { ...error.params }, ...(error.params.field ? { translated: ['field'] } : {}) };
  }
  if (error instanceof LoginError) return reasonPhrase(error.reason);
  if (error instanceof WecomApiError) {
    if (error.failure !== 'errcode') return reasonPhrase(reasonFromWecom(error));
    return {
      key: 'WeCom refused {{endpoint}} (error {{errcode}}: {{errmsg}}).',
      params: { endpoint: error.endpoint, errcode: String(error.errcode), errmsg: error.errmsg ?? '' },
    };
  }
  return { text: error instanceof Error ? error.message : String(error) };
}

function reasonPhrase(reason: LoginError['reason']): Phrase {
  const params = Object.fromEntries(Object.entries(reason.params ?? {}).map(([k, v]) => [k, String(v)]));
  return { key: reason.message, params, ...(typeof reason.params?.field === 'string' ? { translated: ['field'] } : {}) };
}

export function renderPhrase(phrase: Phrase, t: Translate, locale = 'en-US'): string {
  if ('text' in phrase) return phrase.text;
  const params: Record<string, string> = { ...phrase.params };
  for (const name of phrase.translated ?? []) if (params[name]) params[name] = t(params[name], OPTS);
  for (const [name, value] of Object.entries(params)) if (COUNT_PARAMS.has(name) && /^\d+$/.test(value)) params[name] = formatCount(Number(value), locale);
  return t(phrase.key, { ...OPTS, ...params });
}

/** Why a pull failed, in the language `t` speaks. */
export function describeFailure(error: unknown, t: Translate, locale = 'en-US'): string {
  return renderPhrase(failurePhrase(error), t, locale);
}
