import {
  Alert,
  Autocomplete,
  Badge,
  Button,
  Card,
  Code,
  Collapse,
  Drawer,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  useMatches,
} from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { useDebouncedCallback } from '@mantine/hooks';
import {
  IconChevronDown,
  IconChevronUp,
  IconDownload,
  IconFilter,
  IconRefresh,
  IconShieldCheck,
} from '@tabler/icons-react';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useOutletContext, useSearchParams } from 'react-router-dom';
import { type Account, api, call } from '../api/client';
import { usePolicy } from '../api/hooks';
import { FormError } from '../components/errors';
import { type FullLayoutFrom, TableFrame } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { ActorCell } from './ActorCell';
import {
  ACTION_PATTERN,
  ACTION_PREFIXES,
  type AuditEvent,
  type AuditView,
  activeFilterCount,
  couldBecomeAction,
  exportHref,
  isResourceId,
  KNOWN_ACTIONS,
  OUTCOMES,
  type Outcome,
  queryOf,
  RANGE_PRESETS,
  type RangePreset,
  RESOURCE_ID_MAX_LENGTH,
  RESOURCE_TYPES,
  type ResourceType,
  readView,
  writeView,
} from './audit-filters';
import { RetentionNotice } from './RetentionNotice';

/** All the columns from `lg` up: they need ~930 px, more than a 1024 px laptop's page has. */
const FULL_FROM: FullLayoutFrom = 'lg';
const PAGE_SIZE = 50;
const OUTCOME_COLOR: Record<Outcome, string> = {
  success: 'green',
  denied: 'orange',
  failure: 'red',
};

function ResourceCell({ resource }: { resource: AuditEvent['resource'] }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm">{resource.type}</Text>
      {resource.id && (
        <Tooltip label={resource.id} openDelay={300}>
          <Code>{resource.id.length > 14 ? `…${resource.id.slice(-12)}` : resource.id}</Code>
        </Tooltip>
      )}
    </Group>
  );
}

/** How long a text filter waits after the last keystroke before it applies. */
const TYPING_DELAY_MS = 350;

interface ApplyOptions {
  /** Replace the current history entry rather than add one (later applies of one edit). */
  replace: boolean;
}

type ApplyFilter = (value: string | null, options: ApplyOptions) => void;

/**
 * A free-text filter's input. What is typed applies `TYPING_DELAY_MS` after the last keystroke
 * (not on every one) when `appliesWhileTyping` says so, or at once on `commit` (Enter, blur, a
 * picked option); text `accepts` refuses never applies. One edit makes one history entry. When
 * the URL's value changes elsewhere (Clear filters, Back), the input shows it.
 */
function useTextFilter(
  value: string | null,
  onApply: ApplyFilter,
  accepts: (text: string) => boolean,
  appliesWhileTyping: (text: string) => boolean = accepts,
) {
  const [text, setText] = useState(value ?? '');
  // `settled`: no keystroke for TYPING_DELAY_MS; `committed`: Enter, blur or pick since.
  const [state, setState] = useState({ settled: true, committed: false });
  const applied = useRef(value);
  const editing = useRef(false);
  const apply = (next: string, applies = accepts) => {
    const trimmed = next.trim();
    if (trimmed !== '' && !applies(trimmed)) return;
    const filter = trimmed || null;
    if (filter === applied.current) return;
    applied.current = filter;
    onApply(filter, { replace: editing.current });
    editing.current = true;
  };
  const settle = useDebouncedCallback((next: string) => {
    setState({ settled: true, committed: false });
    apply(next, appliesWhileTyping);
  }, TYPING_DELAY_MS);
  useEffect(() => {
    if (value === applied.current) return;
    settle.cancel();
    applied.current = value;
    editing.current = false;
    setText(value ?? '');
    setState({ settled: true, committed: false });
  }, [value, settle]);
  return {
    text,
    ...state,
    change(next: string) {
      setText(next);
      setState({ settled: false, committed: false });
      settle(next);
    },
    commit(next: string = text) {
      settle.cancel();
      setState({ settled: true, committed: true });
      apply(next);
      editing.current = false;
    },
  };
}

