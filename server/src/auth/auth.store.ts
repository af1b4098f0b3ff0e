import type { Executor } from '../db/database.js';
import { preparedLookup } from '../db/prepared.js';
import type { NewUser, SessionRow, UserEventRow, UserRow } from '../db/schema.js';

/** Emails compare case-insensitively; surrounding spaces are not part of them. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findUserByEmail(
  db: Executor,
  emailNormalized: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('email_normalized', '=', emailNormalized)
    .executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(db: Executor, user: NewUser): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

/** Sets a user's name. */
export async function updateUserName(
  db: Executor,
  id: string,
  name: string,
  at: string,
): Promise<void> {
  await db.updateTable('users').set({ name, updated_at: at }).where('id', '=', id).execute();
}

/**
 * Sets a user's email (as typed) and its normalized form, the sign-in key, verified since
 * `verifiedAt` (null: not verified).
 */
export async function updateUserEmail(
  db: Executor,
  id: string,
  email: string,
  at: string,
  verifiedAt: string | null,
): Promise<void> {
  await db
    .updateTable('users')
    .set({
      email,
      email_normalized: normalizeEmail(email),
      updated_at: at,
      email_verified_at: verifiedAt,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Replaces a user's password hash. With `expectedHash` (the one the current password was
 * verified against), only while it is still that one: returns false when another change came
 * first. Without it (an operator's reset), whatever it was.
 */
export async function updateUserPassword(
  db: Executor,
  id: string,
  passwordHash: string,
  at: string,
  expectedHash?: string,
): Promise<boolean> {
  let query = db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: at })
    .where('id', '=', id);
  if (expectedHash !== undefined) query = query.where('password_hash', '=', expectedHash);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertSession(db: Executor, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/**
 * A session by token hash, with its user and — when `accountId` is one of the user's
 * accounts — that membership's role and account (all `null` otherwise; pass `''` for none).
 * Read on every request, compiled once: an account-scoped request authenticates and finds
 * its caller's role in one query.
 */
export const findSessionByTokenHash = preparedLookup(
  (db: Executor, tokenHash: string, accountId: string) =>
    db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('memberships as m', (join) =>
        join.onRef('m.user_id', '=', 's.user_id').on('m.account_id', '=', accountId),
      )
      .leftJoin('accounts as a', 'a.id', 'm.account_id')
      .leftJoin('user_two_factor as t', 't.user_id', 's.user_id')
      .select([
        's.id',
        's.user_id',
        's.last_seen_at',
        's.expires_at',
        'u.email',
        'u.name',
        'm.role',
        'a.name as account_name',
        'a.kind as account_kind',
        'a.owner_id as account_owner_id',
        'a.created_at as account_created_at',
        'a.updated_at as account_updated_at',
        'a.require_two_factor_at as account_require_two_factor_at',
        't.enabled_at as two_factor_at',
      ])
      .where('s.token_hash', '=', tokenHash),
);

export async function touchSession(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export function listUserSessions(db: Executor, userId: string, now: string): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

/** Deletes a session of `userId`; returns whether one was deleted. */
export async function deleteSession(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Deletes the sessions of `userId` — all of them, or all but `keepId` (the caller's own);
 * returns how many were deleted.
 */
export async function deleteSessionsOf(
  db: Executor,
  userId: string,
  keepId?: string,
): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertUserEvent(db: Executor, event: UserEventRow): Promise<void> {
  await db.insertInto('user_events').values(event).execute();
}

/** A user's events, newest first, those older than `beforeId` when it is given. */
export function listUserEvents(
  db: Executor,
  userId: string,
  options: { limit: number; beforeId?: string | undefined },
): Promise<UserEventRow[]> {
  let query = db.selectFrom('user_events').selectAll().where('user_id', '=', userId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  return query.orderBy('id', 'desc').limit(options.limit).execute();
}

/** Deletes every user event recorded before `cutoff`; returns how many were deleted. */
export async function deleteUserEventsBefore(db: Executor, cutoff: string): Promise<number> {
  const result = await db
    .deleteFrom('user_events')
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
