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
  'pod.update',
  'pod.terminal',
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
