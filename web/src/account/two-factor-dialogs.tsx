import { Alert, Modal, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { FormEvent } from 'react';
import { useMe } from '../api/hooks';
import { FormError } from '../components/errors';
import { useDisableTwoFactor, useRenewRecoveryCodes } from './account-api';
import { DialogActions, PasswordField } from './confirm-fields';
import { RecoveryCodes } from './RecoveryCodes';
import { CodeField, PasswordStep } from './two-factor-fields';

/** New recovery codes in place of the old ones, after the password. */
export function RecoveryCodesDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const form = useForm({ initialValues: { password: '' } });
  const { password } = form.values;
  const setPassword = (value: string) => form.setFieldValue('password', value);
  const renewMutation = useRenewRecoveryCodes();
  const renew = {
    ...renewMutation,
    mutate: () => renewMutation.mutate(password, { onSuccess: () => setPassword('') }),
  };
  const codes = renew.data?.recoveryCodes;
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        form.reset();
        renew.reset();
      }}
      title="New recovery codes"
      closeOnClickOutside={!codes}
      size="lg"
    >
      {codes ? (
        <RecoveryCodes codes={codes} onDone={onClose} />
      ) : (
        <PasswordStep
          intro="Ten new codes replace all your old ones, used or not: the old ones stop working."
          password={password}
          onChange={setPassword}
          request={renew}
          action="Make new codes"
          onCancel={onClose}
        />
      )}
    </Modal>
  );
}

/** Turning two-factor sign-in off: the password and a code, so a stolen session cannot. */
export function DisableTwoFactorDialog({
  opened,
  onClose,
}: {
  opened: boolean;
  onClose: () => void;
}) {
  const form = useForm({ initialValues: { password: '', code: '' } });
  const { password, code } = form.values;
  const setPassword = (value: string) => form.setFieldValue('password', value);
  const setCode = (value: string) => form.setFieldValue('code', value);
  const disable = useDisableTwoFactor();
  const error = disable.error;
  const me = useMe();
  const requiring = (me.data?.memberships ?? [])
    .filter((m) => m.account.requireTwoFactor)
    .map((m) => m.account.name);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={() => {
        form.reset();
        disable.reset();
      }}
      title="Turn off two-factor sign-in"
    >
      <form
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          disable.mutate({ password, code }, { onSuccess: onClose });
        }}
      >
        <Stack>
          <Text size="sm">Signing in will ask for your password only.</Text>
          {requiring.length > 0 && (
            <Alert color="orange" variant="light" data-testid="teams-requiring-two-factor">
              {requiring.join(', ')} {requiring.length === 1 ? 'requires' : 'require'} two-factor
              sign-in: turning it off shuts you out until you turn it on again.
            </Alert>
          )}
          <PasswordField value={password} onChange={setPassword} error={error} />
          <CodeField
            value={code}
            onChange={setCode}
            error={error}
            label="Code"
            description="From your authenticator app, or a recovery code"
          />
          <FormError error={error} />
          <DialogActions onCancel={onClose} pending={disable.isPending} color="red">
            Turn off
          </DialogActions>
        </Stack>
      </form>
    </Modal>
  );
}
