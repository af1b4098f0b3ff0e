import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import type { Account } from '../api/client';
import { useMe } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TableFrame } from '../components/TableFrame';
import { InviteDialog } from './InviteDialog';
import { MemberRow } from './MemberRow';
import { type Member, useMembers, useRemoveMember, useTransferOwnership } from './teams-api';

/**
 * Members: every member sees who is in the team and who owns it; with members.manage, roles
 * change here, members are removed, and Invite New Member is at the top of the section.
 */
export function MembersSection({
  account,
  canManage,
  onLeave,
}: {
  account: Account;
  canManage: boolean;
  onLeave: () => void;
}) {
  const me = useMe();
  const members = useMembers(account.id, true);
  const remove = useRemoveMember(account.id);
  const transfer = useTransferOwnership(account.id);
  const [inviteOpen, invite] = useDisclosure(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [transferring, setTransferring] = useState<Member | null>(null);
  const owner = members.data?.items.find((m) => m.isOwner);
  return (
    <Card withBorder data-testid="members-card">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} size="h3">
            Members
          </Title>
          {owner && (
            <Text size="sm" c="dimmed" data-testid="team-owner">
              Owned by {owner.name} ({owner.email})
            </Text>
          )}
        </div>
        {canManage && (
          <Button leftSection={<IconUserPlus size={16} />} onClick={invite.open}>
            Invite New Member
          </Button>
        )}
      </Group>
      {members.isError && (
        <Alert color="red" variant="light">
          {members.error.message}
        </Alert>
      )}
      <TableFrame minWidth={700}>
        <Table verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Member</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th visibleFrom="md">Joined</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data?.items.map((member) => (
              <MemberRow
                key={member.userId}
                account={account}
                member={member}
                meId={me.data?.user.id}
                canManage={canManage}
                onRemove={() => setRemoving(member)}
                onLeave={onLeave}
                onTransfer={() => setTransferring(member)}
              />
            ))}
          </Table.Tbody>
        </Table>
      </TableFrame>
      {members.isPending && (
        <Group justify="center" p="md">
          <Loader size="sm" />
        </Group>
      )}
      {canManage && (
        <InviteDialog accountId={account.id} opened={inviteOpen} onClose={invite.close} />
      )}
      <ConfirmDialog
        opened={removing !== null}
        title="Remove member"
        confirmLabel="Remove"
        onClose={() => setRemoving(null)}
        onConfirm={() => (removing ? remove.mutateAsync(removing) : Promise.resolve())}
      >
        <Text>
          Remove <b>{removing?.name}</b> ({removing?.email}) from {account.name}? They lose access
          at once, including their API keys on this account. Pods they created stay.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={transferring !== null}
        title="Transfer ownership"
        confirmLabel="Transfer ownership"
        color="orange"
        onClose={() => setTransferring(null)}
        onConfirm={() => (transferring ? transfer.mutateAsync(transferring) : Promise.resolve())}
      >
        <Text>
          Make <b>{transferring?.name}</b> the owner of {account.name}? You stay on the team as an
          Admin, and only the new owner can delete the team or transfer it again.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}
