import { type SchemaOptions, type Static, type TSchema, Type } from '@sinclair/typebox';
import { UUID_PATTERN } from '../lib/ids.js';
import { ROLES } from '../permissions/policy.js';

/**
 * Annotation keyword: what a valid value looks like, in words (`a decimal string such as
 * "50.00"`). A value of the wrong type or pattern is refused with `… must be <x-expected>`.
 */
export const EXPECTED = 'x-expected';

/** What a date-time must look like, in the words every message about one uses. */
export const DATE_TIME_EXPECTED = 'an ISO 8601 date-time, e.g. 2026-11-28T06:58:26Z';

/** Text a person typed: no control characters. */
const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';

export const Name = (maxLength = 100) =>
  Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL, description: 'Plain text' });

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
export const Password = Type.String({ minLength: 10, maxLength: 256 });
export const Id = Type.String({
  minLength: 36,
  maxLength: 36,
  pattern: UUID_PATTERN,
  description: 'UUIDv7',
  [EXPECTED]: 'an id such as 01900000-0000-7000-8000-000000000000',
});
export const IsoTime = Type.String({ format: 'date-time' });
export const Money = Type.String({ pattern: '^-?\\d+\\.\\d{6}$', description: 'Decimal amount' });

/**
 * One of `values`, as a string `enum`. Not a union of literals: the response serializer tests
 * a union (`anyOf`) branch by branch, one validator call each, on every answer.
 */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
) => Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });

/**
 * `schema` or null, as a type list (`"type": ["string", "null"]`) that the serializer writes
 * directly, where a union with `Type.Null()` would be tested branch by branch on every answer.
 * For schemas of one primitive type: strings (string enums included), numbers and booleans.
 */
export const Nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) => {
  // Only the JSON-schema keywords, not TypeBox's symbol-keyed markers.
  const plain: Record<string, unknown> = Object.fromEntries(Object.entries(schema));
  if (!['string', 'number', 'integer', 'boolean'].includes(plain.type as string)) {
    throw new Error(`Nullable takes a schema of one primitive type, not ${String(plain.type)}`);
  }
  return Type.Unsafe<Static<T> | null>({
    ...plain,
    ...options,
    type: [plain.type, 'null'],
    ...(Array.isArray(plain.enum) ? { enum: [...plain.enum, null] } : {}),
  });
};

export const RoleSchema = StringEnum(ROLES, { description: 'Role in an account' });

export const AccountParams = Type.Object({ accountId: Id }, { additionalProperties: false });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description: 'Machine-readable error code, one of a closed set (e.g. invalid_input)',
      }),
      message: Type.String({ description: 'What went wrong, in a sentence for people' }),
      field: Type.Optional(
        Type.String({
          description:
            'The input field the error is about, as a dotted path inside the body, query or ' +
            'path (`email`, `members.0.role`); only on validation errors about one field',
        }),
      ),
    }),
  },
  { $id: 'ErrorResponse', description: 'The answer of every failed request' },
);

/** What each error status of the API means, as the OpenAPI document describes it. */
export const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The input is invalid: `message` says what is wrong and `field` names the field',
  401: 'Not signed in, or the credentials, API key or code are wrong',
  402: "The account's balance cannot pay for this",
  403: 'Not allowed: a permission the role lacks, an API key where a person must sign in, or a cross-site request',
  404: 'Not found: it does not exist, or it is not in an account of the caller',
  405: 'The path does not answer this method (the `Allow` header lists those it does)',
  409: 'Refused in the current state of the resource (the code says why)',
  410: 'The invite link has expired, was revoked or is used up',
  413: 'The request body is larger than 1 MiB',
  415: 'The request body is not JSON',
  429: 'Too many attempts: try again after the seconds the `Retry-After` header gives',
  502: 'The Pod did not answer',
  503: 'Unavailable for now (the database is not reachable or too busy): try again later',
};

/** The `Retry-After` header of a throttled answer (429). */
const RETRY_AFTER = {
  type: 'integer',
  minimum: 1,
  maximum: 86_400,
  description: 'Seconds to wait before trying again',
};

/**
 * The standard error responses a route can give, for the OpenAPI document: JSON
 * (`ErrorResponse`) whatever the route's success answer is, each with what its status means.
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'The request failed',
        ...(status === 429 ? { headers: { 'retry-after': RETRY_AFTER } } : {}),
        content: { 'application/json': { schema: ref(ErrorResponse) } },
      },
    ]),
  ) as unknown as Record<number, typeof ErrorResponse>;

/** The keyword @fastify/swagger reads as a response's description (and leaves out of its schema). */
const RESPONSE_DESCRIPTION = 'x-response-description';

/**
 * A success response `schema` with the `description` the OpenAPI document gives it. A `$ref`
 * takes it as its `description` (the document keeps only the reference of it), any other schema
 * as the keyword @fastify/swagger removes (so the schema keeps its own description).
 */
export const answer = <T extends TSchema>(description: string, schema: T): T =>
  ('$ref' in schema
    ? { ...schema, description }
    : { ...schema, [RESPONSE_DESCRIPTION]: description }) as T;

/** `{ items, nextCursor }`, the shape of every list endpoint. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

/** A request body object that refuses unknown fields. */
export const Body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

/** A `$ref` to a named shared schema that keeps the schema's static type. */
export const ref = <T extends TSchema & { $id?: string }>(schema: T) =>
  Type.Unsafe<Static<T>>(Type.Ref(schema.$id ?? ''));
