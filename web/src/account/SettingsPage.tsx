import { Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { Link, useParams } from 'react-router-dom';
import { PasswordCard } from './PasswordCard';
import { ProfileCard } from './ProfileCard';
import { SecurityActivityCard } from './SecurityActivityCard';
import { SessionsCard } from './SessionsCard';
import { TwoFactorCard } from './TwoFactorCard';

/** Where the API keys live (their own page). */
function ApiKeysCard() {
  const { accountId = '' } = useParams();
  return (
    <Card withBorder>
      <Group justify="space-between">
        <div>
          <Title order={2} size="h4">
            API keys
          </Title>
          <Text size="sm" c="dimmed">
            Keys for scripts and the gantry command line, acting as you in this account. The{' '}
            <Anchor href="/api/docs/" target="_blank" size="sm" underline="always">
              API reference
            </Anchor>{' '}
            describes every operation a key can call.
          </Text>
        </div>
        <Button
          component={Link}
          to={`/accounts/${accountId}/settings/api-keys`}
          variant="light"
          leftSection={<IconKey size={16} />}
        >
          Manage API keys
        </Button>
      </Group>
    </Card>
  );
}

/** Settings of the signed-in user and the account. */
export function SettingsPage() {
  return (
    <Stack>
      <Title order={1} size="h2">
        Settings
      </Title>
      {/* You first (the same in every account), then this account's API keys. */}
      <ProfileCard />
      <PasswordCard />
      <TwoFactorCard />
      <SessionsCard />
      <SecurityActivityCard />
      <ApiKeysCard />
    </Stack>
  );
}
