import { Group, Stack, Text, Tooltip } from '@mantine/core';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard } from '../components/SummaryCard';
import { formatDateTime, relativeTime } from '../format/dates';
import { ActorCell } from './ActorCell';
import { describeAuditEvent } from './audit-actions';
import { useRecentAuditEvents } from './audit-api';

const RECENT = 5;

/**
 * The dashboard's latest audit events in words, newest first (needs audit.view); the system's
 * per-minute charges are left out. Every change made in the console refreshes it.
 */
export function RecentActivityCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = can('audit.view');
  const events = useRecentAuditEvents(account.id, RECENT, allowed);
  if (!allowed) return null;
  return (
    <SummaryCard
      title="Recent activity"
      to={`/accounts/${account.id}/audit-logs`}
      linkLabel="All audit logs"
      testId="dashboard-activity"
      query={events}
      what="audit log"
    >
      {({ items }) => (
        <Stack gap={6} mt={4}>
          {items.map((event) => (
            <Group
              key={event.id}
              justify="space-between"
              wrap="nowrap"
              gap="sm"
              data-testid="dashboard-activity-event"
            >
              <Stack gap={0} style={{ minWidth: 0 }}>
                <Text size="sm" data-testid="dashboard-activity-sentence">
                  {describeAuditEvent(event)}
                </Text>
                <ActorCell actor={event.actor} maw={{ base: 200, sm: 320 }} />
              </Stack>
              <Tooltip label={formatDateTime(event.time, { seconds: true })} openDelay={300}>
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {relativeTime(event.time)}
                </Text>
              </Tooltip>
            </Group>
          ))}
        </Stack>
      )}
    </SummaryCard>
  );
}
