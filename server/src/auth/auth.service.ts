import type { Static } from '@sinclair/typebox';
import {
  createPersonalAccount,
  renamePersonalAccountsAfterOwner,
} from '../accounts/accounts.service.js';
import type {
  Caller,
  Deps,
  PrefetchedMembership,
  Principal,
  RequestMeta,
  SessionCaller,
} from '../context.js';
import type { Executor } from '../db/database.js';
import type { AccountRow, SessionRow, UserEventRow, UserRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { hashToken, hmac, newToken, safeEqual } from '../lib/secrets.js';
import type {
  SessionSchema,
  UserEventAction,
  UserEventSchema,
  UserSchema,
} from './auth.schemas.js';
import {
  deleteSession,
  deleteSessionsOf,
  deleteUserEventsBefore,
  findSessionByTokenHash,
  findUserByEmail,
  findUserById,
  insertSession,
  insertUser,
  listUserEvents as listUserEventRows,
  listUserSessions,
  normalizeEmail,
  touchSession,
  updateUserEmail,
  updateUserName,
  updateUserPassword,
} from './auth.store.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { verifyCurrentPassword } from './reauthenticate.js';
import {
  clearFailures,
  RULES,
  recordFailure,
  refuseWhileBlocked,
  type ThrottleKey,
} from './throttle.js';
import { enabledTwoFactor, useSecondFactor } from './two-factor.service.js';
import { contextOf, operatorEventContext, writeUserEvent } from './user-events.js';

export type UserDto = Static<typeof UserSchema>;

export function toUserDto(row: Pick<UserRow, 'id' | 'email' | 'name' | 'created_at'>): UserDto {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}

/** A new session: its token goes to the cookie once; only its hash is stored. */
export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

/** Sessions' last-seen time is written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** A session about to be stored: the row, and the token for the cookie. */
function newSession(deps: Deps, userId: string, meta: RequestMeta, now: Date) {
  const token = newToken(32);
  const expiresAt = new Date(now.getTime() + deps.config.sessionAbsoluteSeconds * 1000);
  const row: SessionRow = {
    id: newId(),
    user_id: userId,
    token_hash: hashToken(token),
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    ip: meta.ip,
    user_agent: meta.userAgent?.slice(0, 512) ?? null,
  };
  const issued: IssuedSession = { token, expiresAt };
  return { row, issued };
}

/**
 * Stores a new session with its `action` event (`user.signup`, `user.signin`) in `trx`, the
 * transaction of the change it belongs to.
 */
async function issueSession(
  deps: Deps,
  trx: Executor,
  userId: string,
  meta: RequestMeta,
  action: UserEventAction,
  details: Record<string, unknown> | null = null,
): Promise<IssuedSession> {
  const now = deps.clock.now();
  const { row, issued } = newSession(deps, userId, meta, now);
  await insertSession(trx, row);
  const context = { userId, sessionId: row.id, ip: meta.ip, userAgent: meta.userAgent };
  await writeUserEvent(trx, context, now, action, details);
  return issued;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

/** Creates a user with their personal account (owner, Admin) and signs them in. */
export async function signup(deps: Deps, meta: RequestMeta, input: SignupInput) {
  const email = input.email.trim();
  const emailNormalized = normalizeEmail(email);
  const name = input.name.trim();
  if (name.length === 0) throw new AppError('invalid_input', 'Name must not be blank');
  if (await findUserByEmail(deps.db, emailNormalized)) throw emailTaken();
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now().toISOString();
  const user: UserRow = {
    id: newId(),
    email,
    email_normalized: emailNormalized,
    name,
    password_hash: passwordHash,
    created_at: now,
    updated_at: now,
  };
  let created: {
    account: Awaited<ReturnType<typeof createPersonalAccount>>;
    session: IssuedSession;
  };
  try {
    // The user, their account and its audit events, the first session and `user.signup`: all
    // or nothing.
    created = await transact(deps.db, async (trx) => {
      await insertUser(trx, user);
      const account = await createPersonalAccount(deps, trx, user, meta);
      const session = await issueSession(deps, trx, user.id, meta, 'user.signup');
      return { account, session };
    });
  } catch (error) {
    // Two sign-ups with one email at once: the unique index decides.
    if (await findUserByEmail(deps.db, emailNormalized)) throw emailTaken();
    throw error;
  }
  return { user: toUserDto(user), account: created.account, session: created.session };
}

export interface LoginInput {
  email: string;
  password: string;
  /** The second factor, for a user with two-factor sign-in: an app's code or a recovery code. */
  code?: string | undefined;
}

function throttleKeys(deps: Deps, email: string, ip: string | null, device: string | undefined) {
  const keys: ThrottleKey[] = [];
  if (ip) keys.push({ key: `ip:${ip}`, rule: RULES.ip });
  const trusted = device !== undefined && safeEqual(device, deviceToken(deps, email));
  keys.push(
    trusted
      ? { key: `device:${email}`, rule: RULES.device }
      : { key: `email:${email}`, rule: RULES.email },
  );
  return keys;
}

/** The device cookie a successful sign-in earns for this email. */
export function deviceToken(deps: Deps, emailNormalized: string): string {
  return hmac(deps.config.secret, 'device', emailNormalized);
}

/**
 * Signs in. Unknown email and wrong password answer the same error after the
 * same work; repeated failures are throttled per IP and per email (or device).
 * A user with two-factor sign-in also gives a code: without one, the right password answers
 * 401 `two_factor_required` (not a failure); a wrong or used code is 401
 * `invalid_two_factor_code`, a failure on the same throttle keys, so codes cannot be guessed
 * faster than passwords.
 */
export async function login(
  deps: Deps,
  meta: RequestMeta,
  input: LoginInput,
  device: string | undefined,
) {
  const email = normalizeEmail(input.email);
  const keys = throttleKeys(deps, email, meta.ip, device);
  const now = deps.clock.now();
  await refuseWhileBlocked(deps.db, keys, now, 'Too many failed sign-ins; try again later');
  const user = await findUserByEmail(deps.db, email);
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!user || !ok) {
    // Failed sign-ins are not written to the user's security log: the throttle counts them,
    // and an unknown email has no user to log them for.
    await recordFailure(deps.db, keys, now);
    throw new AppError('invalid_credentials', 'Email or password is incorrect');
  }
  const twoFactor = await enabledTwoFactor(deps.db, user.id);
  if (twoFactor && input.code === undefined) {
    throw new AppError(
      'two_factor_required',
      'Enter the code from your authenticator app, or a recovery code',
    );
  }
  const session = await transact(deps.db, async (trx) => {
    // The code is used up in the transaction that signs in with it.
    const factor =
      twoFactor && input.code !== undefined
        ? await useSecondFactor(deps, trx, twoFactor, input.code, now)
        : null;
    if (twoFactor && !factor) return null;
    return issueSession(deps, trx, user.id, meta, 'user.signin', factor);
  });
  if (!session) {
    await recordFailure(deps.db, keys, now);
    throw new AppError('invalid_two_factor_code', 'The code is wrong or was used already');
  }
  await clearFailures(
    deps.db,
    keys.filter((k) => !k.key.startsWith('ip:')).map((k) => k.key),
  );
  return { user: toUserDto(user), session, device: deviceToken(deps, email) };
}

/** A session's principal, with the membership it was read with (see findSessionByTokenHash). */
export interface SessionAuthentication {
  principal: Principal;
  prefetched: PrefetchedMembership | undefined;
}

/**
 * The principal of a live session token, or null. With `accountId` (the account a request's
 * path names), the caller's membership on that account is read in the same query.
 */
export async function authenticateSession(
  deps: Deps,
  token: string,
  accountId?: string,
): Promise<SessionAuthentication | null> {
  if (token.length < 20 || token.length > 128) return null;
  const row = await findSessionByTokenHash(deps, hashToken(token), accountId ?? '');
  if (!row) return null;
  const now = deps.clock.now();
  const lastSeen = Date.parse(row.last_seen_at);
  if (
    now.getTime() >= Date.parse(row.expires_at) ||
    now.getTime() >= lastSeen + deps.config.sessionIdleSeconds * 1000
  ) {
    await deleteSession(deps.db, row.user_id, row.id);
    return null;
  }
  if (now.getTime() - lastSeen > TOUCH_INTERVAL_MS) {
    await touchSession(deps.db, row.id, now.toISOString());
  }
  return {
    principal: {
      kind: 'session',
      userId: row.user_id,
      email: row.email,
      name: row.name,
      sessionId: row.id,
    },
    prefetched:
      accountId === undefined
        ? undefined
        : {
            accountId,
            // A membership's account always exists (foreign key): its columns are set with the role.
            row:
              row.role === null
                ? undefined
                : {
                    id: accountId,
                    name: row.account_name as string,
                    kind: row.account_kind as AccountRow['kind'],
                    owner_id: row.account_owner_id as string,
                    created_at: row.account_created_at as string,
                    updated_at: row.account_updated_at as string,
                    require_two_factor_at: row.account_require_two_factor_at,
                    role: row.role,
                    two_factor_at: row.two_factor_at,
                  },
          },
  };
}

/** Signs out the caller's session (nothing for an API key), with its `user.signout` event. */
export async function logout(deps: Deps, caller: Caller): Promise<void> {
  if (caller.principal.kind !== 'session') return;
  const sessionCaller = caller as SessionCaller;
  const { userId, sessionId } = sessionCaller.principal;
  await transact(deps.db, async (trx) => {
    if (!(await deleteSession(trx, userId, sessionId))) return;
    await writeUserEvent(trx, contextOf(sessionCaller), deps.clock.now(), 'user.signout');
  });
}

export type SessionDto = Static<typeof SessionSchema>;

export async function listSessions(deps: Deps, caller: Caller): Promise<SessionDto[]> {
  const rows = await listUserSessions(
    deps.db,
    caller.principal.userId,
    deps.clock.now().toISOString(),
  );
  const currentId = caller.principal.kind === 'session' ? caller.principal.sessionId : null;
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    ip: r.ip,
    userAgent: r.user_agent,
    current: r.id === currentId,
  }));
}

