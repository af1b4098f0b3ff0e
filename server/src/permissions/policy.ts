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
 * The policy table — the one place that decides what a role may do.
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
 * What an account operation needs of its actor: a permission of the table above, `'owner'`
 * (only the account's owner: Delete Team, transfer ownership, convert), or `'writer'` (any
 * caller but a read-only API key: what needs no permission but still changes something, such
 * as leaving a team).
 */
export type Need = Permission | 'owner' | 'writer';

/**
 * Needs that depend on whether the actor created the resource acted on: `own` when they did,
 * `others` when someone else did (an API key: your own needs `account.use` and a writer,
 * another member's needs `apikeys.manage`).
 */
export interface NeedsByCreator {
  own: Need | readonly Need[];
  others: Need | readonly Need[];
}

/** Every shape of need an operation can declare: one, all of a list, or by creator. */
export type Needs = Need | readonly Need[] | NeedsByCreator;

function authorizeNeed(
  actor: AccountActor,
  need: Need,
  resource: ResourceFacts | undefined,
  what: string,
): void {
  if (need === 'owner') authorizeOwner(actor, what);
  else if (need === 'writer') {
    if (actor.apiKey?.readOnly) {
      throw new AppError('read_only_key', 'This API key is read-only', {
        denied: { permission: 'writer' },
      });
    }
  } else authorize(actor, need, resource);
}

/**
 * Checks every need of `needs` (in order; the first one lacking throws its 403). With
 * {@link NeedsByCreator}, `resource.createdBy` picks the list, and nothing is checked before
 * the resource is known (a member may try; the resource decides).
 */
export function authorizeNeeds(
  actor: AccountActor,
  needs: Needs,
  resource?: ResourceFacts,
  what = 'do this',
): void {
  let list: Need | readonly Need[];
  if (typeof needs === 'object' && 'own' in needs) {
    // Which list applies is known only with the resource; a member may try either until then.
    if (resource === undefined) return;
    list = resource.createdBy === actor.userId ? needs.own : needs.others;
  } else list = needs;
  if (typeof list === 'string') authorizeNeed(actor, list, resource, what);
  else for (const need of list) authorizeNeed(actor, need, resource, what);
}

/**
 * For what only the account's owner may do (Delete Team, transfer ownership, convert): a 403
 * that the account operation audits as a `denied` attempt. Never a read-only key.
 */
export function authorizeOwner(actor: AccountActor, what: string): void {
  if (actor.isOwner && !actor.apiKey?.readOnly) return;
  throw new AppError(
    actor.apiKey?.readOnly ? 'read_only_key' : 'forbidden',
    actor.apiKey?.readOnly ? 'This API key is read-only' : `Only the owner can ${what}`,
    { denied: { permission: 'owner' } },
  );
}

/** Leaving a team: any member (the owner is refused by the members service), never a read-only key. */
export const LEAVE_NEEDS: readonly Need[] = ['account.use', 'writer'];

/**
 * Disabling, enabling or revoking an API key: your own needs only membership (and not a
 * read-only key), another member's needs `apikeys.manage`.
 */
export const KEY_CHANGE_NEEDS: NeedsByCreator = {
  own: ['account.use', 'writer'],
  others: 'apikeys.manage',
};
