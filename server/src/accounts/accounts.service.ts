import type { Static } from '@sinclair/typebox';
import { auditContextOf } from '../audit/audit.context.js';
import { findUserById } from '../auth/auth.store.js';
import { enabledTwoFactor } from '../auth/two-factor.service.js';
import { grantWelcomeCredit } from '../billing/billing.service.js';
import type { Caller, Deps, RequestMeta } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { AccountRow, UserRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import { revokeWithReason } from '../invites/invites.service.js';
import { newId } from '../lib/ids.js';
import { deleteMembersExcept, findMember } from '../members/members.store.js';
import {
  auditorOf,
  buildActor,
  inAccount,
  inAccountWithin,
  readAccount,
} from '../permissions/access.js';
import { type AccountActor, permissionsOf, type Role } from '../permissions/policy.js';
import type { AccountDtoSchema } from './accounts.schemas.js';
import {
  findPersonalAccountsNamed,
  insertAccount,
  insertMembership,
  listMembershipsOfUser,
  lockAccount,
  moveOwnership,
  updateAccount,
} from './accounts.store.js';

export type AccountDto = Static<typeof AccountDtoSchema>;

/** Maps an account row and the caller's standing on it to the API object. */
export function toAccountDto(account: AccountRow, actor: AccountActor): AccountDto {
  return {
    id: account.id,
    name: account.name,
    kind: account.kind,
    ownerId: account.owner_id,
    createdAt: account.created_at,
    updatedAt: account.updated_at,
    role: actor.role,
    isOwner: actor.isOwner,
    permissions: permissionsOf(actor),
    requireTwoFactor: account.require_two_factor_at !== null,
  };
}

/**
 * Creates a user's personal account, owned by them with the Admin role,
 * in the caller's transaction, and audits `account.create`; grants the welcome credit.
 */
export async function createPersonalAccount(
  deps: Deps,
  trx: Trx,
  user: UserRow,
  meta: RequestMeta,
  welcomeCredit = true,
): Promise<AccountDto> {
  const now = deps.clock.now();
  const caller: Caller = {
    ...meta,
    principal: {
      kind: 'session',
      userId: user.id,
      email: user.email,
      name: user.name,
      sessionId: '',
    },
  };
  const account = await insertOwnedAccount(trx, caller, now, user.name, 'personal');
  // Without it (mail configured), the credit waits for a verified email.
  await grantWelcomeCredit(trx, deps, account.id, meta, welcomeCredit ? undefined : 0);
  return toAccountDto(account, buildActor(caller.principal, account, 'admin'));
}

/**
 * Create team: a new team account owned by the signed-in caller (Admin), beside their personal
 * account and any others. Audited `account.create` on the new account, in its transaction. No
 * welcome credit: that is once per person, with their personal account.
 */
export async function createTeamAccount(
  deps: Deps,
  caller: Caller,
  input: { name: string },
): Promise<AccountDto> {
  const { principal } = caller;
  if (principal.kind !== 'session') {
    throw new AppError('forbidden', 'Creating a team needs a signed-in user, not an API key');
  }
  const name = cleanName(input.name, TEAM_NAME_MAX, 'Team name');
  const now = deps.clock.now();
  const account = await transact(deps.db, (trx) =>
    insertOwnedAccount(trx, caller, now, name, 'team'),
  );
  return toAccountDto(account, buildActor(principal, account, 'admin'));
}

/**
 * A new account owned by the caller, who is its Admin, audited `account.create` in `trx`:
 * a personal account at sign-up, or a team created beside the caller's others.
 */
async function insertOwnedAccount(
  trx: Trx,
  caller: Caller,
  now: Date,
  name: string,
  kind: AccountRow['kind'],
): Promise<AccountRow> {
  const account: AccountRow = {
    id: newId(),
    name,
    kind,
    owner_id: caller.principal.userId,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    require_two_factor_at: null,
  };
  await insertAccount(trx, account);
  await insertMembership(trx, {
    account_id: account.id,
    user_id: caller.principal.userId,
    role: 'admin',
    created_at: account.created_at,
  });
  await auditorOf(
    trx,
    auditContextOf(caller),
    now,
    account.id,
    'account.create',
    'account',
    account.id,
  )({ name: account.name, kind: account.kind });
  return account;
}

export interface MembershipDto {
  account: AccountDto;
  role: Role;
  isOwner: boolean;
}

/** Every account the caller belongs to (an API key: only its own account). */
export async function listAccounts(
  deps: Deps,
  caller: Caller,
  db: Executor = deps.db,
): Promise<MembershipDto[]> {
  const { principal } = caller;
  const rows = await listMembershipsOfUser(
    db,
    principal.userId,
    principal.kind === 'apikey' ? principal.accountId : undefined,
  );
  return rows.map((row) => {
    const account = toAccountDto(row, buildActor(principal, row, row.role));
    return { account, role: account.role, isOwner: account.isOwner };
  });
}

/** One account with the caller's role and permissions (`account.use`). */
export function getAccount(deps: Deps, caller: Caller, accountId: string): Promise<AccountDto> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'account.view', resource: 'account', resourceId: accountId, needs: 'account.use' },
    async ({ actor }) => toAccountDto(actor.account, actor),
  );
}

