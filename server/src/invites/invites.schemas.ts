import { Type } from '@sinclair/typebox';
import { AccountDtoSchema } from '../accounts/accounts.schemas.js';
import { Body, Email, Id, IsoTime, Nullable, RoleSchema, ref } from '../http/schemas.js';

/** An invite token: 256 random bits, base64url — exactly 43 characters. */
export const INVITE_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

export const InviteSchema = Type.Object(
  {
    id: Id,
    role: RoleSchema,
    url: Nullable(Type.String(), {
      description: 'The link to share; null if it can no longer be shown (instance secret changed)',
    }),
    email: Nullable(Type.String(), {
      description: 'Only the user with this email may accept',
    }),
    expiresAt: IsoTime,
    maxUses: Type.Integer(),
    uses: Type.Integer(),
    createdAt: IsoTime,
    createdBy: Id,
    createdByName: Type.String(),
    createdByEmail: Type.String(),
  },
  { $id: 'Invite' },
);

export const InvitePreviewSchema = Type.Object(
  {
    accountName: Type.String(),
    role: RoleSchema,
    expiresAt: IsoTime,
    inviterName: Type.String(),
    status: Type.Literal('pending'),
    emailBound: Type.Boolean({ description: 'Only one email address may accept' }),
  },
  { $id: 'InvitePreview' },
);

export const CreateInviteBody = Body({
  role: RoleSchema,
  email: Type.Optional(Email),
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720, default: 168 })),
  maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
});

export const InviteParams = Type.Object(
  { accountId: Id, inviteId: Id },
  { additionalProperties: false },
);

export const TokenParams = Type.Object(
  {
    token: Type.String({
      minLength: 43,
      maxLength: 43,
      pattern: INVITE_TOKEN_PATTERN,
      description: 'The token of an invite link',
    }),
  },
  { additionalProperties: false },
);

export const AcceptInviteResponse = Type.Object({
  account: ref(AccountDtoSchema),
  role: RoleSchema,
});
