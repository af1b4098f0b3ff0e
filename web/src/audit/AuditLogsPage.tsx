import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconDownload, IconRefresh, IconShieldCheck } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { FormError } from '../components/errors';
import { NotAllowed } from '../components/NotAllowed';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { useAuditEvents, useVerifyAudit } from './audit-api';
import { type AuditEvent, exportHref, queryOf } from './audit-filters';
import { EventDrawer } from './EventDrawer';
import { RetentionNotice } from './RetentionNotice';
import { useAuditView } from './use-audit-view';
import { VerifyResult } from './VerifyResult';

function AuditLogs({ accountId }: { accountId: string }) {
  const { view, update } = useAuditView();
  const [refreshed, setRefreshed] = useState(0);
  // Presets are relative to when the view was opened (or refreshed).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `refreshed` re-reads the clock
  const query = useMemo(() => queryOf(view, Date.now()), [view, refreshed]);
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const verify = useVerifyAudit(accountId);
  const events = useAuditEvents(accountId, query);
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            Audit logs
          </Title>
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
      <AuditFilters accountId={accountId} view={view} />
      <FormError error={events.error} />
      <Card withBorder p={0}>
        <AuditTable
          rows={rows}
          loading={events.isPending}
          empty={events.isSuccess && rows.length === 0}
          stale={events.isPlaceholderData}
          onOpen={setSelected}
          onFilterResource={(resourceId) => update({ resourceId })}
        />
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
      <EventDrawer event={selected} onClose={() => setSelected(null)} onFilter={update} />
    </Stack>
  );
}

/** The Audit logs page: filter, page, inspect, export and verify the account's log. */
export function AuditLogsPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  if (!policy.can('audit.view')) {
    return (
      <NotAllowed title="Audit logs">
        Your role in this account does not include the audit log.
      </NotAllowed>
    );
  }
  return <AuditLogs key={account.id} accountId={account.id} />;
}
