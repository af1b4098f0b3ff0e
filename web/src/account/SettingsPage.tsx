import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconKey } from '@tabler/icons-react';
import {
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, call, hasErrorCode, type User } from '../api/client';
import { useMe } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { errorFor, FormError } from '../components/errors';
import { TableFrame } from '../components/TableFrame';
import { formatDateTime } from '../format/dates';
import { describeUserAgent } from '../format/user-agent';
import { ChangeEmailDialog } from './ChangeEmailDialog';
import { TwoFactorCard } from './TwoFactorCard';
import { describeUserEvent, USER_EVENTS_KEY } from './user-events';

/** After sessions were signed out: the sessions list and the security log are read again. */
async function refreshSessions(queryClient: QueryClient): Promise<void> {
  await queryClient.invalidateQueries({ queryKey: ['sessions'] });
  await queryClient.invalidateQueries({ queryKey: USER_EVENTS_KEY });
}

/** Marks the session this page is open in; never cut to "THIS SES…" by a narrow column. */
function ThisSessionBadge({ size }: { size?: 'sm' }) {
  return (
    <Badge
      variant="light"
      size={size}
      miw="fit-content"
      styles={{ label: { overflow: 'visible' } }}
    >
      This session
    </Badge>
  );
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
    onSuccess: () => refreshSessions(queryClient),
  });
  const revokeOthers = async () => {
    const { revoked } = await call(api.DELETE('/api/v1/auth/sessions'));
    await refreshSessions(queryClient);
    notifications.show({
      color: 'green',
      message:
        revoked === 1 ? 'Signed out 1 other session' : `Signed out ${revoked} other sessions`,
    });
  };
  const others = sessions.data?.items.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder data-testid="sessions-card">
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

/** The signed-in user's name (editable) and email. */
function ProfileCard() {
  const me = useMe();
  const user = me.data?.user;
  if (!user) return null;
  // Keyed by the saved name: after a save the form starts again from what the API answered.
  return <ProfileForm key={`${user.id}:${user.name}`} user={user} />;
}

