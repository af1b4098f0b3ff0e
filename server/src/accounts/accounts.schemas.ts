import { Type } from '@sinclair/typebox';
import { Body, Id, IsoTime, Name, RoleSchema } from '../http/schemas.js';
import { PERMISSIONS } from '../permissions/policy.js';

export const PermissionSchema = Type.Union(PERMISSIONS.map((p) => Type.Literal(p)));

export const AccountDtoSchema = Type.Object(
  {
    id: Id,
    name: Type.String(),
    kind: Type.Union([Type.Literal('personal'), Type.Literal('team')]),
    ownerId: Id,
    createdAt: IsoTime,
    updatedAt: IsoTime,
    role: RoleSchema,
    isOwner: Type.Boolean(),
    permissions: Type.Array(PermissionSchema),
  },
  { $id: 'Account' },
);

export const RenameAccountBody = Body({ name: Name(100) });
export const ConvertAccountBody = Body({
  teamName: Name(64),
});
export const TransferOwnershipBody = Body({ userId: Id });
