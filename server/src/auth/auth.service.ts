import type { Static } from '@sinclair/typebox';
import { createPersonalAccount } from '../accounts/accounts.service.js';
import type {
  Caller,
  Deps,
  PrefetchedMembership,
  Principal,
  RequestMeta,
  SessionCaller,
} from '../context.js';
import type { AccountRow, SessionRow, UserRow } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { hashToken, hmac, newToken, safeEqual } from '../lib/secrets.js';
import type { SessionSchema, UserSchema } from './auth.schemas.js';
import {
  deleteOtherSessions,
  deleteSession,
  findSessionByTokenHash,
  findUserByEmail,
  insertSession,
  insertUser,
  listUserSessions,
  touchSession,
} from './auth.store.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { blockedFor, clearFailures, RULES, recordFailure, type ThrottleKey } from './throttle.js';

export type UserDto = Static<typeof UserSchema>;

export function toUserDto(row: Pick<UserRow, 'id' | 'email' | 'name' | 'created_at'>): UserDto {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}

/** Emails compare case-insensitively; surrounding spaces are not part of them. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A new session: its token goes to the cookie once; only its hash is stored. */
export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

/** Sessions' last-seen time is written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

async function issueSession(deps: Deps, userId: string, meta: RequestMeta): Promise<IssuedSession> {
  const now = deps.clock.now();
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
  await insertSession(deps.db, row);
  return { token, expiresAt };
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
  if (await findUserByEmail(deps.db, emailNormalized)) {
    throw new AppError('email_taken', 'An account with this email already exists');
  }
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
  let account: Awaited<ReturnType<typeof createPersonalAccount>>;
  try {
    account = await deps.db.transaction().execute(async (trx) => {
      await insertUser(trx, user);
      return createPersonalAccount(deps, trx, user, meta);
    });
  } catch (error) {
    // Two sign-ups with one email at once: the unique index decides.
    if (await findUserByEmail(deps.db, emailNormalized)) {
      throw new AppError('email_taken', 'An account with this email already exists');
    }
    throw error;
  }
  const session = await issueSession(deps, user.id, meta);
  return { user: toUserDto(user), account, session };
}

export interface LoginInput {
  email: string;
  password: string;
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
  const wait = await blockedFor(deps.db, keys, now);
  if (wait > 0) {
    throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
      retryAfterSeconds: wait,
    });
  }
  const user = await findUserByEmail(deps.db, email);
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!user || !ok) {
    await recordFailure(deps.db, keys, now);
    throw new AppError('invalid_credentials', 'Email or password is incorrect');
  }
  await clearFailures(
    deps.db,
    keys.filter((k) => !k.key.startsWith('ip:')).map((k) => k.key),
  );
  const session = await issueSession(deps, user.id, meta);
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
  const row = await findSessionByTokenHash(deps.db, hashToken(token), accountId ?? '');
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
                    role: row.role,
                  },
          },
  };
}

export async function logout(deps: Deps, caller: Caller): Promise<void> {
  if (caller.principal.kind !== 'session') return;
  await deleteSession(deps.db, caller.principal.userId, caller.principal.sessionId);
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

export async function revokeSession(deps: Deps, caller: Caller, sessionId: string): Promise<void> {
  if (!(await deleteSession(deps.db, caller.principal.userId, sessionId)))
    throw notFound('Session');
}

/**
 * Signs out every session of the caller's user except the one making the request; returns how
 * many were revoked. Sessions belong to the person: only a session caller (`sessionCallerOf`,
 * which refuses API keys with 403) may sign them out.
 */
export function revokeOtherSessions(deps: Deps, caller: SessionCaller): Promise<number> {
  return deleteOtherSessions(deps.db, caller.principal.userId, caller.principal.sessionId);
}
