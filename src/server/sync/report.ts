// What a pull or one change did (SyncReport), and the task messages user-data-sync shows for it: the report, or
// why the pull failed.
import { NAMESPACE } from '../../constants';
import { localize, LoginError, reasonFromWecom } from '../errors';
import type { Directory } from '../wecom/contacts';
import { WecomApiError } from '../wecom/errors';
import { SyncConfigError } from './options';

export interface SyncReport {
  recipe?: Directory['recipe'];
  users: { written: number; unchanged: number; removed: number };
  departments: { written: number; unchanged: number; removed: number };
  /** Members not written: their user could not be told for sure. */
  skipped: { userid: string; reason: 'phone-ambiguous' | 'email-ambiguous' | 'user-taken' }[];
}

export function emptyReport(recipe?: Directory['recipe']): SyncReport {
  return {
    recipe,
    users: { written: 0, unchanged: 0, removed: 0 },
    departments: { written: 0, unchanged: 0, removed: 0 },
    skipped: [],
  };
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** The task message user-data-sync shows: what was done, and who was left out (and why). */
export function describeReport(report: SyncReport, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  let text = t(
    'Recipe {{recipe}}. Users: {{usersWritten}} written, {{usersUnchanged}} unchanged, {{usersRemoved}} removed. Departments: {{departmentsWritten}} written, {{departmentsUnchanged}} unchanged, {{departmentsRemoved}} removed.',
    {
      ...opts,
      recipe: report.recipe ?? '-',
      usersWritten: report.users.written,
      usersUnchanged: report.users.unchanged,
      usersRemoved: report.users.removed,
      departmentsWritten: report.departments.written,
      departmentsUnchanged: report.departments.unchanged,
      departmentsRemoved: report.departments.removed,
    },
  );
  if (report.skipped.length) {
    const members = report.skipped.map((s) => `${s.userid} (${s.reason})`).join(', ');
    text += ` ${t('Not linked (several users match, or the user belongs to another member; resolve by hand): {{members}}.', { ...opts, members })}`;
  }
  return text;
}

/** Why a pull failed, in the language of whoever started it. */
export function describeFailure(error: unknown, t: Translate): string {
  const opts = { ns: NAMESPACE, interpolation: { escapeValue: false } };
  if (error instanceof SyncConfigError) {
    const params: Record<string, string> = { ...error.params };
    if (params.field) params.field = t(params.field, opts);
    return t(error.key, { ...opts, ...params });
  }
  if (error instanceof LoginError) return localize(t, error.reason);
  if (error instanceof WecomApiError) {
    if (error.failure !== 'errcode') return localize(t, reasonFromWecom(error));
    return t('WeCom refused {{endpoint}} (error {{errcode}}: {{errmsg}}).', { ...opts, endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg ?? '' });
  }
  return error instanceof Error ? error.message : String(error);
}
