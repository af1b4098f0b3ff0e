import { Modal, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { useChangeEmail } from './account-api';
import { DialogActions, PasswordField } from './confirm-fields';

/** Changing the email one signs in with: the new one and the password. */
export function ChangeEmailDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const change = useChangeEmail();
  const form = useForm({ initialValues: { email: '', password: '' } });
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        form.reset();
        change.reset();
      }}
      title="Change your email"
    >
      <form onSubmit={form.onSubmit((values) => change.mutate(values, { onSuccess: onClose }))}>
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
            {...apiFieldProps(form, change.error, 'email')}
          />
          <PasswordField
            value={form.values.password}
            onChange={(value) => form.setFieldValue('password', value)}
            error={change.error}
          />
          <FormError error={change.error} />
          <DialogActions onCancel={onClose} pending={change.isPending}>
            Change email
          </DialogActions>
        </Stack>
      </form>
    </Modal>
  );
}
