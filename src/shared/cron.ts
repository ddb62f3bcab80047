// A contacts-sync schedule: a cron expression of five fields (minute hour day-of-month month day-of-week), read the
// way cron reads it, down to every minute. Pure: the server checks and matches it, both clients describe it.

export interface Schedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Fields written as `*`: cron matches day-of-month OR day-of-week only when both are restricted. */
  anyDay: boolean;
  anyWeekday: boolean;
  fields: readonly string[];
}

const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** The schedule, or undefined when `expression` is not five valid cron fields. */
export function parseSchedule(expression: unknown): Schedule | undefined {
  if (typeof expression !== 'string') return undefined;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const set = parseField(fields[i], RANGES[i][0], RANGES[i][1]);
    if (!set) return undefined;
    sets.push(set);
  }
  // Sunday is 0 or 7.
  if (sets[4].has(7)) sets[4].add(0);
  return { minutes: sets[0], hours: sets[1], days: sets[2], months: sets[3], weekdays: sets[4], anyDay: fields[2] === '*', anyWeekday: fields[4] === '*', fields };
}

function parseField(field: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return undefined;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Whether the schedule fires in the minute of `date` (its local time: the server's time zone). */
export function scheduleMatches(schedule: Schedule, date: Date): boolean {
  if (!schedule.minutes.has(date.getMinutes()) || !schedule.hours.has(date.getHours()) || !schedule.months.has(date.getMonth() + 1)) return false;
  const day = schedule.days.has(date.getDate());
  const weekday = schedule.weekdays.has(date.getDay());
  if (schedule.anyDay && schedule.anyWeekday) return true;
  if (schedule.anyDay) return weekday;
  if (schedule.anyWeekday) return day;
  return day || weekday;
}

type Translate = (key: string, options?: Record<string, unknown>) => string;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const single = (field: string) => /^\d{1,2}$/.test(field);
const pad = (n: string) => n.padStart(2, '0');

/**
 * A person's reading of a schedule, e.g. "Every day at 02:00"; the expression itself for what has no short
 * wording; undefined for an invalid one. `t` translates the English key (namespace auth-wecom).
 */
export function describeSchedule(expression: unknown, translate: Translate): string | undefined {
  const schedule = parseSchedule(expression);
  if (!schedule) return undefined;
  // Plain text (rendered by React): i18next must not escape the slashes of `*/5`.
  const t = (key: string, options?: Record<string, unknown>) => translate(key, { ...options, interpolation: { escapeValue: false } });
  const [minute, hour, day, month, weekday] = schedule.fields;
  const time = single(minute) && single(hour) ? `${pad(hour)}:${pad(minute)}` : undefined;
  if (month === '*') {
    if (minute === '*' && hour === '*' && day === '*' && weekday === '*') return t('Every minute');
    const everyMinutes = /^\*\/(\d{1,2})$/.exec(minute);
    if (everyMinutes && hour === '*' && day === '*' && weekday === '*') return t('Every {{count}} minutes', { count: Number(everyMinutes[1]) });
    if (single(minute) && hour === '*' && day === '*' && weekday === '*') return t('Every hour at {{minute}} minutes past', { minute: Number(minute) });
    const everyHours = /^\*\/(\d{1,2})$/.exec(hour);
    if (single(minute) && everyHours && day === '*' && weekday === '*') {
      return t('Every {{count}} hours at {{minute}} minutes past', { count: Number(everyHours[1]), minute: Number(minute) });
    }
    if (time && day === '*' && weekday === '*') return t('Every day at {{time}}', { time });
    if (time && day === '*' && weekday === '1-5') return t('Every weekday (Monday to Friday) at {{time}}', { time });
    if (time && day === '*' && single(weekday)) return t('Every {{weekday}} at {{time}}', { weekday: t(WEEKDAYS[Number(weekday) % 7]), time });
    if (time && single(day) && weekday === '*') return t('On day {{day}} of every month at {{time}}', { day: Number(day), time });
  }
  return t('Custom schedule: {{expression}}', { expression: schedule.fields.join(' ') });
}
