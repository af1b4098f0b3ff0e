import { Button, Group, PasswordInput } from '@mantine/core';
import type { ReactNode } from 'react';
import { hasErrorCode } from '../api/client';
import { errorFor } from '../components/errors';

/** The password asked again before a sensitive change; a wrong one is said at the field. */
export function PasswordField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: unknown;
}) {
  const wrong = hasErrorCode(error, 'wrong_password');
  return (
    <PasswordInput
      label="Your password"
      required
      maxLength={256}
      autoComplete="current-password"
      data-autofocus
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={wrong ? 'This is not your password' : errorFor(error, 'password')}
    />
  );
}

/** The buttons at a dialog's foot: cancel, and the form's submit. */
export function DialogActions({
  onCancel,
  pending,
  color,
  children,
}: {
  onCancel: () => void;
  pending: boolean;
  color?: string;
  children: ReactNode;
}) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" color={color} loading={pending}>
        {children}
      </Button>
    </Group>
  );
}
