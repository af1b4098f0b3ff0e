import { Type } from '@sinclair/typebox';
import { AccountDtoSchema } from '../accounts/accounts.schemas.js';
import { Body, Email, Id, IsoTime, Name, Nullable, Password, ref } from '../http/schemas.js';

export const UserSchema = Type.Object(
  { id: Id, email: Type.String(), name: Type.String(), createdAt: IsoTime },
  { $id: 'User' },
);

export const SignupBody = Body({ email: Email, password: Password, name: Name(100) });
export const LoginBody = Body({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const SignupResponse = Type.Object({
  user: ref(UserSchema),
  account: ref(AccountDtoSchema),
});
export const LoginResponse = Type.Object({ user: ref(UserSchema) });

export const SessionSchema = Type.Object({
  id: Id,
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  current: Type.Boolean(),
});

export const MembershipSchema = Type.Object({
  account: ref(AccountDtoSchema),
  role: Type.String(),
  isOwner: Type.Boolean(),
});

export const MeResponse = Type.Object({
  user: ref(UserSchema),
  memberships: Type.Array(MembershipSchema),
});

export const RevokedSessionsResponse = Type.Object({
  revoked: Type.Integer({ minimum: 0, description: 'How many sessions were signed out' }),
});

export const SessionParams = Type.Object({ sessionId: Id }, { additionalProperties: false });

export const sharedSchemas = [UserSchema, AccountDtoSchema];
