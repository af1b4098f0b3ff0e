/**
 * Every date and time the console shows goes through these helpers, in the browser's time
 * zone: `Nov 28, 2026, 6:58 AM` for a moment, `Nov 28, 2026` for a day.
 */

const DAY: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const DATE = new Intl.DateTimeFormat('en-US', DAY);
const DATE_TIME = new Intl.DateTimeFormat('en-US', { ...DAY, hour: 'numeric', minute: '2-digit' });
const DATE_TIME_SECONDS = new Intl.DateTimeFormat('en-US', {
  ...DAY,
  hour: 'numeric',
  minute: '2-digit',
  second: '2-digit',
});

/** An API time (ISO 8601) as a date and time; `seconds` where they tell events apart (audit). */
export function formatDateTime(iso: string, options: { seconds?: boolean } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (options.seconds ? DATE_TIME_SECONDS : DATE_TIME).format(date);
}

/** An API time (ISO 8601) as the day it falls on. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return DATE.format(date);
}

/** "in 3 days", "in 5 hours", "2 minutes ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}
