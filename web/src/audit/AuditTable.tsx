import { Badge, Stack, Table, Text, Tooltip } from '@mantine/core';
import { type FullLayoutFrom, TableFrame } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { ActorCell } from './ActorCell';
import { describeAuditEvent } from './audit-actions';
import type { AuditEvent } from './audit-filters';
import { OUTCOME_COLOR } from './outcome';
import { ResourceId } from './ResourceId';

/** All the columns from `lg` up: they need ~930 px, more than a 1024 px laptop's page has. */
const FULL_FROM: FullLayoutFrom = 'lg';

function ResourceCell({
  resource,
  onFilter,
}: {
  resource: AuditEvent['resource'];
  onFilter: (resourceId: string) => void;
}) {
  return (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <Text size="sm">{resource.type}</Text>
      {resource.id && <ResourceId id={resource.id} onFilter={onFilter} />}
    </Stack>
  );
}

function EventRow({
  event,
  onOpen,
  onFilterResource,
}: {
  event: AuditEvent;
  onOpen: () => void;
  onFilterResource: (resourceId: string) => void;
}) {
  return (
    <Table.Tr
      data-testid="audit-row"
      style={{ cursor: 'pointer' }}
      onClick={onOpen}
      onKeyDown={(e) =>
        (e.key === 'Enter' || e.key === ' ') && e.target === e.currentTarget && onOpen()
      }
      tabIndex={0}
      aria-label={`${describeAuditEvent(event)}, ${formatDateTime(event.time, { seconds: true })}: open details`}
    >
      <Table.Td visibleFrom={FULL_FROM}>
        <Tooltip label={event.time} openDelay={300}>
          <Text size="sm" style={{ whiteSpace: 'nowrap' }} data-testid="audit-row-time">
            {formatDateTime(event.time, { seconds: true })}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td data-testid="audit-row-user" visibleFrom={FULL_FROM}>
        <ActorCell actor={event.actor} />
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="audit-row-sentence">
          {describeAuditEvent(event)}
        </Text>
        <Text size="xs" c="dimmed" ff="monospace" data-testid="audit-row-action">
          {event.action}
        </Text>
        {/* Where those columns are hidden (phones to small laptops): when, who, and on what. */}
        <Stack gap={2} mt={2} hiddenFrom={FULL_FROM}>
          <Text size="xs" c="dimmed">
            {formatDateTime(event.time, { seconds: true })}
          </Text>
          {/* A phone's cell is narrow; a tablet's has room for most emails. */}
          <ActorCell actor={event.actor} maw={{ base: 160, sm: 340 }} />
          <ResourceCell resource={event.resource} onFilter={onFilterResource} />
        </Stack>
      </Table.Td>
      <Table.Td visibleFrom={FULL_FROM} maw={230}>
        <ResourceCell resource={event.resource} onFilter={onFilterResource} />
      </Table.Td>
      <Table.Td>
        <Badge
          variant="light"
          color={OUTCOME_COLOR[event.outcome]}
          miw="fit-content"
          styles={{ label: { overflow: 'visible' } }}
        >
          {event.outcome}
        </Badge>
      </Table.Td>
      <Table.Td visibleFrom={FULL_FROM}>
        <Text size="sm" c={event.ip ? undefined : 'dimmed'}>
          {event.ip ?? '—'}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** The events, newest first; a row opens its details, a resource ID filters by it. */
export function AuditTable({
  rows,
  loading,
  empty,
  stale,
  onOpen,
  onFilterResource,
}: {
  rows: AuditEvent[];
  loading: boolean;
  empty: boolean;
  /** The rows are the last filter's, while the new one loads (shown dimmed). */
  stale: boolean;
  onOpen: (event: AuditEvent) => void;
  onFilterResource: (resourceId: string) => void;
}) {
  const message = empty ? 'No events match these filters' : loading ? 'Loading…' : null;
  return (
    <TableFrame minWidth={900} from={FULL_FROM}>
      <Table
        highlightOnHover
        data-testid="audit-table"
        verticalSpacing="xs"
        aria-busy={stale}
        style={stale ? { opacity: 0.6 } : undefined}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={190} visibleFrom={FULL_FROM}>
              Time
            </Table.Th>
            <Table.Th visibleFrom={FULL_FROM}>User</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th visibleFrom={FULL_FROM}>Resource</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th visibleFrom={FULL_FROM}>IP</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((event) => (
            <EventRow
              key={event.id}
              event={event}
              onOpen={() => onOpen(event)}
              onFilterResource={onFilterResource}
            />
          ))}
          {message && (
            <Table.Tr>
              <Table.Td colSpan={6}>
                <Text c="dimmed" size="sm" ta="center" py="md">
                  {message}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </TableFrame>
  );
}
