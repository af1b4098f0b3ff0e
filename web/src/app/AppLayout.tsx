import {
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  Paper,
  Stack,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconChevronDown, IconLogout } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate, useParams } from 'react-router-dom';
import { type Account, ApiError, api, call, hasErrorCode } from '../api/client';
import { meIsLoading, useAccount, useMe } from '../api/hooks';
import { VerifyEmailBanner } from '../auth/VerifyEmailBanner';
import { LowBalanceBanner } from '../billing/LowBalanceBanner';
import { roleLabel } from '../teams/teams-api';
import { visibleNav } from './nav';

/** Redirects anonymous visitors to sign in, coming back here afterwards. */
export function RequireSignIn({ children }: { children: React.ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (meIsLoading(me)) return <FullPageLoader />;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function FullPageLoader() {
  return (
    <Center mih="100vh">
      <Loader />
    </Center>
  );
}

/** `/`: go to the personal account (or the first one). */
export function HomeRedirect() {
  const me = useMe();
  if (meIsLoading(me)) return <FullPageLoader />;
  if (!me.data) return <Navigate to="/signin" replace />;
  const first = me.data.memberships[0];
  if (!first) return <NoAccountPage />;
  return <Navigate to={`/accounts/${first.account.id}`} replace />;
}

/** Signed in, but a member of no account (e.g. after leaving the only team they had). */
function NoAccountPage() {
  return (
    <Center mih="100vh">
      <Stack align="center" maw={420}>
        <Text fw={800} c="indigo" size="xl">
          Gantry
        </Text>
        <Text ta="center">
          You are not a member of any account right now. Open an invite link from a team to join it.
        </Text>
        <UserMenu />
      </Stack>
    </Center>
  );
}

function kindLabel(account: Pick<Account, 'kind'>) {
  return account.kind === 'team' ? 'Team' : 'Personal';
}

function AccountSwitcher({ current }: { current: Account }) {
  const me = useMe();
  const navigate = useNavigate();
  return (
    <Menu position="bottom-start" width={280} shadow="md">
      <Menu.Target>
        {/* Shrinks in a narrow header: the name ends in …, the kind badge goes below 576 px. */}
        <UnstyledButton data-testid="account-switcher" aria-label="Switch account" miw={0}>
          <Group gap={6} wrap="nowrap">
            <Text fw={600} truncate title={current.name}>
              {current.name}
            </Text>
            <Badge size="xs" variant="light" visibleFrom="xs" style={{ flexShrink: 0 }}>
              {kindLabel(current)}
            </Badge>
            <IconChevronDown size={14} style={{ flexShrink: 0 }} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Your accounts</Menu.Label>
        {me.data?.memberships.map((m) => (
          <Menu.Item
            key={m.account.id}
            onClick={() => navigate(`/accounts/${m.account.id}`)}
            rightSection={
              <Badge size="xs" variant="outline" data-testid="account-switcher-role">
                {m.isOwner ? 'Owner' : roleLabel(m.role)}
              </Badge>
            }
          >
            <Group gap={6}>
              <Text size="sm">{m.account.name}</Text>
              <Text size="xs" c="dimmed">
                {kindLabel(m.account)}
              </Text>
            </Group>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/**
 * The signed-in user's menu: Sign out. A button with their name; with `collapse`, below the `sm`
 * breakpoint (phones) their initials instead, so the header stays one line.
 */
function UserMenu({ collapse = false }: { collapse?: boolean }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      queryClient.clear();
      navigate('/signin');
    },
  });
  const user = me.data?.user;
  const signOutItem = (
    <Menu.Item leftSection={<IconLogout size={14} />} onClick={() => signOut.mutate()}>
      Sign out
    </Menu.Item>
  );
  return (
    <>
      <Menu position="bottom-end" shadow="md">
        <Menu.Target>
          <Button
            variant="subtle"
            rightSection={<IconChevronDown size={14} />}
            visibleFrom={collapse ? 'sm' : undefined}
            data-testid="user-name"
          >
            {user?.name}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{user?.email}</Menu.Label>
          {signOutItem}
        </Menu.Dropdown>
      </Menu>
      {collapse && (
        <Menu position="bottom-end" shadow="md" width={260}>
          <Menu.Target>
            <UnstyledButton
              hiddenFrom="sm"
              aria-label="Your account"
              title={user?.name}
              data-testid="user-menu"
            >
              <Avatar name={user?.name} color="initials" size={34} />
            </UnstyledButton>
          </Menu.Target>
          <Menu.Dropdown>
            <Box px="sm" py={6} style={{ overflowWrap: 'anywhere' }}>
              <Text size="sm" fw={600}>
                {user?.name}
              </Text>
              <Text size="xs" c="dimmed">
                {user?.email}
              </Text>
            </Box>
            <Menu.Divider />
            {signOutItem}
          </Menu.Dropdown>
        </Menu>
      )}
    </>
  );
}

/**
 * A team that requires two-factor sign-in, opened by a member who does not use it: what to do,
 * with the way to their own Settings (the team's pages answer them nothing until then).
 */
function TwoFactorRequiredPage({ message }: { message: string }) {
  const me = useMe();
  const personal = me.data?.memberships.find((m) => m.account.kind === 'personal' && m.isOwner);
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-0)" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" maw={460}>
        <Stack>
          <Title order={2}>Two-factor sign-in required</Title>
          <Text data-testid="two-factor-required">{message}</Text>
          <Group>
            {personal && (
              <Button component={Link} to={`/accounts/${personal.account.id}/settings`}>
                Set it up in Settings
              </Button>
            )}
            <Button variant="default" component={Link} to="/">
              Go to your account
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}

/** The frame of every account page: header with switcher, navigation by permission. */
export function AccountLayout() {
  const { accountId = '' } = useParams();
  const account = useAccount(accountId);
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  const queryClient = useQueryClient();
  const lost = account.error instanceof ApiError && account.error.status === 404;
  useEffect(() => {
    if (!lost) return;
    // Their memberships changed: the switcher and the home redirect must not offer it again.
    void queryClient.invalidateQueries({ queryKey: ['me'] });
    notifications.show({
      id: `account-lost-${accountId}`,
      color: 'yellow',
      message:
        'That account is not available to you: it does not exist or you are no longer a member.',
    });
  }, [lost, accountId, queryClient]);
  if (account.isPending) return <FullPageLoader />;
  if (hasErrorCode(account.error, 'two_factor_required_by_team')) {
    return <TwoFactorRequiredPage message={account.error.message} />;
  }
  if (account.isError || !account.data) return <Navigate to="/" replace />;
  const base = `/accounts/${account.data.id}`;
  const here = location.pathname.replace(/\/+$/, '');
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap" miw={0}>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Text fw={800} c="indigo" size="lg" component={Link} to="/">
              Gantry
            </Text>
            <AccountSwitcher current={account.data} />
          </Group>
          <UserMenu collapse />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        {visibleNav(account.data).map((item) => {
          const to = item.path ? `${base}/${item.path}` : base;
          return (
            <NavLink
              key={item.label}
              component={Link}
              to={to}
              label={item.label}
              active={here === to}
              // On a phone the navigation covers the page: going somewhere closes it.
              onClick={close}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        <VerifyEmailBanner />
        <LowBalanceBanner account={account.data} />
        <Outlet context={account.data} />
      </AppShell.Main>
    </AppShell>
  );
}
