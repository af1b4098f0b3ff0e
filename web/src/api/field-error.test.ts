import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { fieldError } from './field-error';

describe('fieldError', () => {
  it('reads the field the server names, from its instance path', () => {
    const error = new ApiError(400, 'invalid_input', 'body/email must be an email', '/email');
    expect(fieldError(error)).toEqual({ field: 'email', message: 'must be an email' });
  });

  it('names the top-level input of a nested path', () => {
    const error = new ApiError(400, 'invalid_input', 'body/env/FOO is too long', '/env/FOO');
    expect(fieldError(error)).toEqual({ field: 'env', message: 'is too long' });
  });

  it('keeps a message that names no path whole', () => {
    const error = new ApiError(409, 'name_taken', 'That name is taken', 'name');
    expect(fieldError(error)).toEqual({ field: 'name', message: 'That name is taken' });
  });

  it('falls back to the message when the server sends no field', () => {
    const error = new ApiError(400, 'invalid_input', 'body/gpuCount must be >= 1');
    expect(fieldError(error)).toEqual({ field: 'gpuCount', message: 'must be >= 1' });
  });

  it('belongs to no field otherwise', () => {
    expect(fieldError(new ApiError(403, 'forbidden', 'Not allowed'))).toEqual({
      field: null,
      message: 'Not allowed',
    });
    expect(fieldError(new Error('offline'))).toEqual({ field: null, message: 'offline' });
    expect(fieldError(null)).toBeNull();
  });
});
