import type { Executor } from '../db/database.js';
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';

/**
 * Sign-in throttling with growing delays. Failures are counted per key in a
 * sliding window; past `free` failures each further failure doubles the wait.
 * Keys: `ip:<ip>`, `email:<email>` and `device:<email>`. Requests that
 * carry a device cookie earned by a past successful sign-in skip the per-email
 * key and are counted on their device key instead, so flooding a victim's email
 * from elsewhere cannot lock the victim out. A signed-in user's wrong current passwords (when
 * changing it) count on `password:<userId>`, so a stolen session cannot guess the password, and
 * their wrong authenticator codes on `two_factor:<userId>`. At sign-in a wrong code counts on
 * the sign-in keys, as a wrong password does.
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
} as const satisfies Record<string, ThrottleRule>;

export type ThrottleKey = { key: string; rule: ThrottleRule };

/** Refuses with 429 `rate_limited` (and the wait, for `Retry-After`) while any of `keys` blocks. */
export async function refuseWhileBlocked(
  db: Executor,
  keys: ThrottleKey[],
  now: Date,
  message: string,
): Promise<void> {
  const wait = await blockedFor(db, keys, now);
  if (wait > 0) throw new AppError('rate_limited', message, { retryAfterSeconds: wait });
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

/** Counts one failure on each key, blocking it for a growing delay past its free allowance. */
export async function recordFailure(db: Executor, keys: ThrottleKey[], now: Date): Promise<void> {
  for (const { key, rule } of keys) {
    const row = await db
      .selectFrom('login_throttle')
      .select(['failures', 'window_start'])
      .where('key', '=', key)
      .executeTakeFirst();
    const fresh = !row || now.getTime() - Date.parse(row.window_start) > rule.windowSeconds * 1000;
    const failures = fresh ? 1 : row.failures + 1;
    const over = failures - rule.free;
    const blockedUntil =
      over > 0
        ? new Date(
            now.getTime() + Math.min(2 ** (over - 1), rule.maxDelaySeconds) * 1000,
          ).toISOString()
        : null;
    const values = {
      failures,
      window_start: fresh ? now.toISOString() : row.window_start,
      blocked_until: blockedUntil,
    };
    await db
      .insertInto('login_throttle')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  }
}

/** Forgets failures on keys after a successful sign-in. */
export async function clearFailures(db: Executor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('login_throttle').where('key', 'in', keys).execute();
}

/**
 * One guess at a signed-in user's secret (their password, an authenticator code) under one
 * throttle `key`: refused with 429 (`blocked`) while it blocks. `attempt` answers undefined for
 * a wrong guess, which is counted and thrown as `wrong`; a right one clears the count.
 */
export async function throttledAttempt<T>(
  db: Executor,
  clock: Clock,
  key: ThrottleKey,
  messages: { blocked: string; wrong: () => AppError },
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  await refuseWhileBlocked(db, [key], clock.now(), messages.blocked);
  const result = await attempt();
  if (result === undefined) {
    await recordFailure(db, [key], clock.now());
    throw messages.wrong();
  }
  await clearFailures(db, [key.key]);
  return result;
}
