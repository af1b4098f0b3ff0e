import { Type } from '@sinclair/typebox';
import { Body, Id, IsoTime, Money, Name, Nullable, ref, StringEnum } from '../http/schemas.js';
import { POD_ENV_LIMITS } from './runtime/pod-env.js';
import { POD_STATUSES } from './state.js';

export const PodStatusSchema = StringEnum(POD_STATUSES, { description: 'Pod status' });

export const PodActionSchema = StringEnum(['start', 'stop', 'restart', 'terminate', 'connect']);

export const PodDtoSchema = Type.Object(
  {
    id: Id,
    name: Type.String(),
    status: PodStatusSchema,
    gpuType: Type.String(),
    gpuCount: Type.Integer(),
    templateId: Type.String(),
    pricePerHour: Money,
    createdBy: Id,
    createdByName: Nullable(Type.String()),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    startedAt: Nullable(IsoTime),
    stoppedAt: Nullable(IsoTime),
    actions: Type.Array(PodActionSchema, {
      description: 'What the caller may do with the Pod now',
    }),
    lastError: Nullable(Type.String()),
  },
  { $id: 'Pod' },
);

export const GpuTypeSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    memoryGb: Type.Integer(),
    pricePerHour: Money,
  },
  { $id: 'GpuType' },
);

export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    ports: Type.Array(Type.Integer()),
    /** The environment variables a Pod of this template may be given (any other is refused). */
    env: Type.Array(Type.String()),
  },
  { $id: 'Template' },
);

export const CatalogResponse = Type.Object({
  /** ISO 4217 code of the prices (the ledger's one currency). */
  currency: Type.String(),
  gpuTypes: Type.Array(ref(GpuTypeSchema)),
  templates: Type.Array(ref(TemplateSchema)),
});

export const PodParams = Type.Object({ accountId: Id, podId: Id }, { additionalProperties: false });

export const ListPodsQuery = Type.Object(
  {
    includeTerminated: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const CreatePodBody = Body({
  name: Name(64),
  gpuType: Type.String({ minLength: 1, maxLength: 64 }),
  gpuCount: Type.Integer({ minimum: 1, maximum: 8 }),
  templateId: Type.String({ minLength: 1, maxLength: 64 }),
  env: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: POD_ENV_LIMITS.maxValueBytes }), {
      maxProperties: POD_ENV_LIMITS.maxVars,
      description:
        'Environment variables for the Pod: names of letters, digits and underscores, not starting with a digit; names Gantry sets (POD_*, PORT*, GANTRY_*, HOST, GPU_*) and loader hooks (LD_*, NODE_OPTIONS, …) are refused',
    }),
  ),
});

export const ConnectResponse = Type.Object({ urls: Type.Array(Type.String()) });

export const LogsQuery = Type.Object(
  { tailBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 * 1024 })) },
  { additionalProperties: false },
);

export const LogsResponse = Type.Object({ podId: Id, text: Type.String() });

export const podSharedSchemas = [PodDtoSchema, GpuTypeSchema, TemplateSchema];
