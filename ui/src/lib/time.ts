// Time formatting and day grouping. Deterministic (fixed English names,
// 24-hour clock) and in the local time zone; `now` is a parameter so the
// functions are pure and testable.

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const DAY_MS = 24 * 60 * 60 * 1000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "14:05". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Local midnight of the day containing `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whole calendar days from the day of `ms` to the day of `now` (DST-safe). */
export function calendarDaysBetween(ms: number, now: number): number {
  const a = new Date(ms);
  const b = new Date(now);
  const ua = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const ub = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((ub - ua) / DAY_MS);
}

/** A stable key for the local day, "2024-03-09". */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** "9 Mar" in the current year of `now`, else "9 Mar 2023". */
export function formatDate(ms: number, now: number): string {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const base = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return sameYear ? base : `${base} ${d.getFullYear()}`;
}

/** For the conversation list: "14:05" today, "Tuesday" within a week, else a date. */
export function formatListTime(ms: number, now: number): string {
  const days = calendarDaysBetween(ms, now);
  if (days <= 0) return formatClock(ms);
  if (days === 1) return "Yesterday";
  if (days < 7) return WEEKDAYS[new Date(ms).getDay()];
  return formatDate(ms, now);
}

/** For day separators: "Today", "Yesterday", a weekday within a week, else "Saturday, 9 Mar 2023". */
export function formatDayLabel(ms: number, now: number): string {
  const days = calendarDaysBetween(ms, now);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const weekday = WEEKDAYS[new Date(ms).getDay()];
  if (days > 1 && days < 7) return weekday;
  return `${weekday}, ${formatDate(ms, now)}`;
}

/** A full timestamp for tooltips: "Saturday, 9 Mar 2024 at 14:05". */
export function formatFull(ms: number): string {
  const d = new Date(ms);
  return `${WEEKDAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} at ${formatClock(ms)}`;
}

/** "14:05" today, else "9 Mar, 14:05" (for "offline since", search results). */
export function formatMoment(ms: number, now: number): string {
  if (calendarDaysBetween(ms, now) === 0) return formatClock(ms);
  return `${formatDate(ms, now)}, ${formatClock(ms)}`;
}

/** Minutes after midnight → "HH:MM" (for `<input type="time">`). */
export function minutesToHHMM(minutes: number): string {
  const m = ((Math.round(minutes) % 1440) + 1440) % 1440;
  return `${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`;
}

/** "HH:MM" → minutes after midnight, or null when it is not a valid time. */
export function hhmmToMinutes(value: string): number | null {
  const match = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(value.trim());
  if (!match) return null;
  const h = Number(match[1]);
  const m = Number(match[2]);
  if (h > 23 || m > 59) return null;
  return h * 60 + m;
}

/** A row of the message timeline: a day separator or an item of that day. */
export type DayRow<T> =
  | { kind: "day"; key: string; label: string; time: number }
  | { kind: "item"; key: string; item: T };

/**
 * Inserts a day separator before the first item of each local day. Items
 * must be in ascending time order; `keyOf` gives each item a stable key.
 */
export function groupByDay<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  keyOf: (item: T) => string,
  now: number,
): DayRow<T>[] {
  const rows: DayRow<T>[] = [];
  const seen = new Set<string>();
  let current: string | null = null;
  for (const item of items) {
    const time = timeOf(item);
    const key = dayKey(time);
    // A day is announced once, even if a clock skew brings an earlier day back.
    if (key !== current && !seen.has(key)) {
      current = key;
      seen.add(key);
      rows.push({ kind: "day", key: `day:${key}`, label: formatDayLabel(time, now), time });
    }
    rows.push({ kind: "item", key: keyOf(item), item });
  }
  return rows;
}
