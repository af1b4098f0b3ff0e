/**
 * One Gantry instance at a time may run a single-instance driver (`local`: its Pods are child
 * processes of the instance that started them) on a database. The instance holds a lease for
 * as long as it runs: on PostgreSQL a session advisory lock on a connection of its own, on
 * SQLite an exclusive lock on a lock file beside the database (both go away with the process,
 * even after `kill -9`). A second instance refuses to start rather than mark, stop or start
 * the first one's Pods.
 */
import SQLite from 'better-sqlite3';
import { ConfigError } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';

/** Held while this instance runs the driver; release it when the instance stops. */
export interface RuntimeLease {
  release(): Promise<void>;
}

/** First key of the advisory lock (the second is the database and schema). */
const LOCK_NAME = 'gantry.single-instance-runtime';

function refusal(where: string): ConfigError {
  return new ConfigError([
    `another Gantry instance already runs the local runtime driver on ${where}: its Pods live in that instance, so a second one would corrupt them. Stop it first, or run several instances with GANTRY_RUNTIME=docker.`,
  ]);
}

async function leasePostgres(database: DatabaseHandle): Promise<RuntimeLease> {
  if (database.raw.dialect !== 'postgres')
    throw new Error('no PostgreSQL pool behind this database');
  const { pool } = database.raw;
  const client = await pool.connect();
  try {
    const result = await client.query<{ locked: boolean; place: string }>(
      `select pg_try_advisory_lock(hashtext($1), hashtext(current_database() || '.' || current_schema())) as locked,
              current_database() || '.' || current_schema() as place`,
      [LOCK_NAME],
    );
    const row = result.rows[0];
    if (!row?.locked) throw refusal(`the PostgreSQL database ${row?.place ?? ''}`);
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    async release() {
      try {
        await client.query(
          `select pg_advisory_unlock(hashtext($1), hashtext(current_database() || '.' || current_schema()))`,
          [LOCK_NAME],
        );
        client.release();
      } catch (error) {
        // A broken connection has lost its lock with it.
        client.release(error instanceof Error ? error : true);
      }
    },
  };
}

function leaseSqlite(database: DatabaseHandle): RuntimeLease {
  const sqlite = database.raw.dialect === 'sqlite' ? database.raw.sqlite : undefined;
  // An in-memory database belongs to this process alone.
  if (!sqlite || sqlite.memory) return { release: async () => {} };
  const path = `${sqlite.name}.runtime-lock`;
  const lock = new SQLite(path);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY'))
      throw refusal(`the SQLite database ${sqlite.name}`);
    throw error;
  }
  return {
    async release() {
      lock.close();
    },
  };
}

/** Takes this instance's lease on `database`; a {@link ConfigError} when another instance holds it. */
export async function acquireRuntimeLease(database: DatabaseHandle): Promise<RuntimeLease> {
  if (database.dialect === 'postgres') return leasePostgres(database);
  return leaseSqlite(database);
}
