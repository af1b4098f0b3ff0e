import { Button, Card, Group, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { formatDateTime } from '../format/dates';
import { describeUserAgent } from '../format/user-agent';
import { useRevokeOtherSessions, useRevokeSession, useSessions } from './account-api';
import { ThisSessionBadge } from './ThisSessionBadge';

/** Where I am signed in, with a way to sign other sessions out, one or all at once. */
export function SessionsCard() {
  const [confirmAll, setConfirmAll] = useState(false);
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const revokeOthers = useRevokeOtherSessions();
  const others = sessions.data?.items.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder data-testid="sessions-card">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Your sessions
        </Title>
        <Button
          size="xs"
          variant="light"
          color="red"
          disabled={others === 0}
          onClick={() => setConfirmAll(true)}
        >
          Sign out all other sessions
        </Button>
      </Group>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th visibleFrom="md">IP</Table.Th>
            <Table.Th>Last active</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.data?.items.map((s) => (
            <Table.Tr key={s.id} data-current={s.current || undefined}>
              <Table.Td>
                <Text size="sm" title={s.userAgent ?? undefined}>
                  {describeUserAgent(s.userAgent)}
                </Text>
                {/* On a phone the IP goes under the device. */}
                <Text size="xs" c="dimmed" hiddenFrom="md">
                  {s.ip ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td visibleFrom="md">{s.ip ?? '—'}</Table.Td>
              <Table.Td>{formatDateTime(s.lastSeenAt)}</Table.Td>
              <Table.Td>
                {s.current ? (
                  <ThisSessionBadge />
                ) : (
                  <Button
                    size="xs"
                    variant="light"
                    color="red"
                    loading={revoke.isPending && revoke.variables === s.id}
                    onClick={() => revoke.mutate(s.id)}
                  >
                    Sign out
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ConfirmDialog
        opened={confirmAll}
        title="Sign out all other sessions?"
        confirmLabel="Sign out other sessions"
        onConfirm={() => revokeOthers.mutateAsync()}
        onClose={() => setConfirmAll(false)}
      >
        <Text size="sm">
          Every other browser and device signed in as you will be signed out ({others}{' '}
          {others === 1 ? 'session' : 'sessions'}). This session stays signed in. API keys are not
          affected.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}
