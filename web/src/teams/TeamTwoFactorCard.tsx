import { Anchor, Card, Stack, Switch, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useTwoFactorStatus } from '../account/TwoFactorCard';
import { type Account, api, call } from '../api/client';
import { FormError } from '../components/errors';
import { refreshTeam, useMembers } from './teams-api';

/**
 * Team → Two-factor sign-in (settings.manage): requiring it of every member. Whoever turns it
 * on uses it already; the card says who would be, or is, shut out.
 */
export function TeamTwoFactorCard({
  account,
  canSeeMembers,
}: {
  account: Account;
  canSeeMembers: boolean;
}) {
  const queryClient = useQueryClient();
  const mine = useTwoFactorStatus();
  const members = useMembers(account.id, canSeeMembers);
  const update = useMutation({
    mutationFn: (requireTwoFactor: boolean) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/security', {
          params: { path: { accountId: account.id } },
          body: { requireTwoFactor },
        }),
      ),
    onSuccess: async (updated) => {
      queryClient.setQueryData(['account', updated.id], updated);
      await refreshTeam(queryClient, updated.id);
      notifications.show({
        color: 'green',
        message: updated.requireTwoFactor
          ? 'Two-factor sign-in is now required'
          : 'Two-factor sign-in is no longer required',
      });
    },
  });
  const required = account.requireTwoFactor;
  const mayTurnOn = required || mine.data?.enabled === true;
  const without = members.data?.items.filter((m) => !m.twoFactor).length ?? 0;
  return (
    <Card withBorder data-testid="team-two-factor">
      <Title order={4} mb="sm">
        Two-factor sign-in
      </Title>
      <Stack gap="xs">
        <Switch
          label="Require two-factor sign-in of every member"
          description="Members who do not use it cannot open this team, nor use their API keys on it, until they turn it on."
          checked={required}
          disabled={!mayTurnOn || update.isPending}
          onChange={(e) => update.mutate(e.currentTarget.checked)}
        />
        {!mayTurnOn && mine.data && (
          <Text size="sm" c="dimmed">
            Turn it on for yourself first, under{' '}
            <Anchor component={Link} to={`/accounts/${account.id}/settings`} size="sm">
              Settings
            </Anchor>
            .
          </Text>
        )}
        {without > 0 && (
          <Text
            size="sm"
            c={required ? 'orange' : 'dimmed'}
            data-testid="members-without-two-factor"
          >
            {without === 1 ? '1 member does' : `${without} members do`} not use it yet
            {required
              ? ' and cannot open this team.'
              : ': requiring it shuts them out until they turn it on.'}
          </Text>
        )}
        <FormError error={update.error} />
      </Stack>
    </Card>
  );
}
