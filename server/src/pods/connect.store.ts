/**
 * Kysely functions of Connect on Pod origins: handoff codes and Pod-origin sessions (by the
 * SHA-256 of their secret; each bound to one user, console session and Pod port), and the
 * Pods' last Connect traffic.
 */
import type { Executor } from '../db/database.js';
import type { ConnectHandoffsTable, ConnectSessionsTable } from '../db/schema.js';

/** Stores a handoff code (its hash), dropping the user's codes and sessions that have expired meanwhile. */
export async function insertHandoff(db: Executor, row: ConnectHandoffsTable): Promise<void> {
  await db.deleteFrom('connect_handoffs').where('expires_at', '<', row.created_at).execute();
  await db
    .deleteFrom('connect_sessions')
    .where('user_id', '=', row.user_id)
    .where('expires_at', '<', row.created_at)
    .execute();
  await db.insertInto('connect_handoffs').values(row).execute();
}

/**
 * Takes the handoff code for this Pod port out of the store (single use: a second redeem
 * finds nothing, whatever the first one's outcome) and answers it if it has not expired.
 */
export async function takeHandoff(
  db: Executor,
  codeHash: string,
  podId: string,
  port: number,
  now: string,
): Promise<ConnectHandoffsTable | undefined> {
  const row = await db
    .deleteFrom('connect_handoffs')
    .where('code_hash', '=', codeHash)
    .returningAll()
    .executeTakeFirst();
  if (!row || row.pod_id !== podId || row.port !== port || row.expires_at <= now) return undefined;
  return row;
}

export async function insertConnectSession(db: Executor, row: ConnectSessionsTable): Promise<void> {
  await db.insertInto('connect_sessions').values(row).execute();
}

/** A Pod-origin session with its console session and user, for one Pod port. */
export function findConnectSession(db: Executor, tokenHash: string, podId: string, port: number) {
  return db
    .selectFrom('connect_sessions as c')
    .innerJoin('sessions as s', 's.id', 'c.session_id')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .select([
      'c.user_id',
      'c.session_id',
      'c.expires_at',
      's.expires_at as session_expires_at',
      's.last_seen_at as session_last_seen_at',
      'u.email',
      'u.name',
    ])
    .where('c.token_hash', '=', tokenHash)
    .where('c.pod_id', '=', podId)
    .where('c.port', '=', port)
    .executeTakeFirst();
}

/** Records Connect traffic on a Pod at `at`, never moving the time back (another instance may be ahead). */
export async function recordPodTraffic(db: Executor, podId: string, at: string): Promise<void> {
  await db
    .updateTable('pods')
    .set({ last_traffic_at: at })
    .where('id', '=', podId)
    .where((eb) => eb.or([eb('last_traffic_at', 'is', null), eb('last_traffic_at', '<', at)]))
    .execute();
}
