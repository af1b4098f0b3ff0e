import {
  Anchor,
  Button,
  Center,
  Divider,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconAlertTriangle,
  IconClockX,
  IconLinkOff,
  IconMailX,
  IconUserCheck,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError, api, call } from '../api/client';
import { useMe } from '../api/hooks';
import { FormError } from '../components/errors';
import { formatDateTime, relativeTime } from '../format/dates';
import { type InvitePreview, ROLES, roleLabel } from './teams-api';

function InviteCard({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" bg="var(--mantine-color-gray-0)" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={460} maw="100%">
        <Stack>
          <Text fw={800} size="xl" c="indigo" component={Link} to="/">
            Gantry
          </Text>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

interface Problem {
  title: string;
  message: string;
  icon: ReactNode;
}

/** A clear page for each way an invite link can fail. */
function problemOf(error: unknown): Problem {
  const code = error instanceof ApiError ? error.code : 'unknown';
  const status = error instanceof ApiError ? error.status : 0;
  if (code === 'invite_used_up') {
    return {
      title: 'This invite has been used up',
      message:
        'Everyone this link was meant for has already joined. Ask the team for a new invite.',
      icon: <IconUserCheck />,
    };
  }
  if (code === 'invite_revoked') {
    return {
      title: 'This invite was revoked',
      message: 'Someone on the team revoked this link. Ask them for a new invite.',
      icon: <IconLinkOff />,
    };
  }
  if (code === 'invite_expired') {
    return {
      title: 'This invite has expired',
      message: 'Invite links only work for a limited time. Ask the team for a new invite.',
      icon: <IconClockX />,
    };
  }
  if (code === 'invite_email_mismatch') {
    return {
      title: 'This invite is for someone else',
      message:
        'It was sent to a different email address. Sign in with the address the invite was sent to.',
      icon: <IconMailX />,
    };
  }
  if (status === 404 || status === 400) {
    return {
      title: 'Invite not found',
      message:
        'This link does not match any invite. Check that you copied the whole link, or ask the team for a new one.',
      icon: <IconLinkOff />,
    };
  }
  return {
    title: 'Something went wrong',
    message: error instanceof Error ? error.message : 'Please try again.',
    icon: <IconAlertTriangle />,
  };
}

function ProblemView({ problem, children }: { problem: Problem; children?: ReactNode }) {
  return (
    <Stack data-testid="invite-problem">
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon color="gray" variant="light" size="lg">
          {problem.icon}
        </ThemeIcon>
        <Title order={2}>{problem.title}</Title>
      </Group>
      <Text>{problem.message}</Text>
      {children}
    </Stack>
  );
}

function OfferView({ preview }: { preview: InvitePreview }) {
  const role = ROLES.find((r) => r.value === preview.role);
  return (
    <Stack gap="xs">
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon variant="light" size="lg">
          <IconUsersGroup />
        </ThemeIcon>
        <Text size="sm" c="dimmed">
          {preview.inviterName} invited you to join
        </Text>
      </Group>
      <Title order={2} data-testid="invite-team">
        {preview.accountName}
      </Title>
      <Paper withBorder p="sm" bg="var(--mantine-color-gray-0)">
        <Text size="sm">
          Role: <b data-testid="invite-role">{roleLabel(preview.role)}</b>
        </Text>
        {role && (
          <Text size="sm" c="dimmed">
            {role.description}
          </Text>
        )}
      </Paper>
      <Text size="xs" c="dimmed">
        This invite expires {relativeTime(preview.expiresAt)} ({formatDateTime(preview.expiresAt)}).
        {preview.emailBound && ' It can only be accepted with the email address it was sent to.'}
      </Text>
      {preview.email && (
        <Text size="sm" data-testid="invite-expected-email">
          This invite is for <b>{preview.email}</b>: sign up or in with that address and verify it.
        </Text>
      )}
    </Stack>
  );
}

/** `/invite/:token`: see the offer, sign in or up if needed, and Join Team. */
export function InvitePage() {
  const { token = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const preview = useQuery({
    queryKey: ['invite', token],
    queryFn: () => call(api.GET('/api/v1/invites/{token}', { params: { path: { token } } })),
    retry: false,
  });
  const accept = useMutation({
    mutationFn: () =>
      call(api.POST('/api/v1/invites/{token}/accept', { params: { path: { token } } })),
    onSuccess: async ({ account }) => {
      await queryClient.invalidateQueries();
      notifications.show({ color: 'green', message: `Welcome to ${account.name}` });
      navigate(`/accounts/${account.id}`);
    },
  });
  const signOut = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/logout')),
    onSettled: async () => {
      accept.reset();
      queryClient.removeQueries({ queryKey: ['me'] });
      await queryClient.invalidateQueries();
    },
  });

  if (preview.isPending || me.isPending) {
    return (
      <InviteCard>
        <Center py="xl">
          <Loader />
        </Center>
      </InviteCard>
    );
  }
  if (preview.isError) {
    return (
      <InviteCard>
        <ProblemView problem={problemOf(preview.error)}>
          <Button component={Link} to="/" variant="light">
            Go to Gantry
          </Button>
        </ProblemView>
      </InviteCard>
    );
  }

  const here = `/invite/${token}`;
  const next = encodeURIComponent(here);
  const acceptError = accept.error;
  if (acceptError instanceof ApiError && acceptError.status === 409) {
    // Already in the team: point at it when the switcher knows it by name.
    const team = me.data?.memberships.find(
      (m) => m.account.kind === 'team' && m.account.name === preview.data.accountName,
    );
    return (
      <InviteCard>
        <ProblemView
          problem={{
            title: "You're already a member",
            message:
              acceptError.code === 'already_member'
                ? `You already belong to ${preview.data.accountName}; your role stays as it is.`
                : acceptError.message,
            icon: <IconUserCheck />,
          }}
        >
          <Button component={Link} to={team ? `/accounts/${team.account.id}` : '/'}>
            {team ? `Go to ${team.account.name}` : 'Go to Gantry'}
          </Button>
        </ProblemView>
      </InviteCard>
    );
  }
  if (
    acceptError instanceof ApiError &&
    (acceptError.status === 410 || acceptError.status === 403)
  ) {
    return (
      <InviteCard>
        <ProblemView problem={problemOf(acceptError)}>
          {acceptError.status === 403 && (
            <Text size="sm" c="dimmed">
              You are signed in as {me.data?.user.email}.
            </Text>
          )}
          <Group>
            {acceptError.status === 403 && (
              <Button loading={signOut.isPending} onClick={() => signOut.mutate()}>
                Sign in as someone else
              </Button>
            )}
            <Button component={Link} to="/" variant="light">
              Go to Gantry
            </Button>
          </Group>
        </ProblemView>
      </InviteCard>
    );
  }

  return (
    <InviteCard>
      <OfferView preview={preview.data} />
      <Divider />
      {me.data ? (
        <Stack gap="xs">
          <FormError error={acceptError} />
          <Button size="md" loading={accept.isPending} onClick={() => accept.mutate()}>
            Join Team
          </Button>
          <Text size="xs" c="dimmed" ta="center">
            Signed in as {me.data.user.email}.{' '}
            <Anchor size="xs" component="button" type="button" onClick={() => signOut.mutate()}>
              Not you?
            </Anchor>
          </Text>
        </Stack>
      ) : (
        <Stack gap="xs">
          <Text size="sm">Sign in or create a Gantry account to join. You'll come back here.</Text>
          <Group grow>
            <Button
              component={Link}
              to={`/signup?next=${next}${
                preview.data.email ? `&email=${encodeURIComponent(preview.data.email)}` : ''
              }`}
            >
              Sign up
            </Button>
            <Button component={Link} to={`/signin?next=${next}`} variant="default">
              Sign in
            </Button>
          </Group>
        </Stack>
      )}
    </InviteCard>
  );
}
