/** Every audit action Gantry writes; a typed union so a misspelt action fails to compile. */
export const AUDIT_ACTIONS = [
  'account.create',
  'account.view',
  'account.update',
  'account.convert',
  'account.delete_team',
  'ownership.transfer',
  'member.view',
  'member.role_change',
  'member.remove',
  'member.leave',
  'invite.view',
  'invite.create',
  'invite.revoke',
  'invite.accept',
  'pod.view',
  'pod.create',
  'pod.start',
  'pod.stop',
  'pod.restart',
  'pod.terminate',
  'pod.connect',
  'pod.error',
  'billing.view',
  'billing.update',
  'billing.credit',
  'billing.charge',
  'audit.view',
  'audit.export',
  'audit.verify',
  'audit.prune',
  'audit.settings_update',
  'apikey.view',
  'apikey.create',
  'apikey.disable',
  'apikey.enable',
  'apikey.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const RESOURCE_TYPES = [
  'account',
  'member',
  'invite',
  'pod',
  'billing',
  'apikey',
  'audit',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export type ActorType = 'user' | 'apikey' | 'system' | 'operator';
export type Outcome = 'success' | 'denied' | 'failure';

/** Who caused an event, as recorded (email as it was at the time). */
export interface AuditActor {
  type: ActorType;
  /** The user id, API key id, or a name for system/operator actors. */
  id: string | null;
  userId: string | null;
  email: string | null;
}

/** Where a request came from; filled in once per request by the HTTP layer. */
export interface AuditContext {
  actor: AuditActor;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const SYSTEM_CONTEXT: AuditContext = {
  actor: { type: 'system', id: 'gantry', userId: null, email: null },
  ip: null,
  userAgent: null,
  requestId: null,
};

export function operatorContext(name = process.env.USER ?? 'operator'): AuditContext {
  return {
    actor: { type: 'operator', id: name, userId: null, email: null },
    ip: null,
    userAgent: null,
    requestId: null,
  };
}

/** A before/after pair of the fields a change touched. */
interface Change<T> {
  before: T;
  after: T;
}

/** The details of a Pod's status change, as every Pod move and the system's own moves write them. */
export interface PodMoveDetails extends Change<{ status: string }> {
  name: string;
  /** Why the system moved it (balance out, workload exited, …). */
  reason?: string;
  message?: string;
  [extra: string]: unknown;
}

/** What a credit records, whoever grants it (welcome credit, the operator, a payment provider). */
export interface CreditDetails {
  transactionId: string;
  amount: string;
  balanceAfter: string;
  provider: string;
  note: string | null;
}

/** One Pod's share of a metering charge. */
export interface ChargeLine {
  podId: string;
  amount: string;
  periodStart: string;
  periodEnd: string;
  durationMs: number;
}

/**
 * The shape of `details` for every action, checked where the event is written (documenso's
 * per-type audit data). A refused attempt records {@link DeniedDetails} instead.
 */
export interface AuditDetailsMap {
  'account.create': { name: string; kind: 'personal' | 'team' };
  'account.view': never;
  'account.update': Change<{ name: string } | { requireTwoFactor: boolean }> & {
    reason?: string;
  };
  'account.convert': Change<{ kind: 'personal' | 'team'; name: string }>;
  'account.delete_team': Change<{ kind: 'personal' | 'team'; name: string }> & {
    removedMemberIds: string[];
    revokedInviteIds: string[];
  };
  'ownership.transfer': {
    before: { ownerId: string };
    after: { ownerId: string; ownerEmail: string };
  };
  'member.view': never;
  'member.role_change': Change<{ role: string }> & { email: string };
  'member.remove': { email: string; role: string };
  'member.leave': { email: string; role: string };
  'invite.view': never;
  'invite.create': {
    role: string;
    email: string | null;
    expiresAt: string;
    maxUses: number;
  };
  'invite.revoke': Change<{ revokedAt: string | null }> & {
    role: string;
    email: string | null;
    uses: number;
    reason?: string;
  };
  'invite.accept': { role: string; userId?: string; reason?: string };
  'pod.view': never;
  'pod.create': {
    after: {
      name: string;
      gpuType: string;
      gpuCount: number;
      templateId: string;
      pricePerHour: string;
      envNames: string[];
      [extra: string]: unknown;
    };
  };
  'pod.start': PodMoveDetails;
  'pod.stop': PodMoveDetails;
  'pod.restart': PodMoveDetails;
  'pod.terminate': PodMoveDetails;
  'pod.error': PodMoveDetails;
  'pod.connect': { port: number };
  'billing.view': never;
  'billing.update': Change<Record<string, unknown>>;
  'billing.credit': CreditDetails;
  'billing.charge': {
    total: string;
    balanceAfter: string;
    charges: ChargeLine[];
    [extra: string]: unknown;
  };
  'audit.view': never;
  'audit.export': { format: string; filters: Record<string, unknown> };
  'audit.verify': {
    ok: boolean;
    checked: number;
    firstBrokenId: string | null;
    [extra: string]: unknown;
  };
  'audit.prune': {
    retentionDays: number;
    cutoff: string;
    deleted: number;
    throughSeq: number | null;
  };
  'audit.settings_update': {
    before: {
      retentionDays: number | null;
      pendingRetentionDays?: number | null;
      pendingEffectiveAt?: string | null;
    };
    after: { retentionDays: number | null };
    /** When the new retention applies: now, or after the delay of a shortening. */
    effectiveAt: string;
  };
  'apikey.view': never;
  'apikey.create': {
    after: { name: string; prefix: string; readOnly: boolean; expiresAt: string | null };
  };
  'apikey.disable': ApiKeyChangeDetails;
  'apikey.enable': ApiKeyChangeDetails;
  'apikey.revoke': { name: string; prefix: string; createdBy: string };
}

interface ApiKeyChangeDetails extends Change<{ disabled: boolean }> {
  name: string;
  prefix: string;
  createdBy: string;
}

/** What a refused attempt records, whatever its action. */
export interface DeniedDetails {
  reason: string;
  /** What the policy found lacking (a permission, `owner`, `writer`). */
  permission?: string;
  [extra: string]: unknown;
}

/** The `details` of an event of `action` (indexing the map: an action without a shape fails to compile). */
export type AuditDetails<A extends AuditAction> = AuditDetailsMap[A];
