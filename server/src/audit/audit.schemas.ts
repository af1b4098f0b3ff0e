import { type Static, Type } from '@sinclair/typebox';
import {
  Body,
  EXPECTED,
  Id,
  IsoTime,
  Nullable,
  Page,
  RoleSchema,
  ref,
  StringEnum,
} from '../http/schemas.js';
import { AUDIT_ACTIONS, RESOURCE_TYPES } from './audit.events.js';

/** ISO 8601: a date, or a date and time with a zone (`Z` or `±hh:mm`). */
const ISO_8601 =
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$';
const ISO_8601_EXPECTED = 'an ISO 8601 date or date-time, e.g. 2026-11-28 or 2026-11-28T06:58:26Z';

export const ResourceTypeSchema = StringEnum(RESOURCE_TYPES);
/**
 * Every action Gantry writes, as an enum in the OpenAPI document: the console reads its list
 * from there (web/src/audit/audit-filters.ts).
 */
export const AuditActionSchema = StringEnum(AUDIT_ACTIONS);
export const OutcomeSchema = StringEnum(['success', 'denied', 'failure']);

/** The filters shared by the query and the export; unknown parameters are refused. */
const filterProperties = {
  from: Type.Optional(
    Type.String({
      pattern: ISO_8601,
      description: 'Inclusive start, ISO 8601 (e.g. 2026-01-31T00:00:00Z)',
      [EXPECTED]: ISO_8601_EXPECTED,
    }),
  ),
  to: Type.Optional(
    Type.String({
      pattern: ISO_8601,
      description: 'Exclusive end, ISO 8601',
      [EXPECTED]: ISO_8601_EXPECTED,
    }),
  ),
  userId: Type.Optional(Id),
  action: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z_]*(\\.[a-z][a-z_]*)*(\\.\\*)?$',
      maxLength: 64,
      description: 'An action (pod.stop) or a prefix (pod.*)',
    }),
  ),
  excludeAction: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z_]*(\\.[a-z][a-z_]*)*(\\.\\*)?$',
      maxLength: 64,
      description:
        'Leaves out an action (billing.charge, the system’s per-minute charges) or a prefix (pod.*)',
    }),
  ),
  resourceType: Type.Optional(ResourceTypeSchema),
  resourceId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
  ),
  outcome: Type.Optional(OutcomeSchema),
};

export const AuditQuery = Type.Object(
  {
    ...filterProperties,
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type AuditQueryInput = Static<typeof AuditQuery>;

export const ExportFormatSchema = StringEnum(['csv', 'jsonl']);
export const AuditExportQuery = Type.Object(
  { ...filterProperties, format: Type.Optional(ExportFormatSchema) },
  { additionalProperties: false },
);
export type AuditExportInput = Static<typeof AuditExportQuery>;

export const AuditEventSchema = Type.Object(
  {
    id: Id,
    seq: Type.Integer({ description: 'Position in the account chain' }),
    time: IsoTime,
    accountId: Id,
    actor: Type.Object({
      type: StringEnum(['user', 'apikey', 'system', 'operator']),
      id: Nullable(Type.String()),
      userId: Nullable(Type.String()),
      email: Nullable(Type.String()),
    }),
    action: AuditActionSchema,
    resource: Type.Object({ type: Type.String(), id: Nullable(Type.String()) }),
    outcome: OutcomeSchema,
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'AuditEvent' },
);

export const AuditPageSchema = Page(ref(AuditEventSchema));

export const AuditActorSchema = Type.Object({
  userId: Type.String(),
  email: Nullable(Type.String()),
  name: Nullable(Type.String({ description: 'Current name; null when the user no longer exists' })),
  role: Nullable(RoleSchema),
  isMember: Type.Boolean({ description: 'Whether they are a member of the account now' }),
  lastSeenAt: IsoTime,
});
export const AuditActorsResponse = Type.Object({
  items: Type.Array(AuditActorSchema),
  nextCursor: Type.Null(),
});

export const VerifyResponse = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  firstBrokenId: Nullable(Type.String()),
  firstBrokenSeq: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
  startedAfterSeq: Type.Integer({ description: 'Seq of the prune checkpoint verify started from' }),
});

export const RetentionDays = Type.Integer({ minimum: 1, maximum: 365_000 });
export const AuditSettingsSchema = Type.Object({
  retentionDays: Nullable(RetentionDays),
  minRetentionDays: Type.Integer({ description: "The operator's minimum: no account keeps less" }),
  maxRetentionDays: Nullable(Type.Integer({ description: "The operator's maximum" })),
  effectiveRetentionDays: Nullable(Type.Integer({ description: 'null: events are kept forever' })),
  pendingRetentionDays: Nullable(
    Type.Integer({ description: 'A shorter retention that applies from pendingEffectiveAt' }),
  ),
  pendingEffectiveAt: Nullable(IsoTime),
  updatedAt: Nullable(IsoTime),
});
export const AuditSettingsBody = Body({ retentionDays: Nullable(RetentionDays) });

export const auditSharedSchemas = [AuditEventSchema];
