import { Card, Group, Loader, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { formatMoney } from '../format/money';
import { useUsage } from './billing-api';

const UsageChart = lazy(() => import('./UsageChart'));

/** Usage of the last 30 days: a bar per day, then the cost of each Pod. */
export function UsageCard({ accountId, currency }: { accountId: string; currency: string }) {
  const usage = useUsage(accountId);
  const data = (usage.data?.byDay ?? []).map((d) => ({
    day: d.day.slice(5),
    usage: Number(d.amount),
    amount: d.amount,
  }));
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Usage, last 30 days
        </Title>
        <Text fw={600}>{usage.data ? formatMoney(usage.data.total, currency) : ''}</Text>
      </Group>
      <div
        style={{ width: '100%', height: 220 }}
        data-testid="usage-chart"
        role="img"
        aria-label={`Usage per day, in ${currency}`}
      >
        <Suspense fallback={<Loader size="sm" />}>
          <UsageChart data={data} currency={currency} />
        </Suspense>
      </div>
      {(usage.data?.byPod.length ?? 0) > 0 && (
        <Table mt="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Pod</Table.Th>
              <Table.Th ta="right">Running time</Table.Th>
              <Table.Th ta="right">Cost</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {usage.data?.byPod.map((p) => (
              <Table.Tr key={p.podId ?? 'none'}>
                <Table.Td>{p.podName ?? p.podId}</Table.Td>
                <Table.Td ta="right">{(p.durationMs / 3_600_000).toFixed(2)} h</Table.Td>
                <Table.Td ta="right">{formatMoney(p.amount, currency)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
