import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { FormError } from '../components/errors';
import { formatDate } from '../format/dates';
import { useTwoFactorStatus } from './account-api';
import { EnableTwoFactorDialog } from './EnableTwoFactorDialog';
import { DisableTwoFactorDialog, RecoveryCodesDialog } from './two-factor-dialogs';

/** Below this many recovery codes left, the card says to make new ones. */
const FEW_RECOVERY_CODES = 3;

/** Settings → Two-factor sign-in: whether it is on, and turning it on or off. */
export function TwoFactorCard() {
  const status = useTwoFactorStatus();
  const [dialog, setDialog] = useState<'enable' | 'disable' | 'recovery' | null>(null);
  const close = () => setDialog(null);
  const data = status.data;
  return (
    <Card withBorder data-testid="two-factor-card">
      <Group gap="xs">
        <Title order={2} size="h4">
          Two-factor sign-in
        </Title>
        {data && (
          <Badge variant="light" color={data.enabled ? 'green' : 'gray'}>
            {data.enabled ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      {status.isError && <FormError error={status.error} />}
      {data && !data.enabled && (
        <Stack gap="sm" align="flex-start">
          <Text size="sm" c="dimmed">
            Besides your password, signing in asks for a code from an authenticator app on your
            phone. Someone who learns your password still cannot sign in as you.
          </Text>
          <Button variant="light" onClick={() => setDialog('enable')}>
            Turn on
          </Button>
        </Stack>
      )}
      {data?.enabled && (
        <Stack gap="sm" align="flex-start">
          <Text size="sm" c="dimmed">
            On since {data.enabledAt ? formatDate(data.enabledAt) : '—'}: signing in asks for a code
            from your authenticator app.{' '}
            <span data-testid="recovery-codes-left">
              {data.recoveryCodesLeft} recovery {data.recoveryCodesLeft === 1 ? 'code' : 'codes'}{' '}
              left.
            </span>
          </Text>
          {data.recoveryCodesLeft <= FEW_RECOVERY_CODES && (
            <Alert color="yellow" variant="light" role="status">
              Few recovery codes are left: make new ones, so a lost phone does not lock you out.
            </Alert>
          )}
          <Group gap="xs">
            <Button variant="default" onClick={() => setDialog('recovery')}>
              New recovery codes
            </Button>
            <Button variant="light" color="red" onClick={() => setDialog('disable')}>
              Turn off
            </Button>
          </Group>
        </Stack>
      )}
      <EnableTwoFactorDialog opened={dialog === 'enable'} onClose={close} />
      <RecoveryCodesDialog opened={dialog === 'recovery'} onClose={close} />
      <DisableTwoFactorDialog opened={dialog === 'disable'} onClose={close} />
    </Card>
  );
}