/** The Action filter: applies as you type, at once on Enter, on blur or when an option is picked. */
function ActionFilter({ value, onApply }: { value: string | null; onApply: ApplyFilter }) {
  // While typing, only a whole action or a prefix applies: `pod` and `pod.st` are on their way
  // to `pod.stop` and would match nothing. Enter or leaving the field applies any valid text.
  const filter = useTextFilter(
    value,
    onApply,
    (text) => ACTION_PATTERN.test(text),
    (text) => KNOWN_ACTIONS.includes(text) || (text.endsWith('.*') && ACTION_PATTERN.test(text)),
  );
  const trimmed = filter.text.trim();
  const invalid = trimmed !== '' && !ACTION_PATTERN.test(trimmed);
  // Half typed (`pod.`) is no mistake yet: only once committed, or when no more typing can fix it.
  const showError = filter.committed ? invalid : filter.settled && !couldBecomeAction(trimmed);
  return (
    <Autocomplete
      label="Action"
      description="An exact action, or a prefix ending in .*"
      placeholder="pod.stop or pod.*"
      value={filter.text}
      onChange={filter.change}
      onOptionSubmit={filter.commit}
      onClear={() => filter.commit('')}
      onBlur={() => filter.commit()}
      onKeyDown={(event) => event.key === 'Enter' && filter.commit()}
      data={[
        { group: 'All actions of', items: ACTION_PREFIXES },
        { group: 'Actions', items: KNOWN_ACTIONS },
      ]}
      limit={60}
      maxDropdownHeight={320}
      maxLength={64}
      error={showError ? 'Letters, dots and underscores; end with .* for a prefix' : undefined}
      clearable
    />
  );
}

/** The Resource ID filter (an exact ID): applies as you type, at once on Enter or blur. */
function ResourceIdFilter({ value, onApply }: { value: string | null; onApply: ApplyFilter }) {
  const filter = useTextFilter(value, onApply, isResourceId);
  return (
    <TextInput
      label="Resource ID"
      description="An exact ID, as shown in an event's details"
      placeholder="Any"
      maxLength={RESOURCE_ID_MAX_LENGTH}
      value={filter.text}
      onChange={(event) => filter.change(event.currentTarget.value)}
      onBlur={() => filter.commit()}
      onKeyDown={(event) => event.key === 'Enter' && filter.commit()}
    />
  );
}

/** Local calendar days shown for the URL's instants (`to` is exclusive: the day before). */
function pickerValue(view: AuditView): [string | null, string | null] {
  return [
    view.from ? dayjs(view.from).format('YYYY-MM-DD') : null,
    view.to ? dayjs(view.to).subtract(1, 'day').format('YYYY-MM-DD') : null,
  ];
}

function DateRangeFilter({
  view,
  onApply,
}: {
  view: AuditView;
  onApply(patch: Partial<AuditView>): void;
}) {
  const [days, setDays] = useState<[string | null, string | null]>(pickerValue(view));
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <Select
        label="Date range"
        data={RANGE_PRESETS.map((p) => ({ value: p.value, label: p.label }))}
        value={view.range}
        allowDeselect={false}
        onChange={(value) =>
          onApply({ range: (value ?? 'all') as RangePreset, from: null, to: null })
        }
        w={view.range === 'custom' ? 130 : undefined}
        style={view.range === 'custom' ? undefined : { flex: 1 }}
      />
      {view.range === 'custom' && (
        <DatePickerInput
          type="range"
          aria-label="Custom dates"
          placeholder="Pick dates"
          value={days}
          maxDate={dayjs().format('YYYY-MM-DD')}
          valueFormat="MMM D, YYYY"
          allowSingleDateInRange
          style={{ flex: 1 }}
          onChange={(next) => {
            const [start, end] = next.map((d) => (d ? String(d) : null));
            setDays([start ?? null, end ?? null]);
            if (start && end) {
              onApply({
                from: dayjs(start).startOf('day').toISOString(),
                to: dayjs(end).add(1, 'day').startOf('day').toISOString(),
              });
            }
          }}
        />
      )}
    </Group>
  );
}

