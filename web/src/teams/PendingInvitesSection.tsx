import { Alert, Badge, Box, Card, Code, Group, Table, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import type { Account } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { RowActions } from '../components/RowActions';
import { type FullLayoutFrom, TableFrame } from '../components/TableFrame';
import { formatDateTime, relativeTime } from '../format/dates';
import { CopyLinkButton } from './InviteDialog';
import { useInvites, useRevokeInvite } from './invites-api';
import { type Invite, roleLabel } from './teams-api';

/**
 * The pending invites' full layout from `lg` up: with their links they need ~800 px, more than
 * a 1024 px laptop's page has. (The members table fits from `md`.)
 */
const INVITES_FULL_FROM: FullLayoutFrom = 'lg';

function InviteLink({ url }: { url: string | null | undefined }) {
  if (!url) {
    return (
      <Text size="xs" c="dimmed">
        Link can no longer be shown — revoke it and create a new one
      </Text>
    );
  }
  return (
    <Group gap="xs" wrap="nowrap">
      <Code
        style={{
          overflow: 'hidden',
          textOverflow: 'ellipsis',
          whiteSpace: 'nowrap',
          maxWidth: 220,
        }}
      >
        {url}
      </Code>
      <CopyLinkButton url={url} />
    </Group>
  );
}

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
        <InviteLink url={invite.url} />
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap" justify="flex-end">
          {invite.url && (
            <Box hiddenFrom={INVITES_FULL_FROM}>
              <CopyLinkButton url={invite.url} />
            </Box>
          )}
          <RowActions
            menuLabel={`Actions for the invite ${invite.email ?? ''}`.trim()}
            actions={[
              {
                key: 'revoke',
                label: 'Revoke',
                color: 'red',
                placement: 'button',
                onClick: onRevoke,
              },
            ]}
          />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Pending invites: each with role, expiry, uses left, its link to copy again, and revoke. */
export function PendingInvitesSection({ account }: { account: Account }) {
  const invites = useInvites(account.id, true);
  const revoke = useRevokeInvite(account.id);
  const [revoking, setRevoking] = useState<Invite | null>(null);
  const items = invites.data?.items ?? [];
  return (
    <Card withBorder data-testid="pending-invites">
      <Title order={2} size="h3" mb="sm">
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
        onConfirm={() => (revoking ? revoke.mutateAsync(revoking) : Promise.resolve())}
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
