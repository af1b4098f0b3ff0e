import type { Static } from '@sinclair/typebox';
import { lockAccount } from '../accounts/accounts.store.js';
import type { Caller, Deps } from '../context.js';
import type { AccountRow } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { revokeInvitesOfFormerManager } from '../invites/invites.service.js';
import { inAccount, readAccount } from '../permissions/access.js';
import { LEAVE_NEEDS, type Role } from '../permissions/policy.js';
import type { MemberSchema } from './members.schemas.js';
import {
  deleteMember,
  findMember,
  listMembers as listMemberRows,
  type MemberRow,
  setMemberRole,
} from './members.store.js';

export type MemberDto = Static<typeof MemberSchema>;

/** Maps a membership row (with its user) to the API object. */
export function toMemberDto(row: MemberRow, account: Pick<AccountRow, 'owner_id'>): MemberDto {
  return {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    isOwner: row.user_id === account.owner_id,
    joinedAt: row.created_at,
    // A set-up still waiting for its first code is not on.
    twoFactor: row.enabled_at != null,
  };
}

const ownerProtected = (message: string) => new AppError('owner_protected', message);

/**
 * The account's members, for every member (`account.use`): who is in the team and who owns it,
 * read-only; changing them needs `members.manage`. A personal account lists only its owner.
 */
export function listMembers(deps: Deps, caller: Caller, accountId: string): Promise<MemberDto[]> {
  return readAccount(
    deps,
    caller,
    accountId,
    // Every member reads the list (naming the owner); changing it needs `members.manage`.
    { action: 'member.view', resource: 'member', needs: 'account.use' },
    async ({ db, actor }) => {
      const rows = await listMemberRows(db, accountId);
      return rows.map((row) => toMemberDto(row, actor.account));
    },
  );
}

/**
 * Changes a member's role (`members.manage`). Nobody changes the owner's role.
 * Roles are read on every request, so the change applies to the very next one.
 */
export function changeMemberRole(
  deps: Deps,
  caller: Caller,
  accountId: string,
  userId: string,
  input: { role: Role },
): Promise<MemberDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'member.role_change',
      resource: 'member',
      resourceId: userId,
      needs: 'members.manage',
    },
    async ({ db: trx, audit }) => {
      const account = await lockAccount(trx, deps.dialect, accountId, 'update');
      if (!account) throw notFound('Account');
      const member = await findMember(trx, accountId, userId);
      if (!member) throw notFound('Member');
      if (member.user_id === account.owner_id) {
        throw ownerProtected("Nobody can change the owner's role; transfer ownership first");
      }
      if (member.role === input.role) return toMemberDto(member, account);
      await setMemberRole(trx, accountId, userId, input.role);
      await revokeInvitesOfFormerManager(
        deps,
        trx,
        account,
        userId,
        input.role,
        'creator_role_changed',
      );
      await audit({
        email: member.email,
        before: { role: member.role },
        after: { role: input.role },
      });
      return toMemberDto({ ...member, role: input.role }, account);
    },
  );
}

/**
 * Removes a member (`members.manage`), or — when `userId` is the caller —
 * leaves the account (any member but the owner). Access ends with the next request.
 */
export function removeMember(
  deps: Deps,
  caller: Caller,
  accountId: string,
  userId: string,
): Promise<void> {
  const leaving = userId === caller.principal.userId;
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: leaving ? 'member.leave' : 'member.remove',
      resource: 'member',
      resourceId: userId,
      needs: leaving ? LEAVE_NEEDS : 'members.manage',
    },
    async ({ db: trx, audit }) => {
      const account = await lockAccount(trx, deps.dialect, accountId, 'update');
      if (!account) throw notFound('Account');
      const member = await findMember(trx, accountId, userId);
      if (!member) throw notFound('Member');
      if (member.user_id === account.owner_id) {
        throw ownerProtected(
          leaving
            ? 'The owner cannot leave; transfer ownership or delete the team instead'
            : 'The owner cannot be removed',
        );
      }
      await deleteMember(trx, accountId, userId);
      await revokeInvitesOfFormerManager(
        deps,
        trx,
        account,
        userId,
        null,
        leaving ? 'creator_left' : 'creator_removed',
      );
      await audit({ email: member.email, role: member.role });
    },
  );
}
