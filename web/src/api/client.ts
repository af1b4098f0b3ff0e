import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** The typed API client; its types are generated from the server's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

export type Account = components['schemas']['Account'];
export type User = components['schemas']['User'];
export type Permission = Account['permissions'][number];

/**
 * An error answer of the API: `{ error: { code, message, field? } }` plus the status. `field`
 * names the input the error is about (from the validator's instance path), when there is one.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** True when `error` is the API's answer with this error code. */
export function hasErrorCode(error: unknown, code: string): error is ApiError {
  return error instanceof ApiError && error.code === code;
}

/**
 * Unwraps an openapi-fetch result: the data, or an {@link ApiError} thrown with
 * the server's code and message.
 */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await promise;
  if (response.ok) return data as T;
  const body = error as
    | { error?: { code?: string; message?: string; field?: string | null } }
    | undefined;
  throw new ApiError(
    response.status,
    body?.error?.code ?? 'unknown',
    body?.error?.message ?? `Request failed (${response.status})`,
    typeof body?.error?.field === 'string' ? body.error.field : null,
  );
}
