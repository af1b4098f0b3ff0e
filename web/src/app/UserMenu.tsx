import { Avatar, Box, Button, Menu, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { IconChevronDown, IconLogout } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useMe } from '../api/hooks';
import { useSignOut } from '../auth/auth-api';

/** "Ada Lovelace" → "AL". */
function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0]?.toUpperCase())
    .join('');
}

/**
 * The signed-in user's menu: Sign out. A button with their name; with `collapse`, below the `sm`
 * breakpoint (phones) their initials instead, so the header stays one line.
 */
export function UserMenu({ collapse = false }: { collapse?: boolean }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useSignOut(() => {
    queryClient.clear();
    navigate('/signin');
  });
  const user = me.data?.user;
  const signOutItem = (
    <Menu.Item leftSection={<IconLogout size={14} />} onClick={() => signOut.mutate()}>
      Sign out
    </Menu.Item>
  );
  return (
    <>
      <Menu position="bottom-end" shadow="md">
        <Menu.Target>
          <Button
            variant="subtle"
            rightSection={<IconChevronDown size={14} aria-hidden />}
            visibleFrom={collapse ? 'sm' : undefined}
            data-testid="user-name"
          >
            {user?.name}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{user?.email}</Menu.Label>
          {signOutItem}
        </Menu.Dropdown>
      </Menu>
      {collapse && (
        <Menu position="bottom-end" shadow="md" width={260}>
          <Menu.Target>
            {/* Named by what it shows (the initials), then whose menu it is. */}
            <UnstyledButton hiddenFrom="sm" title={user?.name} data-testid="user-menu">
              <Avatar color="initials" name={user?.name} size={34}>
                {initialsOf(user?.name ?? '')}
              </Avatar>
              <VisuallyHidden>, {user?.name}: your account</VisuallyHidden>
            </UnstyledButton>
          </Menu.Target>
          <Menu.Dropdown>
            <Box px="sm" py={6} style={{ overflowWrap: 'anywhere' }}>
              <Text size="sm" fw={600}>
                {user?.name}
              </Text>
              <Text size="xs" c="dimmed">
                {user?.email}
              </Text>
            </Box>
            <Menu.Divider />
            {signOutItem}
          </Menu.Dropdown>
        </Menu>
      )}
    </>
  );
}
