import { AppError } from '../errors.js';

export const ROLES = ['basic', 'billing', 'dev', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'account.use',
  'pods.view',
  'pods.connect',
  'pods.create',
  'pods.start',
  'pods.stop',
  'pods.terminate',
  'billing.view',
  'billing.manage',
  'settings.manage',
  'members.manage',
  'audit.view',
  'apikeys.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** `true`: granted; `'own'`: granted only on resources the actor created. */
type Grant = true | 'own';

/**
 * The policy table of SPEC §4 — the one place that decides what a role may do.
 * Typed so a role or permission missing here fails to compile.
 */
export const POLICY = {
  basic: { 'account.use': true, 'pods.view': true, 'pods.connect': true },
  billing: { 'account.use': true, 'billing.view': true, 'billing.manage': true },
  dev: {
    'account.use': true,
    'pods.view': true,
    'pods.connect': true,
    'pods.create': true,
    'pods.start': true,
    'pods.stop': true,
    'pods.terminate': 'own',
  },
  admin: Object.fromEntries(PERMISSIONS.map((p) => [p, true])) as Record<Permission, Grant>,
} as const satisfies Record<Role, Partial<Record<Permission, Grant>>>;

/** Permissions that only read: what a read-only API key keeps. */
export const READ_PERMISSIONS: ReadonlySet<Permission> = new Set([
  'account.use',
  'pods.view',
  'billing.view',
  'audit.view',
]);

/** Who is acting on one account, as resolved for the current request. */
export interface AccountActor {
  accountId: string;
  accountKind: 'personal' | 'team';
  userId: string;
  email: string;
  role: Role;
  isOwner: boolean;
  /** Set when the request is authenticated by an API key. */
  apiKey?: { id: string; readOnly: boolean };
}

/** Optional facts about the resource acted on, for `'own'` grants. */
export interface ResourceFacts {
  createdBy?: string | null;
}

function grantOf(actor: AccountActor, permission: Permission): Grant | undefined {
  // The owner of a personal account holds every permission on it.
  if (actor.accountKind === 'personal' && actor.isOwner) return true;
  return (POLICY[actor.role] as Partial<Record<Permission, Grant>>)[permission];
}

/** True when `actor` may exercise `permission` (on `resource`, when given). */
export function can(
  actor: AccountActor,
  permission: Permission,
  resource?: ResourceFacts,
): boolean {
  if (actor.apiKey?.readOnly && !READ_PERMISSIONS.has(permission)) return false;
  const grant = grantOf(actor, permission);
  if (grant === true) return true;
  if (grant === 'own') return resource === undefined || resource.createdBy === actor.userId;
  return false;
}

/**
 * The one authorization check every service function calls first.
 * Throws a 403 AppError carrying the denied permission, which the account
 * transaction helper records as a `denied` audit event.
 */
export function authorize(
  actor: AccountActor,
  permission: Permission,
  resource?: ResourceFacts,
): void {
  if (can(actor, permission, resource)) return;
  const readOnly = actor.apiKey?.readOnly && !READ_PERMISSIONS.has(permission);
  throw new AppError(
    readOnly ? 'read_only_key' : 'forbidden',
    readOnly
      ? 'This API key is read-only'
      : `Your role does not allow this (${permission} is required)`,
    { denied: { permission } },
  );
}

/**
 * {@link permissionsOf}'s lists, per role, then by owner of a personal account (2) + read-only
 * key (1) as an index: no key string is built per call.
 */
const PERMISSION_LISTS = Object.fromEntries(ROLES.map((role) => [role, []])) as unknown as Record<
  Role,
  (readonly Permission[] | undefined)[]
>;

/**
 * Every permission the actor holds on the account (resource-independent view). It
 * depends only on the role, on owning a personal account and on a read-only key, so
 * each combination's list is computed once (read on every account answer); callers
 * get a copy of it.
 */
export function permissionsOf(actor: AccountActor): Permission[] {
  const personalOwner = actor.accountKind === 'personal' && actor.isOwner;
  const readOnly = actor.apiKey?.readOnly === true;
  const lists = PERMISSION_LISTS[actor.role];
  const index = (personalOwner ? 2 : 0) + (readOnly ? 1 : 0);
  let list = lists[index];
  if (!list) {
    list = PERMISSIONS.filter((p) => can(actor, p));
    lists[index] = list;
  }
  return list.slice();
}

/**
 * For what only the account's owner may do (Delete Team, transfer ownership,
 * convert). Call it after {@link authorize}; throws a 403 that the account
 * transaction helper audits as a `denied` attempt.
 */
export function authorizeOwner(actor: AccountActor, what: string): void {
  if (actor.isOwner && !actor.apiKey?.readOnly) return;
  throw new AppError(
    actor.apiKey?.readOnly ? 'read_only_key' : 'forbidden',
    actor.apiKey?.readOnly ? 'This API key is read-only' : `Only the owner can ${what}`,
    { denied: { permission: 'owner' } },
  );
}
