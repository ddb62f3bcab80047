// Contacts-sync schedules: five cron fields, read as cron reads them, described in words.
import { describe, expect, it } from 'vitest';
import { describeSchedule, parseSchedule, scheduleMatches } from '../../src/shared/cron';

const en = (key: string, options: Record<string, unknown> = {}) => key.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options[name]));
const at = (text: string) => new Date(text);

describe('a sync schedule', () => {
  it.each(['', '* * * *', '* * * * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '5-1 * * * *', 'a * * * *', '0 2 * * MON', '@daily'])(
    'refuses %j',
    (expression) => {
      expect(parseSchedule(expression)).toBeUndefined();
    },
  );

  it.each([
    ['* * * * *', 'Every minute'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['5 * * * *', 'Every hour at 5 minutes past'],
    ['30 */6 * * *', 'Every 6 hours at 30 minutes past'],
    ['0 2 * * *', 'Every day at 02:00'],
    ['30 18 * * 1-5', 'Every weekday (Monday to Friday) at 18:30'],
    ['0 9 * * 7', 'Every Sunday at 09:00'],
    ['0 3 1 * *', 'On day 1 of every month at 03:00'],
    ['0 2 1,15 6 *', 'Custom schedule: 0 2 1,15 6 *'],
    ['  0   2 * *  * ', 'Every day at 02:00'],
  ])('describes %j as %j', (expression, words) => {
    expect(describeSchedule(expression, en)).toBe(words);
  });

  it('matches the minutes cron would run it in', () => {
    const daily = parseSchedule('0 2 * * *')!;
    expect(scheduleMatches(daily, at('2026-12-07T02:00:00'))).toBe(true);
    expect(scheduleMatches(daily, at('2026-12-07T02:01:00'))).toBe(false);
    expect(scheduleMatches(daily, at('2026-12-07T14:00:00'))).toBe(false);
    const quarter = parseSchedule('*/15 9-17 * * 1-5')!;
    // 2026-12-07 is a Monday, 2026-12-06 a Sunday.
    expect(scheduleMatches(quarter, at('2026-12-07T09:45:00'))).toBe(true);
    expect(scheduleMatches(quarter, at('2026-12-07T09:50:00'))).toBe(false);
    expect(scheduleMatches(quarter, at('2026-12-06T09:45:00'))).toBe(false);
    expect(scheduleMatches(quarter, at('2026-12-07T18:00:00'))).toBe(false);
  });

  it('runs on either the day of the month or the weekday when both are set, as cron does; Sunday is 0 or 7', () => {
    const either = parseSchedule('0 0 1 * 1')!;
    expect(scheduleMatches(either, at('2027-01-01T00:00:00'))).toBe(true); // a Friday, day 1
    expect(scheduleMatches(either, at('2026-12-07T00:00:00'))).toBe(true); // a Monday
    expect(scheduleMatches(either, at('2026-12-08T00:00:00'))).toBe(false);
    expect(scheduleMatches(parseSchedule('0 0 * * 7')!, at('2026-12-06T00:00:00'))).toBe(true);
    expect(scheduleMatches(parseSchedule('0 0 * * 0')!, at('2026-12-06T00:00:00'))).toBe(true);
  });
});
