import { Type } from '@sinclair/typebox';
import { AccountParams, Body, Id, IsoTime, Name, Nullable } from '../http/schemas.js';

const NullableTime = Nullable(IsoTime);

const apiKeyProperties = {
  id: Id,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the secret, e.g. gnt_ab12cd' }),
  readOnly: Type.Boolean(),
  createdBy: Id,
  createdByName: Type.String(),
  createdByEmail: Type.String(),
  createdAt: IsoTime,
  lastUsedAt: Nullable(IsoTime, { description: 'Updated at most about once a minute' }),
  expiresAt: NullableTime,
  disabled: Type.Boolean(),
  expired: Type.Boolean(),
};

export const ApiKeySchema = Type.Object(apiKeyProperties, { $id: 'ApiKey' });

export const CreatedApiKeySchema = Type.Object(
  {
    ...apiKeyProperties,
    secret: Type.String({ description: 'The key itself (gnt_…); shown only in this answer' }),
  },
  { $id: 'CreatedApiKey' },
);

export const CreateApiKeyBody = Body({
  name: Name(100),
  readOnly: Type.Optional(Type.Boolean()),
  expiresAt: Type.Optional(
    Nullable(IsoTime, { description: 'In the future, at most a year ahead' }),
  ),
});

export const ApiKeyParams = Type.Object(
  { ...AccountParams.properties, keyId: Id },
  { additionalProperties: false },
);

export const apiKeySchemas = [ApiKeySchema, CreatedApiKeySchema];
