import { Modal, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, call } from '../api/client';
import { errorFor, FormError } from '../components/errors';
import { DialogActions, PasswordField } from './confirm-fields';
import { USER_EVENTS_KEY } from './user-events';

/** Changing the email one signs in with: the new one and the password. */
export function ChangeEmailDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const change = useMutation({
    mutationFn: () => call(api.POST('/api/v1/me/email', { body: { email, password } })),
    onSuccess: async (answer) => {
      onClose();
      notifications.show(
        answer.pendingEmail
          ? {
              color: 'blue',
              message: `We mailed a link to ${answer.pendingEmail}: your email changes once you follow it`,
            }
          : { color: 'green', message: 'Email changed' },
      );
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      await queryClient.invalidateQueries({ queryKey: USER_EVENTS_KEY });
    },
  });
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        setEmail('');
        setPassword('');
        change.reset();
      }}
      title="Change your email"
    >
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          change.mutate();
        }}
      >
        <Stack>
          <Text size="sm">
            You sign in with the new email once it is confirmed (by the link mailed to it, where
            Gantry sends mail).
          </Text>
          <TextInput
            label="New email"
            type="email"
            required
            maxLength={254}
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={errorFor(change.error, 'email')}
          />
          <PasswordField value={password} onChange={setPassword} error={change.error} />
          <FormError error={change.error} />
          <DialogActions onCancel={onClose} pending={change.isPending}>
            Change email
          </DialogActions>
        </Stack>
      </form>
    </Modal>
  );
}
