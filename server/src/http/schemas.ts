import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { UUID_PATTERN } from '../lib/ids.js';

/** Text a person typed: no control characters. */
const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';

export const Name = (maxLength = 100) =>
  Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL, description: 'Plain text' });

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
export const Password = Type.String({ minLength: 10, maxLength: 256 });
export const Id = Type.String({ pattern: UUID_PATTERN, description: 'UUIDv7' });
export const IsoTime = Type.String({ format: 'date-time' });
export const Money = Type.String({ pattern: '^-?\\d+\\.\\d{6}$', description: 'Decimal amount' });

export const RoleSchema = Type.Union(
  [Type.Literal('basic'), Type.Literal('billing'), Type.Literal('dev'), Type.Literal('admin')],
  { description: 'Role in an account' },
);

export const AccountParams = Type.Object({ accountId: Id }, { additionalProperties: false });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  },
  { $id: 'ErrorResponse' },
);

/** The standard error responses every route can give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, ref(ErrorResponse)])) as Record<
    number,
    typeof ErrorResponse
  >;

/** `{ items, nextCursor }`, the shape of every list endpoint. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** A request body object that refuses unknown fields. */
export const Body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

/** A `$ref` to a named shared schema that keeps the schema's static type. */
export const ref = <T extends TSchema & { $id?: string }>(schema: T) =>
  Type.Unsafe<Static<T>>(Type.Ref(schema.$id ?? ''));
