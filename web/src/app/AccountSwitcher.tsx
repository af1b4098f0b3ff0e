import { Badge, Group, Menu, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconChevronDown, IconPlus } from '@tabler/icons-react';
import { useNavigate } from 'react-router-dom';
import type { Account } from '../api/client';
import { useMe } from '../api/hooks';
import { CreateTeamDialog } from '../teams/CreateTeamDialog';
import { roleLabel } from '../teams/teams-api';

function kindLabel(account: Pick<Account, 'kind'>) {
  return account.kind === 'team' ? 'Team' : 'Personal';
}

/** The header's account switcher: every account I belong to, and Create team. */
export function AccountSwitcher({ current }: { current: Account }) {
  const me = useMe();
  const navigate = useNavigate();
  const [creating, createDialog] = useDisclosure(false);
  return (
    <>
      <Menu position="bottom-start" width={280} shadow="md">
        <Menu.Target>
          {/* Shrinks in a narrow header: the name ends in …, the kind badge goes below 576 px.
              Its accessible name starts with what it shows ("Acme ML Team"). */}
          <UnstyledButton data-testid="account-switcher" miw={0}>
            <Group gap={6} wrap="nowrap">
              <Text fw={600} truncate title={current.name}>
                {current.name}
              </Text>
              <Badge size="xs" variant="light" visibleFrom="xs" style={{ flexShrink: 0 }}>
                {kindLabel(current)}
              </Badge>
              <VisuallyHidden>, switch account</VisuallyHidden>
              <IconChevronDown size={14} style={{ flexShrink: 0 }} aria-hidden />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Your accounts</Menu.Label>
          {me.data?.memberships.map((m) => (
            <Menu.Item
              key={m.account.id}
              onClick={() => navigate(`/accounts/${m.account.id}`)}
              rightSection={
                <Badge size="xs" variant="outline" data-testid="account-switcher-role">
                  {m.isOwner ? 'Owner' : roleLabel(m.role)}
                </Badge>
              }
            >
              <Group gap={6}>
                <Text size="sm">{m.account.name}</Text>
                <Text size="xs" c="dimmed">
                  {kindLabel(m.account)}
                </Text>
              </Group>
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconPlus size={14} />} onClick={createDialog.open}>
            Create team
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <CreateTeamDialog opened={creating} onClose={createDialog.close} />
    </>
  );
}
