import type { Executor } from '../db/database.js';
import type { InviteRow } from '../db/schema.js';

export async function insertInvite(db: Executor, invite: InviteRow): Promise<void> {
  await db.insertInto('invites').values(invite).execute();
}

const withCreator = (db: Executor) =>
  db
    .selectFrom('invites as i')
    .innerJoin('users as u', 'u.id', 'i.created_by')
    .selectAll('i')
    .select(['u.name as creator_name', 'u.email as creator_email']);

export type InviteWithCreator = InviteRow & { creator_name: string; creator_email: string };

/** One invite of an account, with its creator; undefined for another account's invite. */
export function findInvite(
  db: Executor,
  accountId: string,
  id: string,
): Promise<InviteWithCreator | undefined> {
  return withCreator(db)
    .where('i.account_id', '=', accountId)
    .where('i.id', '=', id)
    .executeTakeFirst();
}

/** The account's pending invites (not revoked, not expired, uses left), newest first. */
export function listPendingInvites(
  db: Executor,
  accountId: string,
  now: string,
): Promise<InviteWithCreator[]> {
  return withCreator(db)
    .where('i.account_id', '=', accountId)
    .where('i.revoked_at', 'is', null)
    .where('i.expires_at', '>', now)
    .whereRef('i.uses', '<', 'i.max_uses')
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .execute();
}

/** An invite found from its link, with the team's name and the inviter's name. */
export function findInviteByTokenHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom('invites as i')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .innerJoin('users as u', 'u.id', 'i.created_by')
    .selectAll('i')
    .select(['a.name as account_name', 'u.name as creator_name'])
    .where('i.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Revokes one invite if it is still pending; returns whether it was. */
export async function revokeInvite(
  db: Executor,
  accountId: string,
  id: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('uses', '<', 'max_uses')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Revokes every pending invite of the account that `createdBy` created (every one when null);
 * returns what each was, for its audit event.
 */
export async function revokePendingInvitesOf(
  db: Executor,
  accountId: string,
  createdBy: string | null,
  now: string,
): Promise<Array<Pick<InviteRow, 'id' | 'role' | 'email_normalized' | 'uses' | 'created_by'>>> {
  let query = db
    .selectFrom('invites')
    .select(['id', 'role', 'email_normalized', 'uses', 'created_by'])
    .where('account_id', '=', accountId);
  if (createdBy !== null) query = query.where('created_by', '=', createdBy);
  const pending = await query
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('uses', '<', 'max_uses')
    .orderBy('id')
    .execute();
  if (pending.length === 0) return [];
  await db
    .updateTable('invites')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where(
      'id',
      'in',
      pending.map((r) => r.id),
    )
    .where('revoked_at', 'is', null)
    .execute();
  return pending;
}

/**
 * Takes one use of an invite if it is still pending. The condition is in the
 * UPDATE itself, so concurrent accepts queue on the row and never overshoot
 * `max_uses` (PostgreSQL re-checks it on the latest row version; SQLite runs
 * one writer at a time).
 */
export async function consumeInviteUse(db: Executor, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .whereRef('uses', '<', 'max_uses')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertAcceptance(
  db: Executor,
  row: { invite_id: string; user_id: string; account_id: string; accepted_at: string },
): Promise<void> {
  await db.insertInto('invite_acceptances').values(row).execute();
}

export async function hasAccepted(db: Executor, inviteId: string, userId: string) {
  const row = await db
    .selectFrom('invite_acceptances')
    .select('invite_id')
    .where('invite_id', '=', inviteId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** True when a user with this email is already a member of the account. */
export async function isMemberByEmail(db: Executor, accountId: string, emailNormalized: string) {
  const row = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('m.user_id')
    .where('m.account_id', '=', accountId)
    .where('u.email_normalized', '=', emailNormalized)
    .executeTakeFirst();
  return row !== undefined;
}
