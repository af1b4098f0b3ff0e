import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Menu,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useOutletContext } from 'react-router-dom';
import { type Account, api, call } from '../api/client';
import { useMe, usePolicy } from '../api/hooks';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { errorFor, FormError } from '../components/errors';
import { type FullLayoutFrom, TableFrame } from '../components/TableFrame';
import { formatDate, formatDateTime, relativeTime } from '../format/dates';
import { ConvertToTeamButton } from './ConvertToTeamButton';
import { CopyLinkButton, InviteDialog } from './InviteDialog';
import { TeamTwoFactorCard } from './TeamTwoFactorCard';
import {
  type Invite,
  invitesKey,
  type Member,
  ROLES,
  type Role,
  refreshTeam,
  roleLabel,
  useInvites,
  useMembers,
} from './teams-api';

/** The team's name; editable with settings.manage. */
function TeamNameCard({ account }: { account: Account }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(account.name);
  const rename = useMutation({
    mutationFn: () =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}', {
          params: { path: { accountId: account.id } },
          body: { name },
        }),
      ),
    onSuccess: async (updated) => {
      queryClient.setQueryData(['account', updated.id], updated);
      await refreshTeam(queryClient, updated.id);
      notifications.show({ color: 'green', message: 'Team name saved' });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate();
  };
  return (
    <Card withBorder>
      <form onSubmit={submit}>
        <Group align="flex-end">
          <TextInput
            label="Team name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errorFor(rename.error, 'name')}
            style={{ flex: 1, maxWidth: 420 }}
          />
          <Button
            type="submit"
            variant="light"
            loading={rename.isPending}
            disabled={!name.trim() || name === account.name}
          >
            Save
          </Button>
        </Group>
        <FormError error={rename.error} />
      </form>
    </Card>
  );
}

