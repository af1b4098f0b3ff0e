import {
  AppShell,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  NavLink,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { Link, Navigate, Outlet, useLocation, useParams } from 'react-router-dom';
import { ApiError, hasErrorCode } from '../api/client';
import { useAccount, useMe } from '../api/hooks';
import { queryKeys } from '../api/query-keys';
import { VerifyEmailBanner } from '../auth/VerifyEmailBanner';
import { LowBalanceBanner } from '../billing/LowBalanceBanner';
import { AccountSwitcher } from './AccountSwitcher';
import { FullPageLoader } from './guards';
import { visibleNav } from './nav';
import { UserMenu } from './UserMenu';

/** While an account page's code loads: a spinner in the page's place. */
function PageLoader() {
  return (
    <Center mih={200}>
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** Signed in, but a member of no account (e.g. after leaving the only team they had). */
export function NoAccountPage() {
  return (
    <Center mih="100vh" component="main">
      <Stack align="center" maw={420}>
        <Text fw={800} c="var(--gantry-brand)" size="xl">
          Gantry
        </Text>
        <Title order={1} size="h3">
          No account
        </Title>
        <Text ta="center">
          You are not a member of any account right now. Open an invite link from a team to join it.
        </Text>
        <UserMenu />
      </Stack>
    </Center>
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
    <Center mih="100vh" bg="var(--gantry-page-background)" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" maw={460}>
        <Stack>
          <Title order={1} size="h2">
            Two-factor sign-in required
          </Title>
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
    void queryClient.invalidateQueries({ queryKey: queryKeys.me });
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
            <Text fw={800} c="var(--gantry-brand)" size="lg" component={Link} to="/">
              Gantry
            </Text>
            <AccountSwitcher current={account.data} />
          </Group>
          <UserMenu collapse />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Account pages">
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
        <Suspense fallback={<PageLoader />}>
          <Outlet context={account.data} />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
