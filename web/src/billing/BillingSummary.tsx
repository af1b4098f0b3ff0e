import { Badge, Card, Group, SimpleGrid, Text } from '@mantine/core';
import { formatMoney, formatRate } from '../format/money';
import { type Billing, describeRunway } from './billing-api';

/** Balance, current spend and spend limit, side by side. */
export function BillingSummary({ billing }: { billing: Billing }) {
  const { currency } = billing;
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }}>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Balance
        </Text>
        <Group gap="xs">
          <Text fw={700} size="xl" data-testid="billing-balance">
            {formatMoney(billing.balance, currency)}
          </Text>
          {billing.lowBalance && (
            <Badge color="yellow" variant="light">
              Low
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {describeRunway(billing.runwaySeconds)}
        </Text>
      </Card>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Current spend
        </Text>
        <Text fw={700} size="xl" data-testid="billing-spend">
          {formatRate(billing.currentSpendPerHour, currency)}/h
        </Text>
        <Text size="xs" c="dimmed">
          Running Pods, billed per second
        </Text>
      </Card>
      <Card withBorder>
        <Text size="sm" c="dimmed">
          Spend limit
        </Text>
        <Text fw={700} size="xl">
          {formatMoney(billing.spendLimit, currency)}/h
        </Text>
        <Text size="xs" c="dimmed">
          Pods that would go over it do not start
        </Text>
      </Card>
    </SimpleGrid>
  );
}
