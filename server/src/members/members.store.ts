import type { Executor } from '../db/database.js';
import type { Role } from '../permissions/policy.js';

/** Memberships of an account with their user, and whether the user has two-factor sign-in. */
function membersOf(db: Executor, accountId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('user_two_factor as t', 't.user_id', 'm.user_id')
    .select(['m.user_id', 'm.role', 'm.created_at', 'u.email', 'u.name', 't.enabled_at'])
    .where('m.account_id', '=', accountId);
}

/** Members of an account with their user, oldest membership first. */
export function listMembers(db: Executor, accountId: string) {
  return membersOf(db, accountId)
    .orderBy('m.created_at', 'asc')
    .orderBy('m.user_id', 'asc')
    .execute();
}

export type MemberRow = Awaited<ReturnType<typeof listMembers>>[number];

/** One member of an account with their user; undefined when not a member. */
export function findMember(
  db: Executor,
  accountId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  return membersOf(db, accountId).where('m.user_id', '=', userId).executeTakeFirst();
}

export async function setMemberRole(
  db: Executor,
  accountId: string,
  userId: string,
  role: Role,
): Promise<void> {
  await db
    .updateTable('memberships')
    .set({ role })
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteMember(db: Executor, accountId: string, userId: string) {
  await db
    .deleteFrom('memberships')
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .execute();
}

/** Deletes every membership of the account except `keepUserId`'s; returns the removed user ids. */
export async function deleteMembersExcept(
  db: Executor,
  accountId: string,
  keepUserId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('account_id', '=', accountId)
    .where('user_id', '!=', keepUserId)
    .orderBy('user_id')
    .execute();
  if (rows.length === 0) return [];
  await db
    .deleteFrom('memberships')
    .where('account_id', '=', accountId)
    .where('user_id', '!=', keepUserId)
    .execute();
  return rows.map((r) => r.user_id);
}
