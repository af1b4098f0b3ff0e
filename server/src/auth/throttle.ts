import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';

/**
 * Throttling of guesses (sign-in, authenticator codes, current passwords) and of sign-ups, with
 * growing delays. Every attempt is counted per key in a sliding window **before** it is
 * evaluated, by one statement that increments and returns (`insert … on conflict do update …
 * returning`), so guesses sent at the same moment count like guesses sent one after another:
 * the `free`-th attempt blocks the key for a second, each further one that is let through
 * doubles the wait (up to `maxDelaySeconds`), and attempts while a key blocks are refused with
 * 429 without being evaluated or counted. A right guess clears its keys (or, for the per-IP
 * key, takes its own attempt back), so only wrong guesses accumulate.
 *
 * Keys: `ip:<ip>`, `email:<email>` and `device:<email>`. Requests that carry a device cookie
 * earned by a past successful sign-in skip the per-email key and are counted on their device key
 * instead, so flooding a victim's email from elsewhere cannot lock the victim out. A signed-in
 * user's wrong current passwords count on `password:<userId>`, so a stolen session cannot guess
 * the password, and their wrong authenticator codes on `two_factor:<userId>`. At sign-in a wrong
 * code counts on the sign-in keys, as a wrong password does. Sign-ups count on `signup:<ip>`.
 */
export interface ThrottleRule {
  free: number;
  windowSeconds: number;
  maxDelaySeconds: number;
}

export const RULES = {
  ip: { free: 20, windowSeconds: 15 * 60, maxDelaySeconds: 15 * 60 },
  email: { free: 5, windowSeconds: 15 * 60, maxDelaySeconds: 15 * 60 },
  device: { free: 10, windowSeconds: 15 * 60, maxDelaySeconds: 5 * 60 },
  password: { free: 5, windowSeconds: 15 * 60, maxDelaySeconds: 15 * 60 },
  twoFactor: { free: 5, windowSeconds: 15 * 60, maxDelaySeconds: 15 * 60 },
  /** Password-reset and verification mail asked for, per IP and per email or user. */
  mailIp: { free: 10, windowSeconds: 60 * 60, maxDelaySeconds: 60 * 60 },
  mailTarget: { free: 3, windowSeconds: 60 * 60, maxDelaySeconds: 60 * 60 },
} as const satisfies Record<string, ThrottleRule>;

/** The sign-up rule: `perHour` sign-ups from one IP, then growing delays up to an hour. */
export function signupRule(perHour: number): ThrottleRule {
  return { free: perHour, windowSeconds: 3600, maxDelaySeconds: 3600 };
}

export type ThrottleKey = { key: string; rule: ThrottleRule };

/** Until when the `n`-th attempt in a window blocks its key (null: it does not). */
function blockedUntilFor(rule: ThrottleRule, n: number, now: Date): string | null {
  if (n < rule.free) return null;
  const seconds = Math.min(2 ** (n - rule.free), rule.maxDelaySeconds);
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/**
 * The block the attempt after an existing row's `failures` sets, as SQL: one branch per delay
 * until the cap, each computed here, so the statement is the same on both dialects.
 */
function nextBlockedUntil(rule: ThrottleRule, now: Date): RawBuilder<string | null> {
  const next = sql`login_throttle.failures + 1`;
  const branches: RawBuilder<unknown>[] = [sql`when ${next} < ${rule.free} then null`];
  for (let k = 0; 2 ** k < rule.maxDelaySeconds; k += 1) {
    branches.push(
      sql`when ${next} = ${rule.free + k} then ${blockedUntilFor(rule, rule.free + k, now)}`,
    );
  }
  const capped = new Date(now.getTime() + rule.maxDelaySeconds * 1000).toISOString();
  return sql<string | null>`case ${sql.join(branches, sql` `)} else ${capped} end`;
}

/**
 * Counts one attempt on `key` unless it blocks; true when counted (the attempt may go on), false
 * when the key blocks. One statement: concurrent attempts on one key are serialized by the row.
 */
async function countOn(db: Executor, { key, rule }: ThrottleKey, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const cutoff = new Date(now.getTime() - rule.windowSeconds * 1000).toISOString();
  const expired = sql`login_throttle.window_start <= ${cutoff}`;
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, window_start: at, blocked_until: blockedUntilFor(rule, 1, now) })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures: sql<number>`case when ${expired} then 1 else login_throttle.failures + 1 end`,
          window_start: sql<string>`case when ${expired} then ${at} else login_throttle.window_start end`,
          blocked_until: sql<
            string | null
          >`case when ${expired} then ${blockedUntilFor(rule, 1, now)} else ${nextBlockedUntil(rule, now)} end`,
        })
        .where((eb) =>
          eb.or([
            eb('login_throttle.blocked_until', 'is', null),
            eb('login_throttle.blocked_until', '<=', at),
          ]),
        ),
    )
    .returning('failures')
    .executeTakeFirst();
  return row !== undefined;
}

