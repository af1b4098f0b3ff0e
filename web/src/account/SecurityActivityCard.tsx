import { Button, Card, Group, Table, Text, Title } from '@mantine/core';
import { FormError } from '../components/errors';
import { TableFrame } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { describeUserAgent } from '../format/user-agent';
import { useUserEvents } from './account-api';
import { ThisSessionBadge } from './ThisSessionBadge';
import { describeUserEvent } from './user-events';

/** Events of the security log read per page. */
const EVENTS_PAGE_SIZE = 20;

/** My sign-ins, sign-outs and changes to my sessions, name and password, newest first. */
export function SecurityActivityCard() {
  const events = useUserEvents(EVENTS_PAGE_SIZE);
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card withBorder data-testid="security-activity">
      <Title order={2} size="h4">
        Security activity
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Sign-ins, sign-outs and changes to your sessions, name, password and two-factor sign-in,
        kept for a year.
      </Text>
      <TableFrame minWidth={720}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Activity</Table.Th>
              <Table.Th visibleFrom="md">Device</Table.Th>
              <Table.Th visibleFrom="md">IP</Table.Th>
              <Table.Th>Time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((event) => {
              const { label, detail } = describeUserEvent(event);
              const device = describeUserAgent(event.userAgent);
              return (
                <Table.Tr key={event.id} data-testid="user-event-row">
                  <Table.Td>
                    <Group gap={6} wrap="wrap">
                      <Text size="sm" fw={500} data-testid="user-event-action">
                        {label}
                      </Text>
                      {event.current && <ThisSessionBadge size="sm" />}
                    </Group>
                    {detail && (
                      <Text size="xs" c="dimmed">
                        {detail}
                      </Text>
                    )}
                    {/* On a phone the device and IP go under the activity. */}
                    <Text size="xs" c="dimmed" hiddenFrom="md" title={event.userAgent ?? undefined}>
                      {device} · {event.ip ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <Text size="sm" title={event.userAgent ?? undefined}>
                      {device}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <Text size="sm" c={event.ip ? undefined : 'dimmed'}>
                      {event.ip ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(event.time)}</Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
            {events.isSuccess && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed" size="sm" ta="center" py="md">
                    No activity yet
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </TableFrame>
      <FormError error={events.error} />
      {events.hasNextPage && (
        <Group justify="center" mt="sm">
          <Button
            variant="default"
            size="xs"
            loading={events.isFetchingNextPage}
            onClick={() => events.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      )}
    </Card>
  );
}
