/**
 * Leases: a job that one Gantry instance runs at a time across every instance on the database
 * (the billing meter, host supervision). A lease row names its holder and when it lapses; the
 * holder renews it on each run, another instance takes it over only once it has lapsed (the
 * holder was killed). Works the same on SQLite and PostgreSQL: one conditional UPDATE, or an
 * INSERT that does nothing when the row exists.
 */
import type { Executor } from '../db/database.js';

/**
 * Takes or renews lease `name` for `holder` until `now + ttlMs`. Returns whether `holder` holds
 * it now.
 */
export async function acquireLease(
  db: Executor,
  name: string,
  holder: string,
  now: Date,
  ttlMs: number,
): Promise<boolean> {
  const nowIso = now.toISOString();
  const expires = new Date(now.getTime() + ttlMs).toISOString();
  const renewed = await db
    .updateTable('leases')
    .set({ holder, expires_at: expires })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', nowIso)]))
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) > 0) return true;
  const inserted = await db
    .insertInto('leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Gives lease `name` up (the holder is stopping), so another instance takes it at once. */
export async function releaseLease(db: Executor, name: string, holder: string): Promise<void> {
  await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
