import { Group, Stack, Text, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type Account, api, call } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard } from '../components/SummaryCard';
import { formatDateTime, relativeTime } from '../format/dates';
import { ActorCell } from './ActorCell';

const RECENT = 5;

/** The dashboard's latest audit events, newest first (needs audit.view). */
export function RecentActivityCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = can('audit.view');
  const events = useQuery({
    enabled: allowed,
    queryKey: ['audit-recent', account.id],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs', {
          params: { path: { accountId: account.id }, query: { limit: RECENT } },
        }),
      ),
    refetchInterval: 30_000,
  });
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
              <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
                <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                  {event.action}
                </Text>
                <ActorCell actor={event.actor} maw={{ base: 120, sm: 280 }} />
              </Group>
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
