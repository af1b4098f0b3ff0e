/**
 * How long until `until` (an ISO time) from `nowMs`, as a console says it: `1 h 20 min`,
 * `45 min`, `2 d 3 h`, `less than a minute`; `now` once it has passed.
 */
export function formatTimeLeft(until: string, nowMs: number): string {
  const ms = Date.parse(until) - nowMs;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return 'now';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}
