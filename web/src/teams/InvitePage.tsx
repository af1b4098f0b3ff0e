import { Anchor, Button, Center, Divider, Group, Loader, Stack, Text } from '@mantine/core';
import { IconUserCheck } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { useMe } from '../api/hooks';
import { forgetSignedInUser, useSignOut } from '../auth/auth-api';
import { FormError } from '../components/errors';
import { InviteOffer } from './InviteOffer';
import { InviteCard, ProblemView, problemOf } from './invite-problems';
import { useAcceptInvite, useInvitePreview } from './invites-api';

/** `/invite/:token`: see the offer, sign in or up if needed, and Join Team. */
export function InvitePage() {
  const { token = '' } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const preview = useInvitePreview(token);
  const accept = useAcceptInvite(token);
  const join = async () => {
    const joined = await accept.mutateAsync().catch(() => null);
    if (joined) navigate(`/accounts/${joined.account.id}`);
  };
  const signOut = useSignOut(async () => {
    accept.reset();
    await forgetSignedInUser(queryClient);
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
      <InviteOffer preview={preview.data} />
      <Divider />
      {me.data ? (
        <Stack gap="xs">
          <FormError error={acceptError} />
          <Button size="md" loading={accept.isPending} onClick={() => void join()}>
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
