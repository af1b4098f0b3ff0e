import { Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconKey } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, call } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { formatDateTime } from '../format/dates';

/** Command-line tools and HTTP libraries, named by the first token of their user agent. */
const TOOLS: Array<[RegExp, string]> = [
  [/^curl\//i, 'curl'],
  [/^wget\//i, 'Wget'],
  [/^httpie\//i, 'HTTPie'],
  [/^python-requests\//i, 'Python requests'],
  [/^python-urllib|^python-httpx|^aiohttp/i, 'Python'],
  [/^go-http-client\//i, 'Go'],
  [/^node|^undici/i, 'Node.js'],
  [/^postmanruntime\//i, 'Postman'],
  [/^gantry-cli|^gantry\//i, 'Gantry CLI'],
];

/** Browsers, tested in order: Edge and Opera also say Chrome, Chrome also says Safari. */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/** Systems, tested in order: iOS also says Mac OS X, Android and ChromeOS also say Linux. */
const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

const firstMatch = (ua: string, table: Array<[RegExp, string]>) =>
  table.find(([pattern]) => pattern.test(ua))?.[1];

/** A short readable name for a session's user agent: "Chrome on Linux", "curl". */
function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const tool = firstMatch(ua, TOOLS);
  if (tool) return tool;
  const browser = firstMatch(ua, BROWSERS);
  const system = firstMatch(ua, SYSTEMS);
  if (browser && system) return `${browser} on ${system}`;
  if (browser || system) return (browser ?? system) as string;
  // Something else: its product name, e.g. "MyScript" of "MyScript/1.2 (…)".
  return ua.split(/[/\s]/)[0]?.slice(0, 40) || 'Unknown device';
}

/** Where I am signed in, with a way to sign other sessions out, one or all at once. */
function SessionsCard() {
  const queryClient = useQueryClient();
  const [confirmAll, setConfirmAll] = useState(false);
  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: () => call(api.GET('/api/v1/auth/sessions')),
  });
  const revoke = useMutation({
    mutationFn: (sessionId: string) =>
      call(api.DELETE('/api/v1/auth/sessions/{sessionId}', { params: { path: { sessionId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  const revokeOthers = async () => {
    const { revoked } = await call(api.DELETE('/api/v1/auth/sessions'));
    await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    notifications.show({
      color: 'green',
      message:
        revoked === 1 ? 'Signed out 1 other session' : `Signed out ${revoked} other sessions`,
    });
  };
  const others = sessions.data?.items.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={4}>Your sessions</Title>
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
                  <Badge
                    variant="light"
                    miw="fit-content"
                    styles={{ label: { overflow: 'visible' } }}
                  >
                    This session
                  </Badge>
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
        onConfirm={revokeOthers}
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
