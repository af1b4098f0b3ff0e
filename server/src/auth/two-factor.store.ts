import type { Executor } from '../db/database.js';
import type { UserTwoFactorRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';

/** The user's authenticator: enabled, or waiting for its first code (`enabled_at` null). */
export function findTwoFactor(db: Executor, userId: string): Promise<UserTwoFactorRow | undefined> {
  return db
    .selectFrom('user_two_factor')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Stores a new authenticator waiting for its first code, in place of one that was waiting. */
export async function replacePendingTwoFactor(
  db: Executor,
  userId: string,
  secretSealed: string,
  at: string,
): Promise<void> {
  await db
    .deleteFrom('user_two_factor')
    .where('user_id', '=', userId)
    .where('enabled_at', 'is', null)
    .execute();
  await db
    .insertInto('user_two_factor')
    .values({
      user_id: userId,
      secret_sealed: secretSealed,
      enabled_at: null,
      last_step: null,
      created_at: at,
    })
    .execute();
}

/**
 * Turns on the waiting authenticator sealed as `secretSealed`, its first code's `step` used;
 * false when it is no longer the one waiting (enabled or replaced meanwhile).
 */
export async function markTwoFactorEnabled(
  db: Executor,
  userId: string,
  secretSealed: string,
  step: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('user_two_factor')
    .set({ enabled_at: at, last_step: step })
    .where('user_id', '=', userId)
    .where('secret_sealed', '=', secretSealed)
    .where('enabled_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Records `step` as the last code used, only when it is later than the last one: false when
 * that code (or a later one) was used already. Each code is good once.
 */
export async function useTimeStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('user_two_factor')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where('enabled_at', 'is not', null)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Removes the user's authenticator and recovery codes; returns whether one was enabled. */
export async function deleteTwoFactor(db: Executor, userId: string): Promise<boolean> {
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  const result = await db
    .deleteFrom('user_two_factor')
    .where('user_id', '=', userId)
    .returning('enabled_at')
    .execute();
  return result.some((row) => row.enabled_at !== null);
}

/** Replaces every recovery code of the user with the codes hashed as `hashes`. */
export async function replaceRecoveryCodes(
  db: Executor,
  userId: string,
  hashes: string[],
  at: string,
): Promise<void> {
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('user_recovery_codes')
    .values(
      hashes.map((code_hash) => ({
        id: newId(),
        user_id: userId,
        code_hash,
        used_at: null,
        created_at: at,
      })),
    )
    .execute();
}

/** Uses up the unused recovery code hashed as `hash`; false when there is none. */
export async function useRecoveryCode(
  db: Executor,
  userId: string,
  hash: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('user_recovery_codes')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countRecoveryCodesLeft(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('user_recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('left'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.left);
}
