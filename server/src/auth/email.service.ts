import { grantWelcomeCredit } from '../billing/billing.service.js';
import type { Deps, RequestMeta, SessionCaller } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { UserRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import { newToken } from '../lib/secrets.js';
import { issueEmailToken, useEmailToken } from '../mail/email-tokens.js';
import { enqueueMail, mailConfigured } from '../mail/mail.outbox.js';
import {
  emailChangeNoticeMail,
  passwordResetMail,
  type SecurityNotice,
  securityNoticeMail,
  verifyEmailMail,
} from '../mail/messages.js';
import {
  deleteSessionsOf,
  findUserByEmail,
  findUserById,
  normalizeEmail,
  updateUserEmail,
  updateUserPassword,
} from './auth.store.js';
import { hashPassword } from './passwords.js';
import { clearFailures, countAttempt, RULES, type ThrottleKey } from './throttle.js';
import {
  contextOf,
  type EventContext,
  operatorEventContext,
  writeUserEvent,
} from './user-events.js';

/**
 * Mails a verification link for `email` (the user's address, or the one they are changing to)
 * in `trx`, the transaction of the change that asks for it.
 */
export async function sendVerificationMail(
  deps: Deps,
  trx: Executor,
  user: Pick<UserRow, 'id' | 'name'>,
  email: string,
  change: boolean,
): Promise<void> {
  const token = await issueEmailToken(deps, trx, 'verify_email', user.id, email);
  await enqueueMail(
    deps,
    trx,
    'verify_email',
    email,
    verifyEmailMail(deps, user.name, token, change),
  );
}

/** Mails a security notice to the user's current address, in the change's transaction. */
export async function sendSecurityNotice(
  deps: Deps,
  trx: Executor,
  user: Pick<UserRow, 'email' | 'name'>,
  notice: SecurityNotice,
): Promise<void> {
  await enqueueMail(deps, trx, 'security', user.email, securityNoticeMail(deps, user.name, notice));
}

/**
 * Grants the welcome credit of a user's first account once: at sign-up without mail, on the
 * first verified email with it (so that one person with many addresses they do not own cannot
 * farm credits). Returns whether it was granted now.
 */
export async function grantWelcomeCreditOnce(
  deps: Deps,
  trx: Trx,
  userId: string,
  meta: RequestMeta,
): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  const claimed = await trx
    .updateTable('users')
    .set({ welcome_credit_at: now })
    .where('id', '=', userId)
    .where('welcome_credit_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return false;
  const first = await trx
    .selectFrom('accounts')
    .select('id')
    .where('owner_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .executeTakeFirst();
  if (!first) return false;
  await grantWelcomeCredit(trx, deps, first.id, meta);
  return true;
}

/**
 * Marks `email` of the user verified in `trx`: their own address, or — a change of email
 * asked for earlier — the new one, which becomes the address they sign in with (its unique
 * index decides a race: 409 `email_taken`), and the old address is told.
 */
async function applyVerifiedEmail(
  deps: Deps,
  trx: Trx,
  user: UserRow,
  email: string,
  context: EventContext,
  meta: RequestMeta,
  by: 'link' | 'operator',
): Promise<UserRow> {
  const now = deps.clock.now();
  const at = now.toISOString();
  if (normalizeEmail(email) === user.email_normalized) {
    await updateUserEmail(trx, user.id, user.email, at, at);
    await writeUserEvent(trx, context, now, 'user.email_verify', { email: user.email, by });
  } else {
    const holder = await findUserByEmail(trx, normalizeEmail(email));
    if (holder && holder.id !== user.id) {
      throw new AppError('email_taken', 'An account with this email already exists');
    }
    await updateUserEmail(trx, user.id, email, at, at);
    await writeUserEvent(trx, context, now, 'user.email_change', {
      before: { email: user.email },
      after: { email },
      by,
    });
    await enqueueMail(
      deps,
      trx,
      'security',
      user.email,
      emailChangeNoticeMail(deps, user.name, email, true),
    );
  }
  if (mailConfigured(deps)) await grantWelcomeCreditOnce(deps, trx, user.id, meta);
  return { ...user, email, email_normalized: normalizeEmail(email), email_verified_at: at };
}

/**
 * Follows a verification link: the address it was mailed to is verified (for a change of email,
 * it becomes the user's address). No sign-in is needed: the token is the proof. Malformed or
 * unknown → 400 `invalid_token`; used or expired → 410; nothing changes then.
 */
export async function verifyEmail(deps: Deps, meta: RequestMeta, token: string): Promise<UserRow> {
  try {
    return await transact(deps.db, async (trx) => {
      const used = await useEmailToken(deps, trx, 'verify_email', token);
      const user = await findUserById(trx, used.user_id);
      if (!user) throw new AppError('invalid_token', 'This link is not valid');
      const context = { userId: user.id, sessionId: null, ip: meta.ip, userAgent: meta.userAgent };
      return applyVerifiedEmail(deps, trx, user, used.email, context, meta, 'link');
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The new address was taken meanwhile: its unique index decides.
    throw new AppError('email_taken', 'An account with this email already exists');
  }
}

/**
 * Mails a new verification link to the caller's address (throttled per user and per IP: 429);
 * 409 when it is verified already.
 */
export async function resendVerification(deps: Deps, caller: SessionCaller): Promise<void> {
  const now = deps.clock.now();
  const keys: ThrottleKey[] = [
    { key: `verify:${caller.principal.userId}`, rule: RULES.mailTarget },
  ];
  if (caller.ip) keys.push({ key: `mail_ip:${caller.ip}`, rule: RULES.mailIp });
  const user = await findUserById(deps.db, caller.principal.userId);
  if (!user) throw notFound('User');
  if (user.email_verified_at !== null) {
    throw new AppError('conflict', 'Your email address is verified already');
  }
  await countAttempt(deps.db, keys, now, 'Too many verification mails asked for; try again later');
  await deps.db
    .transaction()
    .execute((trx) => sendVerificationMail(deps, trx, user, user.email, false));
}

/**
 * Asks for a change of the caller's email (their password checked before): the link goes to the
 * new address, and the old one is told; the change takes effect once the link is followed.
 */
export async function requestEmailChange(
  deps: Deps,
  caller: SessionCaller,
  user: UserRow,
  email: string,
): Promise<void> {
  await transact(deps.db, async (trx) => {
    const now = deps.clock.now();
    await sendVerificationMail(deps, trx, user, email, true);
    await enqueueMail(
      deps,
      trx,
      'security',
      user.email,
      emailChangeNoticeMail(deps, user.name, email, false),
    );
    await writeUserEvent(trx, contextOf(caller), now, 'user.email_change_request', {
      email: user.email,
      requested: email,
    });
  });
}

/** How long a password-reset request takes at least, known email or not. */
const RESET_REQUEST_FLOOR_MS = 250;

/**
 * "Forgot password?": mails a reset link (1 h, single use) to the user with `email`, if there
 * is one. The answer is the same for any email, in similar time (a floor the work stays under);
 * throttled per IP and per email (429).
 */
export async function requestPasswordReset(
  deps: Deps,
  meta: RequestMeta,
  input: { email: string },
): Promise<void> {
  const started = Date.now();
  const email = normalizeEmail(input.email);
  const keys: ThrottleKey[] = [{ key: `reset:${email}`, rule: RULES.mailTarget }];
  if (meta.ip) keys.unshift({ key: `mail_ip:${meta.ip}`, rule: RULES.mailIp });
  await countAttempt(
    deps.db,
    keys,
    deps.clock.now(),
    'Too many password resets asked for; try again later',
  );
  const user = await findUserByEmail(deps.db, email);
  if (user) {
    await transact(deps.db, async (trx) => {
      const token = await issueEmailToken(deps, trx, 'password_reset', user.id, user.email);
      await enqueueMail(
        deps,
        trx,
        'password_reset',
        user.email,
        passwordResetMail(deps, user.name, token),
      );
    });
  } else {
    // Some work of similar cost, so that timing tells nothing either.
    newToken(32);
  }
  const left = RESET_REQUEST_FLOOR_MS - (Date.now() - started);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

/**
 * Follows a reset link: sets the new password, signs out every session, lifts the sign-in
 * throttle of the user, writes `user.password_reset` and mails the user, in one transaction.
 * The link's address must still be the user's. Bad tokens: 400/410, nothing changed.
 */
export async function confirmPasswordReset(
  deps: Deps,
  meta: RequestMeta,
  input: { token: string; newPassword: string },
): Promise<{ userId: string; sessionsRevoked: number }> {
  // Hashed before the transaction (argon2 takes tens of milliseconds); thrown away on a bad token.
  const passwordHash = await hashPassword(input.newPassword);
  return transact(deps.db, async (trx) => {
    const used = await useEmailToken(deps, trx, 'password_reset', input.token);
    const user = await findUserById(trx, used.user_id);
    if (!user || user.email_normalized !== normalizeEmail(used.email)) {
      throw new AppError('invalid_token', 'This link is not valid');
    }
    const now = deps.clock.now();
    await updateUserPassword(trx, user.id, passwordHash, now.toISOString());
    const context = { userId: user.id, sessionId: null, ip: meta.ip, userAgent: meta.userAgent };
    // Whoever follows the link proves the address: it is verified now.
    if (user.email_verified_at === null) {
      await applyVerifiedEmail(deps, trx, user, user.email, context, meta, 'link');
    }
    const revoked = await deleteSessionsOf(trx, user.id);
    await clearFailures(trx, [
      `email:${user.email_normalized}`,
      `device:${user.email_normalized}`,
      `password:${user.id}`,
    ]);
    await writeUserEvent(trx, context, now, 'user.password_reset', {
      by: 'link',
      sessionsRevoked: revoked,
    });
    await sendSecurityNotice(deps, trx, user, 'password_reset');
    return { userId: user.id, sessionsRevoked: revoked };
  });
}

/**
 * The operator marks a user's address verified by hand (`gantry users verify-email`), with a
 * `user.email_verify` event in their security log. Unknown email → 404; verified already → 409.
 */
export async function verifyEmailByOperator(deps: Deps, email: string): Promise<void> {
  await transact(deps.db, async (trx) => {
    const user = await findUserByEmail(trx, normalizeEmail(email));
    if (!user) throw notFound('User');
    if (user.email_verified_at !== null) throw new AppError('conflict', 'Verified already');
    const meta = { ip: null, userAgent: null, requestId: null };
    await applyVerifiedEmail(
      deps,
      trx,
      user,
      user.email,
      operatorEventContext(user.id),
      meta,
      'operator',
    );
  });
}
