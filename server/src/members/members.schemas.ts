import { Type } from '@sinclair/typebox';
import { Body, Id, IsoTime, RoleSchema } from '../http/schemas.js';

export const MemberSchema = Type.Object(
  {
    userId: Id,
    email: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    isOwner: Type.Boolean(),
    joinedAt: IsoTime,
    twoFactor: Type.Boolean({ description: 'Whether the member signs in with two factors' }),
  },
  { $id: 'Member' },
);

export const MemberParams = Type.Object(
  { accountId: Id, userId: Id },
  { additionalProperties: false },
);

export const ChangeRoleBody = Body({ role: RoleSchema });
