import { Stack, Text, TextInput } from '@mantine/core';
import type { FormEvent } from 'react';
import { hasErrorCode } from '../api/client';
import { errorFor, FormError } from '../components/errors';
import { DialogActions, PasswordField } from './confirm-fields';

/** The code field's message, in the console's words for a wrong code. */
function codeMessage(error: unknown): string | undefined {
  return hasErrorCode(error, 'wrong_code')
    ? 'This code is wrong or was used already'
    : errorFor(error, 'code');
}

/** The code from the authenticator app (or a recovery code). */
export function CodeField({
  value,
  onChange,
  error,
  label = 'Code from the app',
  description,
}: {
  value: string;
  onChange: (value: string) => void;
  error: unknown;
  label?: string;
  description?: string;
}) {
  return (
    <TextInput
      label={label}
      description={description}
      placeholder="123 456"
      required
      maxLength={64}
      autoComplete="one-time-code"
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={codeMessage(error)}
    />
  );
}

/** A dialog's first step: the password again, before a change to two-factor sign-in. */
export function PasswordStep({
  intro,
  password,
  onChange,
  request,
  action,
  onCancel,
}: {
  intro: string;
  password: string;
  onChange: (value: string) => void;
  request: { mutate: () => void; isPending: boolean; error: unknown };
  action: string;
  onCancel: () => void;
}) {
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        request.mutate();
      }}
    >
      <Stack>
        <Text size="sm">{intro}</Text>
        <PasswordField value={password} onChange={onChange} error={request.error} />
        <FormError error={request.error} />
        <DialogActions onCancel={onCancel} pending={request.isPending}>
          {action}
        </DialogActions>
      </Stack>
    </form>
  );
}
