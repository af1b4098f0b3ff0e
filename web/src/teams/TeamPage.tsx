import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useNavigate, useOutletContext } from 'react-router-dom';
import type { Account } from '../api/client';
import { useMe, usePolicy } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConvertToTeamButton } from './ConvertToTeamButton';
import { DeleteTeamSection } from './DeleteTeamSection';
import { MembersSection } from './MembersSection';
import { PendingInvitesSection } from './PendingInvitesSection';
import { TeamNameCard } from './TeamNameCard';
import { TeamTwoFactorCard } from './TeamTwoFactorCard';
import { roleDescription, roleLabel, useLeaveTeam } from './teams-api';

/** A personal account has no members: the page says so and offers Convert to Team Account. */
function PersonalAccountTeam({ account }: { account: Account }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Team
      </Title>
      <Alert color="gray" variant="light" title="This is a personal account">
        Only a team account has members and invites.
        {account.isOwner && ' Convert it to invite people to work with you.'}
      </Alert>
      <Group>
        <ConvertToTeamButton account={account} />
      </Group>
    </Stack>
  );
}

/** The Team page: name, Members (+ Invite New Member), Pending invites, Delete Team. */
export function TeamPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const navigate = useNavigate();
  const me = useMe();
  const leave = useLeaveTeam(account.id);
  const [leaving, setLeaving] = useState(false);
  if (account.kind !== 'team') return <PersonalAccountTeam account={account} />;
  const canManage = policy.can('members.manage');
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={1} size="h2">
            Team
          </Title>
          <Text c="dimmed" size="sm">
            {account.name} · you are {roleLabel(account.role)}
            {account.isOwner ? ' and the owner' : ''}
          </Text>
          <Text c="dimmed" size="sm" data-testid="my-role-description">
            {roleDescription(account.role)}
          </Text>
        </div>
        {!canManage && !account.isOwner && (
          <Button variant="light" color="red" onClick={() => setLeaving(true)}>
            Leave team
          </Button>
        )}
      </Group>
      {policy.can('settings.manage') && <TeamNameCard key={account.name} account={account} />}
      {policy.can('settings.manage') && (
        <TeamTwoFactorCard account={account} canSeeMembers={canManage} />
      )}
      <MembersSection account={account} canManage={canManage} onLeave={() => setLeaving(true)} />
      {canManage && <PendingInvitesSection account={account} />}
      {account.isOwner && <DeleteTeamSection account={account} />}
      <ConfirmDialog
        opened={leaving}
        title="Leave team"
        confirmLabel="Leave team"
        onClose={() => setLeaving(false)}
        onConfirm={async () => {
          const userId = me.data?.user.id;
          if (!userId) return;
          await leave.mutateAsync(userId);
          navigate('/');
        }}
      >
        <Text>
          Leave <b>{account.name}</b>? You lose access at once; you need a new invite to come back.
        </Text>
      </ConfirmDialog>
    </Stack>
  );
}
