import { Alert, Button, Card, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { hasErrorCode } from '../api/client';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useChangePassword } from './account-api';

/** Changing the password, which signs out every other session. */
export function PasswordCard() {
  const [done, setDone] = useState<number | null>(null);
  const change = useChangePassword();
  const form = useForm({
    initialValues: { currentPassword: '', newPassword: '', confirm: '' },
    validate: {
      confirm: (value, values) =>
        value === values.newPassword ? null : 'The passwords do not match',
    },
  });
  const submit = form.onSubmit(
    ({ currentPassword, newPassword }) => {
      setDone(null);
      change.mutate(
        { currentPassword, newPassword },
        {
          onSuccess: ({ revoked }) => {
            form.reset();
            setDone(revoked);
          },
        },
      );
    },
    () => setDone(null),
  );
  const wrongPassword = hasErrorCode(change.error, 'wrong_password');
  return (
    <Card withBorder data-testid="password-card">
      <Title order={2} size="h4">
        Password
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Changing your password signs out every other browser and device signed in as you.
      </Text>
      <form onSubmit={submit}>
        <Stack gap="sm" maw={420}>
          <PasswordInput
            label="Current password"
            required
            maxLength={256}
            autoComplete="current-password"
            {...apiFieldProps(form, change.error, 'currentPassword')}
            {...(wrongPassword ? { error: 'This is not your current password' } : {})}
          />
          <PasswordInput
            label="New password"
            required
            maxLength={256}
            autoComplete="new-password"
            description="At least 10 characters"
            {...apiFieldProps(form, change.error, 'newPassword')}
          />
          <PasswordInput
            label="Confirm new password"
            required
            maxLength={256}
            autoComplete="new-password"
            {...form.getInputProps('confirm')}
          />
          <FormError error={change.error} />
          {done !== null && (
            <Alert color="green" variant="light" role="status" data-testid="password-changed">
              Password changed.{' '}
              {done === 0
                ? 'No other sessions were signed in.'
                : `Signed out ${done} other ${done === 1 ? 'session' : 'sessions'}.`}
            </Alert>
          )}
          <Group>
            <Button type="submit" variant="light" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
