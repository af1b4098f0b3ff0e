import { Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconUsersGroup } from '@tabler/icons-react';
import { formatDateTime, relativeTime } from '../format/dates';
import { type InvitePreview, ROLES, roleLabel } from './teams-api';

/** What the invite offers: the team, who invited you, the role and what it can do. */
export function InviteOffer({ preview }: { preview: InvitePreview }) {
  const role = ROLES.find((r) => r.value === preview.role);
  return (
    <Stack gap="xs">
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon variant="light" size="lg">
          <IconUsersGroup />
        </ThemeIcon>
        <Text size="sm" c="dimmed">
          {preview.inviterName} invited you to join
        </Text>
      </Group>
      <Title order={1} size="h2" data-testid="invite-team">
        {preview.accountName}
      </Title>
      <Paper withBorder p="sm" bg="var(--mantine-color-default-hover)">
        <Text size="sm">
          Role: <b data-testid="invite-role">{roleLabel(preview.role)}</b>
        </Text>
        {role && (
          <Text size="sm" c="dimmed">
            {role.description}
          </Text>
        )}
      </Paper>
      <Text size="xs" c="dimmed">
        This invite expires {relativeTime(preview.expiresAt)} ({formatDateTime(preview.expiresAt)}).
        {preview.emailBound && ' It can only be accepted with the email address it was sent to.'}
      </Text>
      {preview.email && (
        <Text size="sm" data-testid="invite-expected-email">
          This invite is for <b>{preview.email}</b>: sign up or in with that address and verify it.
        </Text>
      )}
    </Stack>
  );
}
