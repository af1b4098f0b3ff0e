import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { formatDate } from '../format/dates';
import { DASHBOARD_ACTIONS } from './dashboard-actions';

/** The account's home: who it is, your standing, and what you can do next. */
export function DashboardPage() {
  const account = useOutletContext<Account>();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{account.name}</Title>
        <Group gap="xs">
          {DASHBOARD_ACTIONS.map((Action) => (
            <Action key={Action.name} account={account} />
          ))}
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Account type
          </Text>
          <Text fw={600} data-testid="account-kind">
            {account.kind === 'team' ? 'Team account' : 'Personal account'}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Your role
          </Text>
          <Group gap="xs">
            <Text fw={600} tt="capitalize" data-testid="account-role">
              {account.role}
            </Text>
            {account.isOwner && <Badge variant="light">Owner</Badge>}
          </Group>
        </Card>
        <Card withBorder>
          <Text size="sm" c="dimmed">
            Created
          </Text>
          <Text fw={600}>{formatDate(account.createdAt)}</Text>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
