import { Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { formatDate } from '../format/dates';
import { DASHBOARD_ACTIONS, DASHBOARD_CARDS, DASHBOARD_PANELS } from './dashboard-actions';

/** The account's home: who it is, your standing, what is going on, and what you can do next. */
export function DashboardPage() {
  const account = useOutletContext<Account>();
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={2}>
          <Title order={1} size="h2">
            {account.name}
          </Title>
          <Text c="dimmed" size="sm">
            <span data-testid="account-kind">
              {account.kind === 'team' ? 'Team account' : 'Personal account'}
            </span>
            {' · you are '}
            <span data-testid="account-role" style={{ textTransform: 'capitalize' }}>
              {account.role}
            </span>
            {account.isOwner && ' and the owner'}
            {` · created ${formatDate(account.createdAt)}`}
          </Text>
        </Stack>
        <Group gap="xs">
          {DASHBOARD_ACTIONS.map((Action) => (
            <Action key={Action.name} account={account} />
          ))}
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {DASHBOARD_CARDS.map((Part) => (
          <Part key={Part.name} account={account} />
        ))}
      </SimpleGrid>
      {DASHBOARD_PANELS.map((Part) => (
        <Part key={Part.name} account={account} />
      ))}
    </Stack>
  );
}
