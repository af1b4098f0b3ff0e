import { Anchor, Card, Stack, Switch, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTwoFactorStatus } from '../account/account-api';
import type { Account } from '../api/client';
import { FormError } from '../components/errors';
import { useMembers, useRequireTwoFactor } from './teams-api';

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
  const mine = useTwoFactorStatus();
  const members = useMembers(account.id, canSeeMembers);
  const update = useRequireTwoFactor(account.id);
  const required = account.requireTwoFactor;
  const mayTurnOn = required || mine.data?.enabled === true;
  const without = members.data?.items.filter((m) => !m.twoFactor).length ?? 0;
  return (
    <Card withBorder data-testid="team-two-factor">
      <Title order={2} size="h4" mb="sm">
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
