import { Type } from '@sinclair/typebox';
import { Id, IsoTime, RoleSchema } from '../http/schemas.js';
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
