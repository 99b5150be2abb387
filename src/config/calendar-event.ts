/**
 * Proxmox's calendar-event syntax (pvesr schedules; "Calendar Events" in the Proxmox VE and Backup Server docs):
 * `[WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]]`, each field a comma list of values, `a..b` ranges,
 * `start/step` repetitions or `*`; a lone time field is minutes (`*\/15`); plus the named ones (`hourly`, `daily`, ...).
 * Checked here so a bad schedule stops at validate, not in `pvesr create-local-job` on a node.
 */
const NAMED = new Set(['minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'annually', 'quarterly', 'semiannually', 'semi-annually']);
const DAY = '(mon|tue|wed|thu|fri|sat|sun)';
const WEEKDAYS = new RegExp(`^${DAY}(\\.\\.${DAY})?(,${DAY}(\\.\\.${DAY})?)*$`);
const VALUE = /^(\*|\d{1,4}(\.\.\d{1,4})?)(\/\d{1,4})?$/;

/** A field's values within [min, max], steps above zero; an error or null. */
function field(text: string, what: string, min: number, max: number): string | null {
  for (const part of text.split(',')) {
    if (!VALUE.test(part)) return `"${part}" is not a ${what} value (a number, a..b, start/step or *)`;
    const [range, step] = part.split('/');
    if (step !== undefined && Number(step) === 0) return `"${part}": a repetition step must be above 0`;
    for (const n of range === '*' ? [] : range.split('..').map(Number)) if (n < min || n > max) return `"${part}": ${what} must be ${min} to ${max}`;
  }
  return null;
}

export function calendarEventProblem(schedule: string): string | null {
  const parts = schedule.trim().split(/\s+/);
  if (schedule.trim() === '') return 'is empty';
  if (parts.length === 1 && NAMED.has(parts[0])) return null;
  if (WEEKDAYS.test(parts[0])) parts.shift();
  if (parts.length > 0 && parts[0].includes('-')) {
    const date = parts.shift()!.split('-');
    if (date.length < 2 || date.length > 3) return `"${date.join('-')}" is not a date (MONTHS-DAYS or YEARS-MONTHS-DAYS)`;
    const [days, months, years] = [...date].reverse();
    const problem = field(days, 'day', 1, 31) ?? field(months, 'month', 1, 12) ?? (years === undefined ? null : field(years, 'year', 1970, 9999));
    if (problem) return problem;
  }
  if (parts.length > 0) {
    const time = parts.shift()!.split(':');
    if (time.length > 3) return `"${time.join(':')}" is not a time (HOURS:MINUTES[:SECONDS])`;
    // One field alone is minutes (every 15 minutes is written star-slash-15).
    const limits: [string, number][] =
      time.length === 1
        ? [['minute', 59]]
        : [
            ['hour', 23],
            ['minute', 59],
            ['second', 59],
          ];
    for (const [i, value] of time.entries()) {
      const problem = field(value, limits[i][0], 0, limits[i][1]);
      if (problem) return problem;
    }
  }
  if (parts.length > 0) return `"${parts.join(' ')}" is left over: the form is [WEEKDAY] [[YEARS-]MONTHS-DAYS] [HOURS:MINUTES[:SECONDS]]`;
  return null;
}
