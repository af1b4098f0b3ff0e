import { Alert } from '@mantine/core';
import { fieldError } from '../api/field-error';

/** Shows an error that belongs to no single field. */
export function FormError({ error }: { error: unknown }) {
  const info = fieldError(error);
  if (!info || info.field) return null;
  return (
    <Alert color="red" variant="light" role="alert">
      {info.message}
    </Alert>
  );
}

/** The message for one field, when the error is about it. */
export function errorFor(error: unknown, field: string): string | undefined {
  const info = fieldError(error);
  return info?.field === field ? info.message : undefined;
}
