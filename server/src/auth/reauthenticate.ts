import type { Deps } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { findUserById } from './auth.store.js';
import { verifyPassword } from './passwords.js';
import { RULES, throttledAttempt } from './throttle.js';

/**
 * Checks a signed-in user's password again before a sensitive change (a new password, two-factor
 * sign-in turned on or off) and returns the user as it was checked. A wrong one answers 400
 * `wrong_password` at `body/<field>` (never 401: the caller is signed in) and counts on the
 * throttle key `password:<userId>`, which blocks with growing delays (429), so a stolen session
 * cannot guess the password.
 */
export function verifyCurrentPassword(
  deps: Deps,
  userId: string,
  password: string,
  field: string,
): Promise<UserRow> {
  return throttledAttempt(
    deps.db,
    deps.clock,
    { key: `password:${userId}`, rule: RULES.password },
    {
      blocked: 'Too many wrong passwords; try again later',
      wrong: () => new AppError('wrong_password', `body/${field} is not your current password`),
    },
    async () => {
      const user = await findUserById(deps.db, userId);
      if (!user) throw notFound('User');
      return (await verifyPassword(user.password_hash, password)) ? user : undefined;
    },
  );
}