function MemberRow({
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
  const queryClient = useQueryClient();
  const isMe = member.userId === meId;
  const canTransfer = account.isOwner && !member.isOwner;
  const canRemove = canManage && !member.isOwner && !isMe;
  const canLeave = isMe && !member.isOwner;
  // Your own new role waits here until you confirm it (it may take away what you can do).
  const [ownRole, setOwnRole] = useState<Role | null>(null);
  const changeRole = useMutation({
    mutationFn: (role: Role) =>
      call(
        api.PATCH('/api/v1/accounts/{accountId}/members/{userId}', {
          params: { path: { accountId: account.id, userId: member.userId } },
          body: { role },
        }),
      ),
    onSuccess: async (updated) => {
      await refreshTeam(queryClient, account.id);
      notifications.show({
        color: 'green',
        message: `${updated.name} is now ${roleLabel(updated.role)}`,
      });
    },
    // Your own change is confirmed in a dialog, which shows its error itself.
    onError: (error) => !isMe && notifications.show({ color: 'red', message: error.message }),
  });
  return (
    <Table.Tr data-testid="member-row" data-member-email={member.email}>
      <Table.Td>
        {/* On a phone the badges go under the name, and a long email breaks anywhere. */}
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
            <Badge size="sm" variant="light">
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
                else changeRole.mutate(value as Role);
              }}
              disabled={member.isOwner || changeRole.isPending}
              allowDeselect={false}
              w={{ base: 110, sm: 140 }}
              size="xs"
              data-testid="member-role"
            />
          </Tooltip>
        ) : (
          <Text size="sm">{roleLabel(member.role)}</Text>
        )}
      </Table.Td>
      <Table.Td visibleFrom="md">
        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
          {formatDate(member.joinedAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" justify="flex-end" wrap="nowrap" visibleFrom="md">
          {canTransfer && (
            <Button size="xs" variant="subtle" onClick={onTransfer}>
              Transfer ownership
            </Button>
          )}
          {canRemove && (
            <Button size="xs" variant="light" color="red" onClick={onRemove}>
              Remove
            </Button>
          )}
          {canLeave && (
            <Button size="xs" variant="light" color="red" onClick={onLeave}>
              Leave team
            </Button>
          )}
        </Group>
        {/* On a phone the same actions, in a menu. */}
        {(canTransfer || canRemove || canLeave) && (
          <Group justify="flex-end" hiddenFrom="md">
            <Menu position="bottom-end" shadow="md">
              <Menu.Target>
                <ActionIcon variant="default" size={30} aria-label={`Actions for ${member.name}`}>
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                {canTransfer && <Menu.Item onClick={onTransfer}>Transfer ownership</Menu.Item>}
                {canRemove && (
                  <Menu.Item color="red" onClick={onRemove}>
                    Remove
                  </Menu.Item>
                )}
                {canLeave && (
                  <Menu.Item color="red" onClick={onLeave}>
                    Leave team
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          </Group>
        )}
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

/** Members, with the Invite New Member button at the top of the section. */
function MembersSection({ account, onLeave }: { account: Account; onLeave: () => void }) {
  const queryClient = useQueryClient();
  const me = useMe();
  const members = useMembers(account.id, true);
  const [inviteOpen, invite] = useDisclosure(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [transferring, setTransferring] = useState<Member | null>(null);
  return (
    <Card withBorder data-testid="members-card">
      <Group justify="space-between" mb="sm">
        <Title order={3}>Members</Title>
        <Button leftSection={<IconUserPlus size={16} />} onClick={invite.open}>
          Invite New Member
        </Button>
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
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {members.data?.items.map((member) => (
              <MemberRow
                key={member.userId}
                account={account}
                member={member}
                meId={me.data?.user.id}
                canManage
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
      <InviteDialog accountId={account.id} opened={inviteOpen} onClose={invite.close} />
      <ConfirmDialog
        opened={removing !== null}
        title="Remove member"
        confirmLabel="Remove"
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          await call(
            api.DELETE('/api/v1/accounts/{accountId}/members/{userId}', {
              params: { path: { accountId: account.id, userId: removing.userId } },
            }),
          );
          await refreshTeam(queryClient, account.id);
        }}
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
        onConfirm={async () => {
          if (!transferring) return;
          await call(
            api.POST('/api/v1/accounts/{accountId}/transfer-ownership', {
              params: { path: { accountId: account.id } },
              body: { userId: transferring.userId },
            }),
          );
          await refreshTeam(queryClient, account.id);
        }}
      >
        <Text>
          Make <b>{transferring?.name}</b> the owner of {account.name}? Ownership can only go to an
          Admin. You stay on the team as an Admin, and only the new owner can delete the team or
          transfer it again.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}

/**
 * The pending invites' full layout from `lg` up: with their links they need ~800 px, more than
 * a 1024 px laptop's page has. (The members table fits from `md`.)
 */
const INVITES_FULL_FROM: FullLayoutFrom = 'lg';

function InviteRow({ invite, onRevoke }: { invite: Invite; onRevoke: () => void }) {
  const usesLeft = invite.maxUses - invite.uses;
  return (
    <Table.Tr data-testid="invite-row" data-invite-url={invite.url ?? ''}>
      <Table.Td visibleFrom={INVITES_FULL_FROM}>
        <Badge variant="light">{roleLabel(invite.role)}</Badge>
      </Table.Td>
      <Table.Td>
        {/* On a phone this cell also holds the role, the expiry and the uses left. */}
        <Badge variant="light" hiddenFrom={INVITES_FULL_FROM} mb={4}>
          {roleLabel(invite.role)}
        </Badge>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {invite.email ?? 'Anyone with the link'}
        </Text>
        <Text size="xs" c="dimmed">
          by {invite.createdByName}
        </Text>
        <Text size="xs" c="dimmed" hiddenFrom={INVITES_FULL_FROM}>
          Expires {relativeTime(invite.expiresAt)} · {usesLeft} of {invite.maxUses} uses left
        </Text>
      </Table.Td>
      <Table.Td visibleFrom={INVITES_FULL_FROM}>
        <Tooltip label={formatDateTime(invite.expiresAt)} withArrow>
          <Text size="sm">{relativeTime(invite.expiresAt)}</Text>
        </Tooltip>
      </Table.Td>
      <Table.Td visibleFrom={INVITES_FULL_FROM}>
        <Text size="sm" data-testid="invite-uses-left">
          {usesLeft} of {invite.maxUses}
        </Text>
      </Table.Td>
      <Table.Td maw={280} visibleFrom={INVITES_FULL_FROM}>
        {invite.url ? (
          <Group gap="xs" wrap="nowrap">
            <Code
              style={{
                overflow: 'hidden',
                textOverflow: 'ellipsis',
                whiteSpace: 'nowrap',
                maxWidth: 220,
              }}
            >
              {invite.url}
            </Code>
            <CopyLinkButton url={invite.url} />
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            Link can no longer be shown — revoke it and create a new one
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          {invite.url && (
            <Box hiddenFrom={INVITES_FULL_FROM}>
              <CopyLinkButton url={invite.url} />
            </Box>
          )}
          <Button size="xs" variant="light" color="red" onClick={onRevoke}>
            Revoke
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Pending invites: each with role, expiry, uses left, its link to copy again, and revoke. */
function PendingInvitesSection({ account }: { account: Account }) {
  const queryClient = useQueryClient();
  const invites = useInvites(account.id, true);
  const [revoking, setRevoking] = useState<Invite | null>(null);
  const items = invites.data?.items ?? [];
  return (
    <Card withBorder data-testid="pending-invites">
      <Title order={3} mb="sm">
        Pending invites
      </Title>
      {invites.isError && (
        <Alert color="red" variant="light">
          {invites.error.message}
        </Alert>
      )}
      {items.length === 0 && !invites.isPending ? (
        <Text c="dimmed" size="sm">
          No pending invites. Use Invite New Member to create a link.
        </Text>
      ) : (
        <TableFrame minWidth={800} from={INVITES_FULL_FROM}>
          <Table verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th visibleFrom={INVITES_FULL_FROM}>Role</Table.Th>
                <Table.Th>For</Table.Th>
                <Table.Th visibleFrom={INVITES_FULL_FROM}>Expires</Table.Th>
                <Table.Th visibleFrom={INVITES_FULL_FROM}>Uses left</Table.Th>
                <Table.Th visibleFrom={INVITES_FULL_FROM}>Link</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((invite) => (
                <InviteRow key={invite.id} invite={invite} onRevoke={() => setRevoking(invite)} />
              ))}
            </Table.Tbody>
          </Table>
        </TableFrame>
      )}
      <ConfirmDialog
        opened={revoking !== null}
        title="Revoke invite"
        confirmLabel="Revoke invite"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await call(
            api.DELETE('/api/v1/accounts/{accountId}/invites/{inviteId}', {
              params: { path: { accountId: account.id, inviteId: revoking.id } },
            }),
          );
          await queryClient.invalidateQueries({ queryKey: invitesKey(account.id) });
          notifications.show({ message: 'Invite revoked: its link no longer works' });
        }}
      >
        <Text>
          Revoke the <b>{revoking ? roleLabel(revoking.role) : ''}</b> invite
          {revoking?.email ? ` for ${revoking.email}` : ''}? Its link stops working at once; people
          who already joined with it stay. This cannot be undone.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}

/** Delete Team, owner only, confirmed by typing the team's name. */
function DeleteTeamSection({ account }: { account: Account }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const [typed, setTyped] = useState('');
  const remove = useMutation({
    mutationFn: () =>
      call(
        api.DELETE('/api/v1/accounts/{accountId}/team', {
          params: { path: { accountId: account.id } },
        }),
      ),
    onSuccess: async (personal) => {
      queryClient.setQueryData(['account', personal.id], personal);
      await refreshTeam(queryClient, personal.id);
      notifications.show({ message: `${personal.name} is a personal account again` });
      navigate(`/accounts/${personal.id}`);
    },
  });
  const dismiss = () => {
    setTyped('');
    remove.reset();
    close();
  };
  return (
    <Card withBorder style={{ borderColor: 'var(--mantine-color-red-3)' }}>
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Title order={4} c="red">
            Delete Team
          </Title>
          <Text size="sm" c="dimmed">
            Every other member loses access at once and pending invites are revoked. The account
            becomes your personal account again; its Pods, balance and history stay.
          </Text>
        </div>
        <Button color="red" variant="outline" onClick={open} style={{ flexShrink: 0 }}>
          Delete Team
        </Button>
      </Group>
      <Modal opened={opened} onClose={dismiss} title="Delete Team">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (typed === account.name) remove.mutate();
          }}
        >
          <Stack>
            <Text size="sm">
              This removes every member of <b>{account.name}</b> except you and revokes its pending
              invites. The account becomes your personal account again, named after you; its Pods,
              balance and history stay. It cannot be undone.
            </Text>
            <TextInput
              label={
                <>
                  Type <b>{account.name}</b> to confirm
                </>
              }
              aria-label="Type the team name to confirm"
              autoComplete="off"
              data-autofocus
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
            />
            <FormError error={remove.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={dismiss}>
                Cancel
              </Button>
              <Button
                type="submit"
                color="red"
                loading={remove.isPending}
                disabled={typed !== account.name}
              >
                Delete this team
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Card>
  );
}

/** The Team page: name, Members (+ Invite New Member), Pending invites, Delete Team. */
export function TeamPage() {
  const account = useOutletContext<Account>();
  const policy = usePolicy(account);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useMe();
  const [leaving, setLeaving] = useState(false);
  if (account.kind !== 'team') {
    return (
      <Stack>
        <Title order={2}>Team</Title>
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
  const canManage = policy.can('members.manage');
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2}>Team</Title>
          <Text c="dimmed" size="sm">
            {account.name} · you are {roleLabel(account.role)}
            {account.isOwner ? ' and the owner' : ''}
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
      {canManage ? (
        <>
          <MembersSection account={account} onLeave={() => setLeaving(true)} />
          <PendingInvitesSection account={account} />
        </>
      ) : (
        <Alert color="gray" variant="light" title="Members">
          Your role in this team does not include managing members and invites. Ask the team's owner
          if you need someone added or your role changed.
        </Alert>
      )}
      {account.isOwner && <DeleteTeamSection account={account} />}
      <ConfirmDialog
        opened={leaving}
        title="Leave team"
        confirmLabel="Leave team"
        onClose={() => setLeaving(false)}
        onConfirm={async () => {
          const userId = me.data?.user.id;
          if (!userId) return;
          await call(
            api.DELETE('/api/v1/accounts/{accountId}/members/{userId}', {
              params: { path: { accountId: account.id, userId } },
            }),
          );
          queryClient.removeQueries({ queryKey: ['account', account.id] });
          await queryClient.invalidateQueries({ queryKey: ['me'] });
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