function Filters({ accountId, view }: { accountId: string; view: AuditView }) {
  const [, setParams] = useSearchParams();
  // From the address bar, not this render's params: two quick changes must not undo each other.
  const update = (patch: Partial<AuditView>, options?: ApplyOptions) =>
    setParams(
      writeView({ ...readView(new URLSearchParams(window.location.search)), ...patch }),
      options,
    );
  const actors = useQuery({
    queryKey: ['audit-actors', accountId],
    queryFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs/actors', {
          params: { path: { accountId } },
        }),
      ),
  });
  const people = actors.data?.items ?? [];
  const option = (a: (typeof people)[number]) => ({
    value: a.userId,
    label: a.email ?? a.name ?? a.userId,
  });
  const userData = [
    { group: 'Members', items: people.filter((a) => a.isMember).map(option) },
    { group: 'Former members', items: people.filter((a) => !a.isMember).map(option) },
  ].filter((g) => g.items.length > 0);
  const applied = activeFilterCount(view);
  const active = applied > 0;
  // On a phone the six fields would push the events off the first screen: they fold away
  // behind a Filters button that counts what is applied. From the sm breakpoint up they show.
  // The theme's breakpoint, read at once (not after a first render), as TableFrame reads it.
  const phone = useMatches({ base: true, sm: false }, { getInitialValueInEffect: false });
  const [opened, setOpened] = useState(false);
  return (
    <Card withBorder>
      {phone && (
        <Group justify="space-between">
          <Button
            variant="subtle"
            size="compact-sm"
            leftSection={<IconFilter size={16} />}
            rightSection={opened ? <IconChevronUp size={14} /> : <IconChevronDown size={14} />}
            aria-expanded={opened}
            aria-controls="audit-filters"
            onClick={() => setOpened((o) => !o)}
            data-testid="audit-filters-toggle"
          >
            {applied > 0 ? `Filters · ${applied}` : 'Filters'}
          </Button>
          {active && !opened && (
            <Button
              variant="subtle"
              size="compact-xs"
              onClick={() => setParams(new URLSearchParams())}
            >
              Clear
            </Button>
          )}
        </Group>
      )}
      <Collapse expanded={!phone || opened} id="audit-filters" mt={phone && opened ? 'xs' : 0}>
        {/* Inputs line up along each row's bottom: Action and Resource ID carry a description. */}
        <SimpleGrid
          cols={{ base: 1, sm: 2, lg: 3 }}
          spacing="sm"
          verticalSpacing="xs"
          style={{ alignItems: 'end' }}
        >
          <DateRangeFilter
            key={`${view.range}-${view.from}-${view.to}`}
            view={view}
            onApply={update}
          />
          <Select
            label="User"
            placeholder="Anyone"
            data={userData}
            value={view.userId}
            onChange={(value) => update({ userId: value })}
            searchable
            clearable
            nothingFoundMessage="Nobody by that name"
          />
          <ActionFilter
            value={view.action}
            onApply={(action, options) => update({ action }, options)}
          />
          <Select
            label="Resource type"
            placeholder="Any"
            data={RESOURCE_TYPES}
            value={view.resourceType}
            onChange={(value) => update({ resourceType: value as ResourceType | null })}
            clearable
          />
          <ResourceIdFilter
            value={view.resourceId}
            onApply={(resourceId, options) => update({ resourceId }, options)}
          />
          <Select
            label="Outcome"
            placeholder="Any"
            data={OUTCOMES}
            value={view.outcome}
            onChange={(value) => update({ outcome: value as Outcome | null })}
            clearable
          />
        </SimpleGrid>
        {active && (
          <Group justify="flex-end" mt="xs">
            <Button variant="subtle" size="xs" onClick={() => setParams(new URLSearchParams())}>
              Clear filters
            </Button>
          </Group>
        )}
      </Collapse>
    </Card>
  );
}

function useVerify(accountId: string) {
  return useMutation({
    mutationFn: () =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs/verify', {
          params: { path: { accountId } },
        }),
      ),
  });
}

function VerifyResult({ result }: { result: ReturnType<typeof useVerify> }) {
  if (result.error) return <FormError error={result.error} />;
  const data = result.data;
  if (!data) return null;
  const from =
    data.startedAfterSeq > 0 ? ` (from the prune checkpoint at #${data.startedAfterSeq})` : '';
  return data.ok ? (
    <Alert
      color="green"
      variant="light"
      icon={<IconShieldCheck size={18} />}
      title="Integrity verified"
      data-testid="verify-result"
      withCloseButton
      onClose={() => result.reset()}
    >
      All {data.checked.toLocaleString()} events are linked and unaltered{from}.
    </Alert>
  ) : (
    <Alert
      color="red"
      variant="light"
      title="The audit log does not verify"
      data-testid="verify-result"
      withCloseButton
      onClose={() => result.reset()}
    >
      First broken link: event #{data.firstBrokenSeq ?? '?'}
      {data.firstBrokenId ? ` (${data.firstBrokenId})` : ''} — {data.reason}. Checked{' '}
      {data.checked.toLocaleString()} events{from}.
    </Alert>
  );
}