/** Longest team name, counted after trimming. */
export const TEAM_NAME_MAX = 64;

/** Trims a name a person typed; 400 when nothing is left or it is too long. */
function cleanName(name: string, max: number, what: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalidInput(`${what} must not be blank`);
  if (trimmed.length > max) throw invalidInput(`${what} must be at most ${max} characters`);
  return trimmed;
}

async function lockedAccount(deps: Deps, trx: Trx, accountId: string): Promise<AccountRow> {
  const account = await lockAccount(trx, deps.dialect, accountId, 'update');
  if (!account) throw notFound('Account');
  return account;
}

/** Renames an account (`settings.manage`); a team name is 1–64 characters. */
export function renameAccount(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: { name: string },
): Promise<AccountDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'account.update',
      resource: 'account',
      resourceId: accountId,
      needs: 'settings.manage',
    },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockedAccount(deps, trx, accountId);
      const name = cleanName(
        input.name,
        account.kind === 'team' ? TEAM_NAME_MAX : 100,
        account.kind === 'team' ? 'Team name' : 'Name',
      );
      if (name === account.name) return toAccountDto(account, actor);
      const updated = { ...account, name, updated_at: now.toISOString() };
      await updateAccount(trx, accountId, { name, updated_at: updated.updated_at });
      await audit({ before: { name: account.name }, after: { name } });
      return toAccountDto(updated, actor);
    },
  );
}

/**
 * Turns a team's requirement of two-factor sign-in on or off (`settings.manage`). While it is
 * on, a member who does not sign in with two factors is refused on the team (403
 * `two_factor_required_by_team`), by session or API key. Only a team has it (409 `not_a_team`);
 * who turns it on must use two factors already (409 `enable_two_factor_first`), so nobody shuts
 * themselves out. Audited as `account.update`.
 */
export function setTwoFactorRequirement(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: { requireTwoFactor: boolean },
): Promise<AccountDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'account.update',
      resource: 'account',
      resourceId: accountId,
      needs: 'settings.manage',
    },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockedAccount(deps, trx, accountId);
      if (account.kind !== 'team') {
        throw new AppError('not_a_team', 'Only a team can require two-factor sign-in');
      }
      const before = account.require_two_factor_at !== null;
      if (before === input.requireTwoFactor) return toAccountDto(account, actor);
      if (input.requireTwoFactor && !(await enabledTwoFactor(trx, actor.userId))) {
        throw new AppError(
          'enable_two_factor_first',
          'Turn on two-factor sign-in for yourself first (Settings → Two-factor sign-in)',
        );
      }
      const at = now.toISOString();
      const requireTwoFactorAt = input.requireTwoFactor ? at : null;
      await updateAccount(trx, accountId, {
        require_two_factor_at: requireTwoFactorAt,
        updated_at: at,
      });
      await audit({
        before: { requireTwoFactor: before },
        after: { requireTwoFactor: input.requireTwoFactor },
      });
      return toAccountDto(
        { ...account, require_two_factor_at: requireTwoFactorAt, updated_at: at },
        actor,
      );
    },
  );
}

/**
 * After a user renames themselves: their personal accounts still named after them follow, as
 * a personal account is named after its owner (at sign-up, and by Delete Team). Runs in the
 * rename's transaction, at its time, through the same check as a rename by hand
 * (`settings.manage`, which the owner of a personal account holds), and each account records
 * `account.update` in its own audit log. A personal account given another name
 * (PATCH /accounts/:id) keeps it.
 */
