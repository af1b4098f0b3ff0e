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

/** The standard error responses every route can give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ref(ErrorResponse)])) as Record<
    number,
    typeof ErrorResponse
  >;

/** `{ items, nextCursor }`, the shape of every list endpoint. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

/** A request body object that refuses unknown fields. */
export const Body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

/** A `$ref` to a named shared schema that keeps the schema's static type. */
export const ref = <T extends TSchema & { $id?: string }>(schema: T) =>
  Type.Unsafe<Static<T>>(Type.Ref(schema.$id ?? ''));
