import { Alert } from '@mantine/core';
import { ApiError } from '../api/client';

/** Splits an API validation message (`body/email must …`) into the field and a sentence. */
export function fieldError(error: unknown): { field: string | null; message: string } | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) return { field: null, message: String(error) };
  const match = /^body\/(\w+) (.*)$/.exec(error.message);
  if (match) return { field: match[1] ?? null, message: match[2] ?? error.message };
  return { field: null, message: error.message };
}

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
