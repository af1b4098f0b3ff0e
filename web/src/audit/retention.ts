import type { paths } from '../api/schema';
import { formatDateTime } from '../format/dates';

/** The account's audit retention as `GET …/audit-logs/settings` answers it. */
export type AuditSettings =
  paths['/api/v1/accounts/{accountId}/audit-logs/settings']['get']['responses'][200]['content']['application/json'];

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;

/**
 * What the audit log keeps, in a sentence for the page header: the retention in force (with the
 * operator's minimum) and a shorter one waiting for its delay, with the time it applies from.
 */
export function describeRetention(settings: AuditSettings): {
  kept: string;
  pending: string | null;
} {
  const effective = settings.effectiveRetentionDays;
  const kept =
    effective === null
      ? 'Events are kept forever.'
      : `Events are kept ${days(effective)} (the operator keeps at least ${days(settings.minRetentionDays)}).`;
  const pending =
    settings.pendingRetentionDays !== null && settings.pendingEffectiveAt !== null
      ? `A shorter retention of ${days(settings.pendingRetentionDays)} was requested; it applies from ${formatDateTime(settings.pendingEffectiveAt)}, after a 7-day delay.`
      : null;
  return { kept, pending };
}
