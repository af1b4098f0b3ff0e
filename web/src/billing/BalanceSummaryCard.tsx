import { Badge, Group, Text } from '@mantine/core';
import type { Account } from '../api/client';
import { usePolicy } from '../api/hooks';
import { SummaryCard, SummaryFigure } from '../components/SummaryCard';
import { formatMoney, formatRate } from '../format/money';
import { describeRunway, useBilling } from './billing-api';

/** The dashboard's Balance card: balance, spend and how long it lasts (needs billing.view). */
export function BalanceSummaryCard({ account }: { account: Account }) {
  const { can } = usePolicy(account);
  const allowed = can('billing.view');
  const billing = useBilling(account.id, allowed);
  if (!allowed) return null;
  return (
    <SummaryCard
      title="Balance"
      to={`/accounts/${account.id}/billing`}
      linkLabel="View billing"
      testId="dashboard-balance"
      query={billing}
      what="balance"
    >
      {(data) => (
        <>
          <Group gap="xs">
            <SummaryFigure testId="dashboard-balance-amount">
              {formatMoney(data.balance, data.currency)}
            </SummaryFigure>
            {data.lowBalance && (
              <Badge color="yellow" variant="light">
                Low
              </Badge>
            )}
          </Group>
          <Text size="sm">Spending {formatRate(data.currentSpendPerHour, data.currency)}/h</Text>
          <Text size="xs" c="dimmed">
            {describeRunway(data.runwaySeconds)}
          </Text>
        </>
      )}
    </SummaryCard>
  );
}
