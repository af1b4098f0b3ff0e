import type { Deps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { findUserById } from './auth.store.js';
import { verifyPassword } from './passwords.js';
import { clearFailures, RULES, recordFailure, refuseWhileBlocked } from './throttle.js';

/**
 * Checks a signed-in user's password again before a sensitive change (a new password, two-factor
 * sign-in turned on or off) and returns the user as it was checked. A wrong one answers 400
 * `wrong_password` at `body/<field>` (never 401: the caller is signed in) and counts on the
 * throttle key `password:<userId>`, which blocks with growing delays (429), so a stolen session
 * cannot guess the password.
 */
export async function verifyCurrentPassword(
  deps: Deps,
  userId: string,
  password: string,
  field: string,
): Promise<UserRow> {
  const keys = [{ key: `password:${userId}`, rule: RULES.password }];
  await refuseWhileBlocked(
    deps.db,
    keys,
    deps.clock.now(),
    'Too many wrong passwords; try again later',
  );
  const user = await findUserById(deps.db, userId);
  if (!user) throw notFound('User');
  if (!(await verifyPassword(user.password_hash, password))) {
    await recordFailure(deps.db, keys, deps.clock.now());
    throw new AppError('wrong_password', `body/${field} is not your current password`);
  }
  await clearFailures(
    deps.db,
    keys.map((k) => k.key),
  );
  return user;
}
