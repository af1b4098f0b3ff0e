import { Badge, Button, Card, Group, Select, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../format/dates';
import { formatAmount, formatMoney } from '../format/money';
import {
  type BillingTransaction,
  type TransactionKind,
  useTransactions,
  useUsage,
} from './billing-api';

const KINDS: TransactionKind[] = ['credit', 'usage', 'refund', 'adjustment'];
const PAGE_SIZE = 10;

/** "my-pod · 60 s" for usage (the Pod by name where known), else the note or provider. */
function describe(t: BillingTransaction, podName: (id: string) => string): string {
  if (t.kind === 'usage' && t.periodStart && t.periodEnd) {
    const seconds = Math.round((t.durationMs ?? 0) / 1000);
    return `${t.podId ? podName(t.podId) : 'Pod'} · ${seconds} s`;
  }
  return t.note ?? t.provider ?? '';
}

const KIND_COLOR: Record<TransactionKind, string> = {
  usage: 'gray',
  credit: 'green',
  refund: 'blue',
  adjustment: 'blue',
};

function TransactionRow({
  t,
  currency,
  podName,
}: {
  t: BillingTransaction;
  currency: string;
  podName: (id: string) => string;
}) {
  const description = describe(t, podName);
  const credit = !t.amount.startsWith('-');
  return (
    <Table.Tr data-testid="billing-transaction">
      <Table.Td>
        {formatDateTime(t.time)}
        {/* On a phone the description goes under the time; the balance is left out. */}
        <Text size="xs" c="dimmed" lineClamp={2} hiddenFrom="md">
          {description}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge
          variant="light"
          color={KIND_COLOR[t.kind]}
          // Whole on a phone too: a narrow column does not cut it to "CRE…".
          miw="fit-content"
          styles={{ label: { overflow: 'visible' } }}
        >
          {t.kind}
        </Badge>
      </Table.Td>
      <Table.Td visibleFrom="md">
        <Text size="sm" lineClamp={1} maw={360}>
          {description}
        </Text>
      </Table.Td>
      <Table.Td
        ta="right"
        c={credit ? 'var(--gantry-positive)' : undefined}
        style={{ whiteSpace: 'nowrap' }}
        data-testid="billing-transaction-amount"
      >
        {formatAmount(t.amount, currency)}
      </Table.Td>
      <Table.Td ta="right" visibleFrom="md">
        {formatMoney(t.balanceAfter, currency)}
      </Table.Td>
    </Table.Tr>
  );
}

/** The ledger, ten at a time: credits, usage, refunds and adjustments. */
export function TransactionsCard({ accountId, currency }: { accountId: string; currency: string }) {
  const [kind, setKind] = useState<TransactionKind | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const page = useTransactions(accountId, kind, cursors.at(-1), PAGE_SIZE);
  // Usage names the Pods it charged; the ledger has only their ids.
  const usage = useUsage(accountId);
  const names = new Map(usage.data?.byPod.map((p) => [p.podId, p.podName]));
  const podName = (id: string) => names.get(id) ?? `Pod ${id.slice(-6)}`;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Transactions
        </Title>
        <Select
          placeholder="All kinds"
          clearable
          w={180}
          data={KINDS}
          value={kind}
          onChange={(value) => {
            setKind(value as TransactionKind | null);
            setCursors([]);
          }}
          aria-label="Filter by kind"
        />
      </Group>
      <Table data-testid="billing-transactions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th visibleFrom="md">Description</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
            <Table.Th ta="right" visibleFrom="md">
              Balance
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {page.data?.items.map((t) => (
            <TransactionRow key={t.id} t={t} currency={currency} podName={podName} />
          ))}
          {page.data?.items.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="dimmed" size="sm">
                  No transactions
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      <Group justify="flex-end" mt="sm">
        <Button
          variant="default"
          size="xs"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </Button>
        <Button
          variant="default"
          size="xs"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Older
        </Button>
      </Group>
    </Card>
  );
}
