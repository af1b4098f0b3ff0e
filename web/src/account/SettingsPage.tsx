import { Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api, call } from '../api/client';
import { formatDateTime } from '../format/dates';

/** Where I am signed in, with a way to sign other sessions out. */
function SessionsCard() {
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: () => call(api.GET('/api/v1/auth/sessions')),
  });
  const revoke = useMutation({
    mutationFn: (sessionId: string) =>
      call(api.DELETE('/api/v1/auth/sessions/{sessionId}', { params: { path: { sessionId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  return (
    <Card withBorder>
      <Title order={4} mb="sm">
        Your sessions
      </Title>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th>IP</Table.Th>
            <Table.Th>Last active</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.data?.items.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>
                <Text size="sm" lineClamp={1} maw={360}>
                  {s.userAgent ?? 'Unknown'}
                </Text>
              </Table.Td>
              <Table.Td>{s.ip ?? '—'}</Table.Td>
              <Table.Td>{formatDateTime(s.lastSeenAt)}</Table.Td>
              <Table.Td>
                {s.current ? (
                  <Badge variant="light">This session</Badge>
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
    </Card>
  );
}

/** Where the API keys live (their own page). */
function ApiKeysCard() {
  const { accountId = '' } = useParams();
  return (
    <Card withBorder>
      <Group justify="space-between">
        <div>
          <Title order={4}>API keys</Title>
          <Text size="sm" c="dimmed">
            Keys for scripts and the gantry command line, acting as you in this account.
          </Text>
        </div>
        <Button
          component={Link}
          to={`/accounts/${accountId}/settings/api-keys`}
          variant="light"
          leftSection={<IconKey size={16} />}
        >
          Manage API keys
        </Button>
      </Group>
    </Card>
  );
}

/** Settings of the signed-in user and the account. */
export function SettingsPage() {
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <ApiKeysCard />
      <SessionsCard />
    </Stack>
  );
}