/** Signs out one of the caller's sessions (404 when it is not theirs), with `session.revoke`. */
export async function revokeSession(
  deps: Deps,
  caller: SessionCaller,
  sessionId: string,
): Promise<void> {
  await transact(deps.db, async (trx) => {
    if (!(await deleteSession(trx, caller.principal.userId, sessionId))) throw notFound('Session');
    await writeUserEvent(trx, contextOf(caller), deps.clock.now(), 'session.revoke', {
      sessionId,
    });
  });
}

/**
 * Signs out every session of the caller's user except the one making the request; returns how
 * many were revoked. Sessions belong to the person: only a session caller (`sessionCallerOf`,
 * which refuses API keys with 403) may sign them out.
 */
export function revokeOtherSessions(deps: Deps, caller: SessionCaller): Promise<number> {
  return transact(deps.db, async (trx) => {
    const count = await deleteSessionsOf(trx, caller.principal.userId, caller.principal.sessionId);
    // Nothing signed out, nothing changed: no event.
    if (count > 0) {
      await writeUserEvent(trx, contextOf(caller), deps.clock.now(), 'session.revoke_others', {
        count,
      });
    }
    return count;
  });
}

/**
 * Renames the caller's user (blank after trimming → 400), with a `user.update` event holding
 * the name before and after. The same name again changes nothing and records nothing.
 */
