import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance } from 'fastify';
import { busyError, isContention } from '../db/transaction.js';
import { AppError, type ErrorCode } from '../errors.js';
import { sendError } from './request.js';
import { describeValidationError } from './validation.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Turns a validation error into a sentence naming the field: `body/email must be a valid email`. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = `${error.validationContext ?? 'request'}${first.instancePath || ''}`;
  return describeValidationError(where, first as ErrorObject);
}

/** Names the type the API did not read (quoted as JSON: a header may hold anything). */
function unsupportedMediaType(contentType: string | undefined): string {
  const sent = contentType
    ? `Content-Type ${JSON.stringify(contentType.slice(0, 100))}`
    : 'no Content-Type';
  return `The request body must be JSON sent as application/json (got ${sent})`;
}

/**
 * The input field a validation error is about, as a dotted path inside its part (`email` for
 * `body/email`, `members.0.role` for `body/members/0/role`); for a missing or unknown field, that
 * field. Undefined when the error is about the part as a whole (a body that is not an object).
 */
export function offendingField(error: ErrorObject): string | undefined {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    segments.push(String(params.missingProperty));
  } else if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    segments.push(String(params.additionalProperty));
  }
  return segments.length > 0 ? segments.join('.') : undefined;
}

/** The one place where errors become HTTP answers. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) return sendError(reply, error);
    // A transaction outside `transact` that lost to contention: busy, never a 500.
    if (isContention(error)) return sendError(reply, busyError());
    if (error.validation) {
      const first = error.validation[0] as ErrorObject | undefined;
      const field = first ? offendingField(first) : undefined;
      return sendError(
        reply,
        new AppError('invalid_input', validationMessage(error), field ? { field } : {}),
      );
    }
    const status = error.statusCode ?? 500;
    const code = STATUS_CODES[status];
    if (status < 500 && code) {
      const message =
        status === 413
          ? 'Request body is larger than 1 MiB'
          : status === 415
            ? unsupportedMediaType(request.headers['content-type'])
            : error.message;
      return sendError(reply, new AppError(code, message));
    }
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return sendError(reply, new AppError('internal', `Internal error (request ${request.id})`));
  });
}
