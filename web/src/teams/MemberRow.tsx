import { Badge, Group, Select, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import type { Account } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { type RowAction, RowActions } from '../components/RowActions';
import { formatDate } from '../format/dates';
import { type Member, ROLES, type Role, roleLabel, useChangeRole } from './teams-api';

/** Who the member is: name, email, and the Owner / You / 2FA badges. */
function MemberIdentity({ member, isMe }: { member: Member; isMe: boolean }) {
  return (
    // On a phone the badges go under the name, and a long email breaks anywhere.
    <Group gap="xs">
      <div style={{ overflowWrap: 'anywhere' }}>
        <Text size="sm" fw={500}>
          {member.name}
        </Text>
        <Text size="xs" c="dimmed">
          {member.email}
        </Text>
      </div>
      {member.isOwner && (
        <Badge size="sm" variant="light" data-testid="member-owner">
          Owner
        </Badge>
      )}
      {isMe && (
        <Badge size="sm" variant="outline" color="gray">
          You
        </Badge>
      )}
      {member.twoFactor && (
        <Tooltip label="Signs in with a code from an authenticator app too" withArrow>
          <Badge size="sm" variant="light" color="green" data-testid="member-two-factor">
            2FA
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

/** One member: role (a picker with members.manage), joined, and what may be done with them. */
export function MemberRow({
  account,
  member,
  meId,
  canManage,
  onRemove,
  onLeave,
  onTransfer,
}: {
  account: Account;
  member: Member;
  meId: string | undefined;
  canManage: boolean;
  onRemove: () => void;
  onLeave: () => void;
  onTransfer: () => void;
}) {
  const isMe = member.userId === meId;
  // Ownership can only go to an Admin: the API refuses anyone else.
  const canTransfer = account.isOwner && !member.isOwner && member.role === 'admin';
  const canRemove = canManage && !member.isOwner && !isMe;
  // Members without members.manage leave from the top of the page.
  const canLeave = canManage && isMe && !member.isOwner;
  // Your own new role waits here until you confirm it (it may take away what you can do).
  const [ownRole, setOwnRole] = useState<Role | null>(null);
  const changeRole = useChangeRole(account.id, member.userId);
  const actions: RowAction[] = [];
  if (canTransfer) {
    actions.push({
      key: 'transfer',
      label: 'Transfer ownership',
      variant: 'subtle',
      onClick: onTransfer,
    });
  }
  if (canRemove) actions.push({ key: 'remove', label: 'Remove', color: 'red', onClick: onRemove });
  if (canLeave) actions.push({ key: 'leave', label: 'Leave team', color: 'red', onClick: onLeave });
  return (
    <Table.Tr data-testid="member-row" data-member-email={member.email}>
      <Table.Td>
        <MemberIdentity member={member} isMe={isMe} />
      </Table.Td>
      <Table.Td>
        {canManage ? (
          <Tooltip
            label="Nobody changes the owner's role"
            disabled={!member.isOwner}
            withArrow
            position="top-start"
          >
            <Select
              aria-label={`Role of ${member.name}`}
              data={ROLES.map((r) => ({ value: r.value, label: r.label }))}
              value={member.role}
              onChange={(value) => {
                if (!value || value === member.role) return;
                if (isMe) setOwnRole(value as Role);
                else
                  changeRole.mutate(value as Role, {
                    onError: (error) =>
                      notifications.show({ color: 'red', message: error.message }),
                  });
              }}
              disabled={member.isOwner || changeRole.isPending}
              allowDeselect={false}
              w={{ base: 110, sm: 140 }}
              size="xs"
              data-testid="member-role"
            />
          </Tooltip>
        ) : (
          <Text size="sm" data-testid="member-role-text">
            {roleLabel(member.role)}
          </Text>
        )}
      </Table.Td>
      <Table.Td visibleFrom="md">
        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
          {formatDate(member.joinedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <RowActions actions={actions} menuLabel={`Actions for ${member.name}`} />
        <ConfirmDialog
          opened={ownRole !== null}
          title="Change your own role"
          confirmLabel={`Make me ${roleLabel(ownRole ?? member.role)}`}
          color="orange"
          onClose={() => setOwnRole(null)}
          onConfirm={() => (ownRole ? changeRole.mutateAsync(ownRole) : Promise.resolve())}
        >
          <Text>
            Change your role in {account.name} from <b>{roleLabel(member.role)}</b> to{' '}
            <b>{roleLabel(ownRole ?? member.role)}</b>?
          </Text>
          {member.role === 'admin' && ownRole !== 'admin' && (
            <Text size="sm" c="dimmed">
              You will no longer be able to manage members, invites or roles, so you cannot undo
              this yourself: the owner or another Admin would have to give the role back.
            </Text>
          )}
        </ConfirmDialog>
      </Table.Td>
    </Table.Tr>
  );
}
