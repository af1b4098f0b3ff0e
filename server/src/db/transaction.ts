import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { Db, Trx } from './database.js';

/**
 * Errors that mean "another transaction was in the way", not "this request is wrong":
 * PostgreSQL's deadlock (40P01) and serialization failure (40001), and SQLite's busy database
 * (after its busy timeout). Retrying the whole transaction is correct for them.
 */
const CONTENTION_CODES: ReadonlySet<string> = new Set([
  '40P01',
  '40001',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
]);

/** Attempts of one transaction before it answers 503 `busy`. */
export const TRANSACTION_ATTEMPTS = 5;
/** The first retry waits up to this long; each further one up to twice as long as the last. */
const FIRST_BACKOFF_MS = 10;

/** True when `error` is a database contention failure that a retry may get past. */
export function isContention(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error as { code: unknown };
  return typeof code === 'string' && CONTENTION_CODES.has(code);
}

/** The answer once retries are spent: 503 with `Retry-After`, never a 500. */
export function busyError(): AppError {
  return new AppError('busy', 'The database is busy with other changes; try again in a moment', {
    retryAfterSeconds: 1,
  });
}

/**
 * Runs `fn` in one transaction, and runs it again — from the start, in a new transaction —
 * when it fails on contention ({@link isContention}): at most {@link TRANSACTION_ATTEMPTS}
 * times, each retry after a random wait (full jitter, doubling), so transactions that
 * deadlocked on each other do not collide again in step. `fn` must act only on the database.
 */
export async function transact<T>(db: Db, fn: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(fn);
    } catch (error) {
      if (!isContention(error)) throw error;
      if (attempt >= TRANSACTION_ATTEMPTS) throw busyError();
      await sleep(Math.random() * FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}