function ProfileForm({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const [changingEmail, setChangingEmail] = useState(false);
  const save = useMutation({
    mutationFn: () => call(api.PATCH('/api/v1/me', { body: { name } })),
    onSuccess: async () => {
      // The header shows the name from ['me']; a personal account named after the user is
      // renamed with them, so the accounts (switcher, page titles) are read again too.
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      await queryClient.invalidateQueries({ queryKey: ['account'] });
      await queryClient.invalidateQueries({ queryKey: USER_EVENTS_KEY });
      notifications.show({ color: 'green', message: 'Name saved' });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Card withBorder data-testid="profile-card">
      <Title order={4} mb="sm">
        Profile
      </Title>
      <form onSubmit={submit}>
        <Stack gap="sm" maw={420}>
          <TextInput
            label="Name"
            required
            maxLength={100}
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errorFor(save.error, 'name')}
          />
          <TextInput
            label="Email"
            value={user.email}
            readOnly
            variant="filled"
            description="The email you sign in with"
            rightSectionWidth={80}
            rightSection={
              <Button variant="subtle" size="compact-sm" onClick={() => setChangingEmail(true)}>
                Change
              </Button>
            }
          />
          <FormError error={save.error} />
          <Group>
            <Button
              type="submit"
              variant="light"
              loading={save.isPending}
              disabled={!name.trim() || name.trim() === user.name}
            >
              Save
            </Button>
          </Group>
        </Stack>
      </form>
      <ChangeEmailDialog opened={changingEmail} onClose={() => setChangingEmail(false)} />
    </Card>
  );
}

/** Changing the password, which signs out every other session. */
function PasswordCard() {
  const queryClient = useQueryClient();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState<number | null>(null);
  const change = useMutation({
    mutationFn: () =>
      call(api.POST('/api/v1/me/password', { body: { currentPassword, newPassword } })),
    onSuccess: async ({ revoked }) => {
      setCurrentPassword('');
      setNewPassword('');
      setConfirm('');
      setDone(revoked);
      await refreshSessions(queryClient);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    if (newPassword !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    change.mutate();
  };
  const wrongPassword = hasErrorCode(change.error, 'wrong_password');
  return (
    <Card withBorder data-testid="password-card">
      <Title order={4}>Password</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Changing your password signs out every other browser and device signed in as you.
      </Text>
      <form onSubmit={submit}>
        <Stack gap="sm" maw={420}>
          <PasswordInput
            label="Current password"
            required
            maxLength={256}
            autoComplete="current-password"
            value={currentPassword}
            onChange={(e) => setCurrentPassword(e.currentTarget.value)}
            error={
              wrongPassword
                ? 'This is not your current password'
                : errorFor(change.error, 'currentPassword')
            }
          />
          <PasswordInput
            label="New password"
            required
            maxLength={256}
            autoComplete="new-password"
            description="At least 10 characters"
            value={newPassword}
            onChange={(e) => setNewPassword(e.currentTarget.value)}
            error={errorFor(change.error, 'newPassword')}
          />
          <PasswordInput
            label="Confirm new password"
            required
            maxLength={256}
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => {
              setConfirm(e.currentTarget.value);
              setMismatch(false);
            }}
            error={mismatch ? 'The passwords do not match' : undefined}
          />
          <FormError error={change.error} />
          {done !== null && (
            <Alert color="green" variant="light" role="status" data-testid="password-changed">
              Password changed.{' '}
              {done === 0
                ? 'No other sessions were signed in.'
                : `Signed out ${done} other ${done === 1 ? 'session' : 'sessions'}.`}
            </Alert>
          )}
          <Group>
            <Button type="submit" variant="light" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** Events of the security log read per page. */
const EVENTS_PAGE_SIZE = 20;

/** My sign-ins, sign-outs and changes to my sessions, name and password, newest first. */
function SecurityActivityCard() {
  const events = useInfiniteQuery({
    queryKey: USER_EVENTS_KEY,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/api/v1/me/events', {
          params: {
            query: { limit: EVENTS_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card withBorder data-testid="security-activity">
      <Title order={4}>Security activity</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Sign-ins, sign-outs and changes to your sessions, name, password and two-factor sign-in,
        kept for a year.
      </Text>
      <TableFrame minWidth={720}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Activity</Table.Th>
              <Table.Th visibleFrom="md">Device</Table.Th>
              <Table.Th visibleFrom="md">IP</Table.Th>
              <Table.Th>Time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((event) => {
              const { label, detail } = describeUserEvent(event);
              const device = describeUserAgent(event.userAgent);
              return (
                <Table.Tr key={event.id} data-testid="user-event-row">
                  <Table.Td>
                    <Group gap={6} wrap="wrap">
                      <Text size="sm" fw={500} data-testid="user-event-action">
                        {label}
                      </Text>
                      {event.current && <ThisSessionBadge size="sm" />}
                    </Group>
                    {detail && (
                      <Text size="xs" c="dimmed">
                        {detail}
                      </Text>
                    )}
                    {/* On a phone the device and IP go under the activity. */}
                    <Text size="xs" c="dimmed" hiddenFrom="md" title={event.userAgent ?? undefined}>
                      {device} · {event.ip ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <Text size="sm" title={event.userAgent ?? undefined}>
                      {device}
                    </Text>
                  </Table.Td>
                  <Table.Td visibleFrom="md">
                    <Text size="sm" c={event.ip ? undefined : 'dimmed'}>
                      {event.ip ?? '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(event.time)}</Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
            {events.isSuccess && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed" size="sm" ta="center" py="md">
                    No activity yet
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </TableFrame>
      <FormError error={events.error} />
      {events.hasNextPage && (
        <Group justify="center" mt="sm">
          <Button
            variant="default"
            size="xs"
            loading={events.isFetchingNextPage}
            onClick={() => events.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      )}
    </Card>
  );
}

/** Settings of the signed-in user and the account. */
export function SettingsPage() {
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      {/* You first (the same in every account), then this account's API keys. */}
      <ProfileCard />
      <PasswordCard />
      <TwoFactorCard />
      <SessionsCard />
      <SecurityActivityCard />
      <ApiKeysCard />
    </Stack>
  );
}