export async function renamePersonalAccountsAfterOwner(
  trx: Trx,
  caller: Caller,
  now: Date,
  before: string,
  after: string,
): Promise<void> {
  const accounts = await findPersonalAccountsNamed(trx, caller.principal.userId, before);
  for (const account of accounts) {
    await inAccountWithin(
      trx,
      caller,
      account.id,
      now,
      {
        action: 'account.update',
        resource: 'account',
        resourceId: account.id,
        needs: 'settings.manage',
      },
      async ({ audit }) => {
        await updateAccount(trx, account.id, { name: after, updated_at: now.toISOString() });
        await audit({ before: { name: before }, after: { name: after }, reason: 'owner renamed' });
      },
    );
  }
}

/**
 * Convert to Team Account: the owner of a personal account names the team.
 * One-way; the account keeps its id, resources and history.
 */
export function convertToTeam(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: { teamName: string },
): Promise<AccountDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'account.convert',
      resource: 'account',
      resourceId: accountId,
      needs: ['settings.manage', 'owner'],
      ownerOnly: 'convert this account to a team',
    },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockedAccount(deps, trx, accountId);
      if (account.kind === 'team') {
        throw new AppError('already_team', 'This account is already a team account');
      }
      const name = cleanName(input.teamName, TEAM_NAME_MAX, 'Team name');
      const updated: AccountRow = {
        ...account,
        kind: 'team',
        name,
        updated_at: now.toISOString(),
      };
      await updateAccount(trx, accountId, { kind: 'team', name, updated_at: updated.updated_at });
      await audit({
        before: { kind: account.kind, name: account.name },
        after: { kind: 'team', name },
      });
      return toAccountDto(updated, { ...actor, accountKind: 'team' });
    },
  );
}

/**
 * Delete Team (owner only): the team becomes the owner's personal account again, named after
 * the owner as a personal account is at sign-up. Every other member loses access at once and
 * pending invites are revoked; Pods, balance, keys of the owner and history stay.
 */
export function deleteTeam(deps: Deps, caller: Caller, accountId: string): Promise<AccountDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'account.delete_team',
      resource: 'account',
      resourceId: accountId,
      needs: ['settings.manage', 'owner'],
      ownerOnly: 'delete the team',
    },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockedAccount(deps, trx, accountId);
      if (account.kind !== 'team') {
        throw new AppError('not_a_team', 'This is a personal account, not a team');
      }
      const revokedInviteIds = await revokeWithReason(deps, trx, accountId, null, 'team_deleted');
      const removedMemberIds = await deleteMembersExcept(trx, accountId, account.owner_id);
      const owner = await findUserById(trx, account.owner_id);
      const name = owner?.name ?? account.name;
      const updated: AccountRow = {
        ...account,
        kind: 'personal',
        name,
        updated_at: now.toISOString(),
      };
      await updateAccount(trx, accountId, {
        kind: 'personal',
        name,
        updated_at: updated.updated_at,
      });
      await audit({
        before: { kind: 'team', name: account.name },
        after: { kind: 'personal', name },
        removedMemberIds,
        revokedInviteIds,
      });
      return toAccountDto(updated, { ...actor, accountKind: 'personal' });
    },
  );
}

/**
 * Transfers ownership of a team from its owner to another Admin member.
 * The team always has exactly one owner: the move is conditional on the caller
 * still owning it, under the account's row lock.
 */
export function transferOwnership(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: { userId: string },
): Promise<AccountDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'ownership.transfer',
      resource: 'account',
      resourceId: accountId,
      needs: ['settings.manage', 'owner'],
      ownerOnly: 'transfer ownership',
    },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockedAccount(deps, trx, accountId);
      if (account.kind !== 'team') {
        throw new AppError('not_a_team', 'Only a team account has members to transfer it to');
      }
      if (input.userId === account.owner_id) {
        throw new AppError('already_owner', 'This member already owns the team');
      }
      const target = await findMember(trx, accountId, input.userId);
      if (!target) throw notFound('Member');
      if (target.role !== 'admin') {
        throw new AppError(
          'not_an_admin',
          'Ownership can only go to an Admin; make this member an Admin first',
        );
      }
      const moved = await moveOwnership(
        trx,
        accountId,
        actor.userId,
        input.userId,
        now.toISOString(),
      );
      if (!moved) throw new AppError('conflict', 'The ownership of this team has changed');
      await audit({
        before: { ownerId: account.owner_id },
        after: { ownerId: input.userId, ownerEmail: target.email },
      });
      const updated: AccountRow = {
        ...account,
        owner_id: input.userId,
        updated_at: now.toISOString(),
      };
      return toAccountDto(updated, { ...actor, isOwner: false });
    },
  );
}
