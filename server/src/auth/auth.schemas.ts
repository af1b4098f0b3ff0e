import { Type } from '@sinclair/typebox';
import { AccountDtoSchema } from '../accounts/accounts.schemas.js';
import {
  Body,
  Email,
  Id,
  IsoTime,
  Name,
  Nullable,
  Page,
  Password,
  ref,
  StringEnum,
} from '../http/schemas.js';

export const UserSchema = Type.Object(
  {
    id: Id,
    email: Type.String(),
    name: Type.String(),
    createdAt: IsoTime,
    emailVerified: Type.Boolean({
      description: 'Whether the user followed the verification link mailed to this address',
    }),
  },
  { $id: 'User' },
);

export const SignupBody = Body({ email: Email, password: Password, name: Name(100) });
/** Spaces and dashes in a code are ignored. */
const SecondFactorCode = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9 -]+$',
  description: "An authenticator app's 6 digits or a recovery code",
});

/** A password as typed to prove who one is (any length a password may have had). */
const CurrentPassword = Type.String({ minLength: 1, maxLength: 256 });

export const LoginBody = Body({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: CurrentPassword,
  code: Type.Optional(SecondFactorCode),
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

export const UpdateMeBody = Body({ name: Name(100) });
export const UpdateMeResponse = Type.Object({ user: ref(UserSchema) });

export const ChangeEmailBody = Body({ email: Email, password: CurrentPassword });
export const ChangeEmailResponse = Type.Object({
  user: ref(UserSchema),
  pendingEmail: Nullable(
    Type.String({
      description:
        'With mail configured: the address a confirmation link was mailed to; the email changes once it is followed',
    }),
  ),
});

/** A mailed link's token: 256 random bits, base64url. Other strings are 400 `invalid_token`. */
const LinkToken = Type.String({ minLength: 1, maxLength: 128 });
export const VerifyEmailBody = Body({ token: LinkToken });
export const VerifyEmailResponse = Type.Object({ user: ref(UserSchema) });
export const PasswordResetBody = Body({ email: Email });
export const PasswordResetConfirmBody = Body({ token: LinkToken, newPassword: Password });
export const PasswordResetConfirmResponse = Type.Object({
  sessionsRevoked: Type.Integer({ minimum: 0 }),
});
export const MailStatusResponse = Type.Object({
  mailConfigured: Type.Boolean({
    description: 'Whether Gantry sends mail; without it, links are handed over by the operator',
  }),
  invitesByEmail: Type.Boolean({
    description:
      'Whether invites may be bound to an email (mail sent, or addresses verified by the operator)',
  }),
});

export const ChangePasswordBody = Body({
  currentPassword: CurrentPassword,
  newPassword: Password,
});
export const ChangePasswordResponse = Type.Object({
  revoked: Type.Integer({ minimum: 0, description: 'How many other sessions were signed out' }),
});

/** What a user's security log records. Failed sign-ins are not among them (throttling counts those). */
export const USER_EVENT_ACTIONS = [
  'user.signup',
  'user.signin',
  'user.signout',
  'user.update',
  'user.email_change',
  'user.email_change_request',
  'user.email_verify',
  'user.password_change',
  'user.password_reset',
  'user.two_factor_enable',
  'user.two_factor_disable',
  'user.two_factor_reset',
  'user.recovery_codes_regenerate',
  'session.revoke',
  'session.revoke_others',
] as const;
export type UserEventAction = (typeof USER_EVENT_ACTIONS)[number];

export const TwoFactorStatusResponse = Type.Object({
  enabled: Type.Boolean(),
  enabledAt: Nullable(IsoTime),
  recoveryCodesLeft: Type.Integer({ minimum: 0 }),
});
export const TwoFactorSetupBody = Body({ password: CurrentPassword });
export const TwoFactorSetupResponse = Type.Object({
  secret: Type.String({ description: 'The authenticator secret, base32, for typing in' }),
  uri: Type.String({ description: 'The otpauth:// URI, for a QR code' }),
});
export const TwoFactorEnableBody = Body({ code: SecondFactorCode });
export const TwoFactorDisableBody = Body({ password: CurrentPassword, code: SecondFactorCode });
export const RecoveryCodesBody = Body({ password: CurrentPassword });
export const RecoveryCodesResponse = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Shown this once; each works once' }),
});

export const UserEventSchema = Type.Object(
  {
    id: Id,
    action: StringEnum(USER_EVENT_ACTIONS),
    time: IsoTime,
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    sessionId: Nullable(Type.String({ description: 'The session that acted' })),
    current: Type.Boolean({ description: "Whether the event's session is the caller's" }),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'UserEvent' },
);

export const UserEventsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    // The previous page's `nextCursor`: the id of its last event.
    cursor: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const UserEventsPage = Page(ref(UserEventSchema));

export const sharedSchemas = [UserSchema, AccountDtoSchema, UserEventSchema];
