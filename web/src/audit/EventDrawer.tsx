import { Badge, Button, Code, Drawer, Group, Stack, Table, Text } from '@mantine/core';
import { IconFilter } from '@tabler/icons-react';
import { formatDateTime } from '../format/dates';
import { ActorCell } from './ActorCell';
import { describeAuditEvent } from './audit-actions';
import type { AuditEvent, AuditView } from './audit-filters';
import { OUTCOME_COLOR } from './outcome';
import { ResourceId } from './ResourceId';

/** One event in full: when, who, what on which resource, from where, and its JSON. */
export function EventDrawer({
  event,
  onClose,
  onFilter,
}: {
  event: AuditEvent | null;
  onClose(): void;
  /** Narrows the log to this event's user or resource (and closes the drawer). */
  onFilter(patch: Partial<AuditView>): void;
}) {
  const filter = (patch: Partial<AuditView>) => {
    onFilter(patch);
    onClose();
  };
  return (
    <Drawer
      opened={event !== null}
      onClose={onClose}
      position="right"
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
      title={
        event && (
          <Group gap="xs">
            <Text fw={600}>{describeAuditEvent(event)}</Text>
            <Badge variant="light" color={OUTCOME_COLOR[event.outcome]}>
              {event.outcome}
            </Badge>
          </Group>
        )
      }
    >
      {event && (
        <Stack gap="sm" data-testid="audit-event-drawer">
          <Table variant="vertical" withTableBorder layout="fixed">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={110}>Time</Table.Th>
                <Table.Td>
                  {formatDateTime(event.time, { seconds: true })}{' '}
                  <Text span size="xs" c="dimmed">
                    {event.time}
                  </Text>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Action</Table.Th>
                <Table.Td>
                  <Code>{event.action}</Code>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Td>
                  <ActorCell actor={event.actor} />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Resource</Table.Th>
                <Table.Td>
                  <Text size="sm">{event.resource.type}</Text>
                  {event.resource.id && (
                    <ResourceId
                      id={event.resource.id}
                      onFilter={(resourceId) => filter({ resourceId })}
                    />
                  )}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>IP</Table.Th>
                <Table.Td>{event.ip ?? '—'}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Group gap="xs">
            {event.actor.userId && (
              <Button
                size="xs"
                variant="light"
                leftSection={<IconFilter size={14} />}
                onClick={() => filter({ userId: event.actor.userId ?? null })}
              >
                Filter by this user
              </Button>
            )}
            {event.resource.id && (
              <Button
                size="xs"
                variant="light"
                leftSection={<IconFilter size={14} />}
                onClick={() =>
                  filter({
                    resourceId: event.resource.id ?? null,
                  })
                }
              >
                Filter by this resource
              </Button>
            )}
          </Group>
          <Text size="sm" fw={600}>
            Event (JSON)
          </Text>
          <Code block data-testid="audit-event-json" style={{ whiteSpace: 'pre-wrap' }}>
            {JSON.stringify(event, null, 2)}
          </Code>
        </Stack>
      )}
    </Drawer>
  );
}