function EventDrawer({ event, onClose }: { event: AuditEvent | null; onClose(): void }) {
  return (
    <Drawer
      opened={event !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={
        event && (
          <Group gap="xs">
            <Text fw={600}>{event.action}</Text>
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
                <Table.Th>User</Table.Th>
                <Table.Td>
                  <ActorCell actor={event.actor} />
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Resource</Table.Th>
                <Table.Td>
                  {event.resource.type} {event.resource.id && <Code>{event.resource.id}</Code>}
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>IP</Table.Th>
                <Table.Td>{event.ip ?? '—'}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
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

function AuditLogs({ accountId }: { accountId: string }) {
  const [params] = useSearchParams();
  const search = params.toString();
  const view = useMemo(() => readView(new URLSearchParams(search)), [search]);
  const [refreshed, setRefreshed] = useState(0);
  // Presets are relative to when the view was opened (or refreshed).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refreshed` re-reads the clock
  const query = useMemo(() => queryOf(view, Date.now()), [view, refreshed]);
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const verify = useVerify(accountId);
  const events = useInfiniteQuery({
    queryKey: ['audit-events', accountId, query],
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/api/v1/accounts/{accountId}/audit-logs', {
          params: {
            path: { accountId },
            query: { ...query, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While a new filter loads, the rows of the last one stay (dimmed) instead of a blank list.
    placeholderData: keepPreviousData,
  });
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2}>Audit logs</Title>
          <Text size="sm" c="dimmed">
            Who did what in this account, newest first. Every event is hash-chained.
          </Text>
        </div>
        <Group gap="xs">
          <Button
            variant="default"
            leftSection={<IconShieldCheck size={16} />}
            loading={verify.isPending}
            onClick={() => verify.mutate()}
          >
            Verify integrity
          </Button>
          <Button
            component="a"
            href={exportHref(accountId, query, 'csv')}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Export CSV
          </Button>
          <Button
            component="a"
            href={exportHref(accountId, query, 'jsonl')}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Export JSON Lines
          </Button>
        </Group>
      </Group>
      <RetentionNotice accountId={accountId} />
      <VerifyResult result={verify} />
      <Filters accountId={accountId} view={view} />
      <FormError error={events.error} />
      <Card withBorder p={0}>
        <TableFrame minWidth={820} from={FULL_FROM}>
          <Table
            highlightOnHover
            data-testid="audit-table"
            verticalSpacing="xs"
            aria-busy={events.isPlaceholderData}
            style={events.isPlaceholderData ? { opacity: 0.6 } : undefined}
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
                <Table.Tr
                  key={event.id}
                  data-testid="audit-row"
                  style={{ cursor: 'pointer' }}
                  onClick={() => setSelected(event)}
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
                    <Text size="sm" ff="monospace" data-testid="audit-row-action">
                      {event.action}
                    </Text>
                    {/* Where those columns are hidden (phones to small laptops): when, who, and on what. */}
                    <Stack gap={2} mt={2} hiddenFrom={FULL_FROM}>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(event.time, { seconds: true })}
                      </Text>
                      {/* A phone's cell is narrow; a tablet's has room for most emails. */}
                      <ActorCell actor={event.actor} maw={{ base: 160, sm: 340 }} />
                      <ResourceCell resource={event.resource} />
                    </Stack>
                  </Table.Td>
                  <Table.Td visibleFrom={FULL_FROM}>
                    <ResourceCell resource={event.resource} />
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={OUTCOME_COLOR[event.outcome]}>
                      {event.outcome}
                    </Badge>
                  </Table.Td>
                  <Table.Td visibleFrom={FULL_FROM}>
                    <Text size="sm" c={event.ip ? undefined : 'dimmed'}>
                      {event.ip ?? '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
              {events.isSuccess && rows.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text c="dimmed" size="sm" ta="center" py="md">
                      No events match these filters
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {events.isPending && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text c="dimmed" size="sm" ta="center" py="md">
                      Loading…
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </TableFrame>
      </Card>
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="audit-count">
          {rows.length.toLocaleString()} {rows.length === 1 ? 'event' : 'events'} shown
          {events.hasNextPage ? ', more available' : ''}
        </Text>
        <Group gap="xs">
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconRefresh size={14} />}
            onClick={() => setRefreshed((n) => n + 1)}
          >
            Refresh
          </Button>
          {events.hasNextPage && (
            <Button
              variant="default"
              size="xs"
              loading={events.isFetchingNextPage}
              onClick={() => events.fetchNextPage()}
            >
              Load more
            </Button>
          )}
        </Group>
      </Group>
      <EventDrawer event={selected} onClose={() => setSelected(null)} />
    </Stack>
  );
}

/** The Audit logs page: filter, page, inspect, export and verify the account's log. */
export function AuditLogsPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  if (!policy.can('audit.view')) {
    return (
      <Alert color="gray" title="Audit logs">
        Your role in this account does not include the audit log.
      </Alert>
    );
  }
  return <AuditLogs key={account.id} accountId={account.id} />;
}