export async function updateProfile(
  deps: Deps,
  caller: SessionCaller,
  input: { name: string },
): Promise<UserDto> {
  const name = input.name.trim();
  if (name.length === 0) throw invalidInput('body/name must not be blank');
  return transact(deps.db, async (trx) => {
    const user = await findUserById(trx, caller.principal.userId);
    if (!user) throw notFound('User');
    if (user.name === name) return toUserDto(user);
    const now = deps.clock.now();
    await updateUserName(trx, user.id, name, now.toISOString());
    await writeUserEvent(trx, contextOf(caller), now, 'user.update', {
      before: { name: user.name },
      after: { name },
    });
    await renamePersonalAccountsAfterOwner(trx, caller, now, user.name, name);
    return toUserDto({ ...user, name });
  });
}

const emailTaken = () => new AppError('email_taken', 'An account with this email already exists');

/**
 * Changes the caller's email, the one they sign in with, after checking their password again
 * (see verifyCurrentPassword). Another user's email, in any case, is 409 `email_taken`; the
 * same email again changes nothing. A `user.email_change` event holds both. Without an email
 * service nothing is sent: the new address is trusted as the password is.
 */
export async function changeEmail(
  deps: Deps,
  caller: SessionCaller,
  input: { email: string; password: string },
): Promise<UserDto> {
  const userId = caller.principal.userId;
  const email = input.email;
  const user = await verifyCurrentPassword(deps, userId, input.password, 'password');
  if (user.email === email) return toUserDto(user);
  const taken = await findUserByEmail(deps.db, normalizeEmail(email));
  if (taken && taken.id !== userId) throw emailTaken();
  try {
    await transact(deps.db, async (trx) => {
      const now = deps.clock.now();
      await updateUserEmail(trx, userId, email, now.toISOString());
      await writeUserEvent(trx, contextOf(caller), now, 'user.email_change', {
        before: { email: user.email },
        after: { email },
      });
    });
  } catch (error) {
    // Someone took it meanwhile: the unique index decides.
    const holder = await findUserByEmail(deps.db, normalizeEmail(email));
    if (holder && holder.id !== userId) throw emailTaken();
    throw error;
  }
  return toUserDto({ ...user, email });
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * Changes the caller's password after verifying the current one (see verifyCurrentPassword: a
 * wrong one is 400 `wrong_password`, repeated ones 429), and signs out every other session of
 * the user (the caller's stays); returns how many were signed out.
 */
export async function changePassword(
  deps: Deps,
  caller: SessionCaller,
  input: ChangePasswordInput,
): Promise<number> {
  const userId = caller.principal.userId;
  if (input.newPassword === input.currentPassword) {
    throw invalidInput('body/newPassword must differ from the current password');
  }
  const user = await verifyCurrentPassword(deps, userId, input.currentPassword, 'currentPassword');
  // Hashed before the transaction: argon2 takes tens of milliseconds.
  const passwordHash = await hashPassword(input.newPassword);
  return transact(deps.db, async (trx) => {
    const now = deps.clock.now();
    // Only over the hash the current password was checked against: a change in between wins.
    if (
      !(await updateUserPassword(trx, userId, passwordHash, now.toISOString(), user.password_hash))
    ) {
      throw new AppError('conflict', 'Your password was changed meanwhile; try again');
    }
    const revoked = await deleteSessionsOf(trx, userId, caller.principal.sessionId);
    await writeUserEvent(trx, contextOf(caller), now, 'user.password_change', {
      sessionsRevoked: revoked,
    });
    return revoked;
  });
}

/** What an operator's password reset did: the temporary password is shown to them once. */
export interface PasswordReset {
  userId: string;
  temporaryPassword: string;
  sessionsRevoked: number;
}

/**
 * The operator's answer to "I forgot my password" on a self-hosted install without email: a new
 * random password (128 bits, shown once to the operator, who hands it over), every session of
 * the user signed out, and the sign-in throttle for their email and password lifted, all in one
 * transaction with a `user.password_reset` event. The user then signs in with it and sets their
 * own under Settings → Password. Unknown email → 404.
 */
export async function resetPasswordByOperator(deps: Deps, email: string): Promise<PasswordReset> {
  const emailNormalized = normalizeEmail(email);
  const user = await findUserByEmail(deps.db, emailNormalized);
  if (!user) throw notFound('User');
  const temporaryPassword = newToken(16);
  // Hashed before the transaction: argon2 takes tens of milliseconds.
  const passwordHash = await hashPassword(temporaryPassword);
  const sessionsRevoked = await transact(deps.db, async (trx) => {
    const now = deps.clock.now();
    await updateUserPassword(trx, user.id, passwordHash, now.toISOString());
    const revoked = await deleteSessionsOf(trx, user.id);
    await clearFailures(trx, [
      `email:${emailNormalized}`,
      `device:${emailNormalized}`,
      `password:${user.id}`,
    ]);
    await writeUserEvent(trx, operatorEventContext(user.id), now, 'user.password_reset', {
      by: 'operator',
      sessionsRevoked: revoked,
    });
    return revoked;
  });
  return { userId: user.id, temporaryPassword, sessionsRevoked };
}

export type UserEventDto = Static<typeof UserEventSchema>;

function toUserEventDto(row: UserEventRow, currentSessionId: string): UserEventDto {
  return {
    id: row.id,
    action: row.action as UserEventAction,
    time: row.created_at,
    ip: row.ip,
    userAgent: row.user_agent,
    sessionId: row.session_id,
    current: row.session_id !== null && row.session_id === currentSessionId,
    details: row.details === null ? {} : (JSON.parse(row.details) as Record<string, unknown>),
  };
}

/** The caller's security log, newest first, a page at a time (the cursor: the last id seen). */
export async function listUserEvents(
  deps: Deps,
  caller: SessionCaller,
  query: { limit?: number | undefined; cursor?: string | undefined },
): Promise<{ items: UserEventDto[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const rows = await listUserEventRows(deps.db, caller.principal.userId, {
    limit: limit + 1,
    beforeId: query.cursor,
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((row) => toUserEventDto(row, caller.principal.sessionId)),
    nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** How long users' security events are kept. */
export const USER_EVENT_RETENTION_DAYS = 365;

/** Deletes users' security events older than the retention; returns how many were deleted. */
export function pruneUserEvents(deps: Deps, now: Date = deps.clock.now()): Promise<number> {
  const cutoff = new Date(now.getTime() - USER_EVENT_RETENTION_DAYS * 24 * 3600 * 1000);
  return deleteUserEventsBefore(deps.db, cutoff.toISOString());
}
