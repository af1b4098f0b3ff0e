import { Type } from '@sinclair/typebox';
import { Body, Id, IsoTime, Name, RoleSchema, StringEnum } from '../http/schemas.js';
import { PERMISSIONS } from '../permissions/policy.js';

export const PermissionSchema = StringEnum(PERMISSIONS);

export const AccountDtoSchema = Type.Object(
  {
    id: Id,
    name: Type.String(),
    kind: StringEnum(['personal', 'team']),
    ownerId: Id,
    createdAt: IsoTime,
    updatedAt: IsoTime,
    role: RoleSchema,
    isOwner: Type.Boolean(),
    permissions: Type.Array(PermissionSchema),
    requireTwoFactor: Type.Boolean({
      description: 'Whether the team requires two-factor sign-in of everyone acting on it',
    }),
  },
  { $id: 'Account' },
);

export const RenameAccountBody = Body({ name: Name(100) });
export const AccountSecurityBody = Body({ requireTwoFactor: Type.Boolean() });
export const ConvertAccountBody = Body({
  teamName: Name(64),
});
/** Create team: a new team account beside the caller's others, owned by the caller. */
export const CreateTeamBody = Body({ name: Name(64) });
export const TransferOwnershipBody = Body({ userId: Id });