/** Seconds until the first of `keys` stops blocking, or 0 when none blocks. */
export async function blockedFor(db: Executor, keys: ThrottleKey[], now: Date): Promise<number> {
  if (keys.length === 0) return 0;
  const rows = await db
    .selectFrom('login_throttle')
    .select(['blocked_until'])
    .where(
      'key',
      'in',
      keys.map((k) => k.key),
    )
    .execute();
  let wait = 0;
  for (const row of rows) {
    if (!row.blocked_until) continue;
    const seconds = Math.ceil((Date.parse(row.blocked_until) - now.getTime()) / 1000);
    wait = Math.max(wait, seconds);
  }
  return wait;
}

/**
 * Counts one attempt on each of `keys` before it is evaluated; while any of them blocks the
 * attempt is refused with 429 `rate_limited` (and the wait, for `Retry-After`), and what it
 * counted on the other keys is taken back.
 */
export async function countAttempt(
  db: Executor,
  keys: ThrottleKey[],
  now: Date,
  message: string,
): Promise<void> {
  const counted: ThrottleKey[] = [];
  for (const key of keys) {
    if (await countOn(db, key, now)) {
      counted.push(key);
      continue;
    }
    await forgiveAttempt(db, counted);
    const wait = await blockedFor(db, [key], now);
    throw new AppError('rate_limited', message, { retryAfterSeconds: Math.max(wait, 1) });
  }
}

/**
 * Takes back one counted attempt on each of `keys` (one that turned out right, or was not a
 * guess at all), lifting a block its count no longer earns.
 */
export async function forgiveAttempt(db: Executor, keys: ThrottleKey[]): Promise<void> {
  for (const { key, rule } of keys) {
    await db
      .updateTable('login_throttle')
      .set({
        failures: sql<number>`case when failures > 0 then failures - 1 else 0 end`,
        blocked_until: sql<
          string | null
        >`case when failures - 1 < ${rule.free} then null else blocked_until end`,
      })
      .where('key', '=', key)
      .execute();
  }
}

/** Forgets every attempt on keys (after a successful sign-in, a password reset). */
export async function clearFailures(db: Executor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('login_throttle').where('key', 'in', keys).execute();
}

/**
 * One guess at a signed-in user's secret (their password, an authenticator code) under one
 * throttle `key`: counted before `attempt` runs, refused with 429 (`blocked`) while the key
 * blocks. `attempt` answers undefined for a wrong guess, which stays counted and is thrown as
 * `wrong`; a right one clears the count; one that throws (not a guess: a conflict) is taken back.
 */
export async function throttledAttempt<T>(
  db: Executor,
  clock: Clock,
  key: ThrottleKey,
  messages: { blocked: string; wrong: () => AppError },
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  await countAttempt(db, [key], clock.now(), messages.blocked);
  let result: T | undefined;
  try {
    result = await attempt();
  } catch (error) {
    await forgiveAttempt(db, [key]);
    throw error;
  }
  if (result === undefined) throw messages.wrong();
  await clearFailures(db, [key.key]);
  return result;
}
