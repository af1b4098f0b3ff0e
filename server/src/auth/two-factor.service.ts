import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Deps, SessionCaller } from '../context.js';
import type { Executor } from '../db/database.js';
import type { UserTwoFactorRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import { hashToken, seal, unseal } from '../lib/secrets.js';
import { findUserByEmail, normalizeEmail } from './auth.store.js';
import { verifyCurrentPassword } from './reauthenticate.js';
import { RULES, throttledAttempt } from './throttle.js';
import {
  countRecoveryCodesLeft,
  deleteTwoFactor,
  findTwoFactor,
  markTwoFactorEnabled,
  replacePendingTwoFactor,
  replaceRecoveryCodes,
  useRecoveryCode,
  useTimeStep,
} from './two-factor.store.js';
import { contextOf, operatorEventContext, writeUserEvent } from './user-events.js';

/*
 * Two-factor sign-in with an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30 s — what
 * every app reads from a QR code), and ten one-time recovery codes for when the phone is lost.
 * The TOTP secret is sealed under the instance secret; recovery codes are kept hashed.
 */

const SEAL_PURPOSE = 'totp';
/** 160 bits, the HMAC-SHA-1 key length RFC 4226 recommends. */
const SECRET_BYTES = 20;
/** Codes one step (30 s) early or late are taken too: phone clocks drift. */
const CLOCK_DRIFT_STEPS = 1;
const RECOVERY_CODE_COUNT = 10;
/** 128 random bits each, as every token of Gantry's. */
const RECOVERY_CODE_BYTES = 16;

const TOTP_CODE = /^\d{6}$/;
/** 26 base32 letters (128 bits), any case, dashes and spaces ignored. */
const RECOVERY_CODE = /^[a-z2-7]{26}$/;

/** `bytes` random bytes (crypto.randomBytes) as an otpauth secret, for its base32 form. */
function randomSecret(bytes: number): Secret {
  return new Secret({ buffer: new Uint8Array(randomBytes(bytes)).buffer });
}

/** The codes' owner-side form: digits of an app, or a recovery code, without spaces or dashes. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

function authenticator(deps: Deps, secret: Secret, email: string): TOTP {
  return new TOTP({
    issuer: `Gantry (${new URL(deps.config.publicUrl).host})`,
    label: email,
    secret,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
}

/** The time step of `code` when the authenticator sealed as `sealed` shows it now; else null. */
function stepOf(deps: Deps, sealed: string, code: string, now: Date): number | null {
  const base32 = unseal(deps.config.secret, SEAL_PURPOSE, sealed);
  // Sealed under another instance secret: no code can match (the operator resets it).
  if (base32 === null || !TOTP_CODE.test(code)) return null;
  const totp = authenticator(deps, Secret.fromBase32(base32), '');
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: CLOCK_DRIFT_STEPS });
  return delta === null ? null : totp.counter({ timestamp: now.getTime() }) + delta;
}

/** Ten new recovery codes, grouped for reading (`xxxxx-xxxxx-xxxxx-xxxxx-xxxxxx`). */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const letters = randomSecret(RECOVERY_CODE_BYTES).base32.toLowerCase();
    return letters.match(/.{5,6}$|.{5}/g)?.join('-') ?? letters;
  });
}

/** Stores the recovery codes' hashes in place of the old ones and returns the codes, once. */
async function issueRecoveryCodes(trx: Executor, userId: string, at: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await replaceRecoveryCodes(
    trx,
    userId,
    codes.map((code) => hashToken(normalizeCode(code))),
    at,
  );
  return codes;
}

/** How a second factor was given at sign-in, as the `user.signin` event records it. */
export type SecondFactor =
  | { secondFactor: 'totp' }
  | { secondFactor: 'recovery_code'; recoveryCodesLeft: number };

/**
 * Uses `code` as the second factor of the user whose authenticator is `row`, in `trx` (the
 * sign-in's transaction): an app's code not used before, or an unused recovery code, which is
 * used up. Null when it is neither.
 */
export async function useSecondFactor(
  deps: Deps,
  trx: Executor,
  row: UserTwoFactorRow,
  code: string,
  now: Date,
): Promise<SecondFactor | null> {
  const normalized = normalizeCode(code);
  const step = stepOf(deps, row.secret_sealed, normalized, now);
  if (step !== null) {
    return (await useTimeStep(trx, row.user_id, step)) ? { secondFactor: 'totp' } : null;
  }
  if (!RECOVERY_CODE.test(normalized)) return null;
  if (!(await useRecoveryCode(trx, row.user_id, hashToken(normalized), now.toISOString()))) {
    return null;
  }
  return {
    secondFactor: 'recovery_code',
    recoveryCodesLeft: await countRecoveryCodesLeft(trx, row.user_id),
  };
}

/** The user's authenticator when two-factor sign-in is on for them. */
export async function enabledTwoFactor(
  db: Executor,
  userId: string,
): Promise<UserTwoFactorRow | undefined> {
  const row = await findTwoFactor(db, userId);
  return row?.enabled_at ? row : undefined;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
}

export async function getTwoFactorStatus(
  deps: Deps,
  caller: SessionCaller,
): Promise<TwoFactorStatus> {
  const userId = caller.principal.userId;
  const row = await enabledTwoFactor(deps.db, userId);
  return {
    enabled: row !== undefined,
    enabledAt: row?.enabled_at ?? null,
    recoveryCodesLeft: row ? await countRecoveryCodesLeft(deps.db, userId) : 0,
  };
}

function alreadyOn(): AppError {
  return new AppError('conflict', 'Two-factor sign-in is already on');
}

function notOn(): AppError {
  return new AppError('conflict', 'Two-factor sign-in is off');
}

/**
 * Starts turning two-factor sign-in on (the password asked again): a new authenticator secret
 * waits for its first code, replacing one that was waiting. Returns it for the app, as text
 * and as the `otpauth://` URI a QR code carries. Already on → 409.
 */
export async function startTwoFactorSetup(
  deps: Deps,
  caller: SessionCaller,
  input: { password: string },
): Promise<{ secret: string; uri: string }> {
  const user = await verifyCurrentPassword(
    deps,
    caller.principal.userId,
    input.password,
    'password',
  );
  const secret = randomSecret(SECRET_BYTES);
  await transact(deps.db, async (trx) => {
    if (await enabledTwoFactor(trx, user.id)) throw alreadyOn();
    const sealed = seal(deps.config.secret, SEAL_PURPOSE, secret.base32);
    await replacePendingTwoFactor(trx, user.id, sealed, deps.clock.now().toISOString());
  });
  return { secret: secret.base32, uri: authenticator(deps, secret, user.email).toString() };
}

/**
 * A signed-in user's guess at a code, throttled on `two_factor:<userId>`: `attempt` answers
 * undefined for a wrong code, which is 400 `wrong_code`; repeated ones are 429.
 */
function codeAttempt<T>(deps: Deps, userId: string, attempt: () => Promise<T | undefined>) {
  return throttledAttempt(
    deps.db,
    deps.clock,
    { key: `two_factor:${userId}`, rule: RULES.twoFactor },
    {
      blocked: 'Too many wrong codes; try again later',
      wrong: () =>
        new AppError('wrong_code', 'body/code is not a current code of your authenticator'),
    },
    attempt,
  );
}

/**
 * Turns two-factor sign-in on with the first code the app shows for the waiting secret; returns
 * ten new recovery codes, shown this once. A wrong code is 400 `wrong_code`, repeated ones 429;
 * nothing waiting (no set-up started, or on already) → 409.
 */
export async function enableTwoFactor(
  deps: Deps,
  caller: SessionCaller,
  input: { code: string },
): Promise<{ recoveryCodes: string[] }> {
  const userId = caller.principal.userId;
  const recoveryCodes = await codeAttempt(deps, userId, async () => {
    const pending = await findTwoFactor(deps.db, userId);
    if (pending?.enabled_at) throw alreadyOn();
    if (!pending) throw new AppError('conflict', 'Start two-factor set-up first');
    const now = deps.clock.now();
    const step = stepOf(deps, pending.secret_sealed, normalizeCode(input.code), now);
    if (step === null) return undefined;
    return transact(deps.db, async (trx) => {
      const at = now.toISOString();
      if (!(await markTwoFactorEnabled(trx, userId, pending.secret_sealed, step, at))) {
        throw new AppError('conflict', 'Two-factor set-up changed meanwhile; start again');
      }
      const codes = await issueRecoveryCodes(trx, userId, at);
      await writeUserEvent(trx, contextOf(caller), now, 'user.two_factor_enable');
      return codes;
    });
  });
  return { recoveryCodes };
}

/**
 * Turns two-factor sign-in off, with the password and a current code (or a recovery code), so
 * neither a stolen session nor a stolen password alone can. Off already → 409.
 */
export async function disableTwoFactor(
  deps: Deps,
  caller: SessionCaller,
  input: { password: string; code: string },
): Promise<void> {
  const userId = caller.principal.userId;
  await codeAttempt(deps, userId, async () => {
    await verifyCurrentPassword(deps, userId, input.password, 'password');
    const now = deps.clock.now();
    return transact(deps.db, async (trx) => {
      const row = await enabledTwoFactor(trx, userId);
      if (!row) throw notOn();
      const factor = await useSecondFactor(deps, trx, row, input.code, now);
      if (!factor) return undefined;
      await deleteTwoFactor(trx, userId);
      await writeUserEvent(trx, contextOf(caller), now, 'user.two_factor_disable', {
        with: factor.secondFactor,
      });
      return true;
    });
  });
}

/** New recovery codes in place of all the old ones (the password asked again); off → 409. */
export async function regenerateRecoveryCodes(
  deps: Deps,
  caller: SessionCaller,
  input: { password: string },
): Promise<{ recoveryCodes: string[] }> {
  const userId = caller.principal.userId;
  await verifyCurrentPassword(deps, userId, input.password, 'password');
  const recoveryCodes = await transact(deps.db, async (trx) => {
    if (!(await enabledTwoFactor(trx, userId))) throw notOn();
    const now = deps.clock.now();
    const codes = await issueRecoveryCodes(trx, userId, now.toISOString());
    await writeUserEvent(trx, contextOf(caller), now, 'user.recovery_codes_regenerate');
    return codes;
  });
  return { recoveryCodes };
}

/**
 * The operator's answer to "I lost my phone and my recovery codes": two-factor sign-in off for
 * the user (their password still needed), with a `user.two_factor_reset` event. Unknown email →
 * 404; off already → 409.
 */
export async function resetTwoFactorByOperator(deps: Deps, email: string): Promise<void> {
  const user = await findUserByEmail(deps.db, normalizeEmail(email));
  if (!user) throw notFound('User');
  await transact(deps.db, async (trx) => {
    if (!(await deleteTwoFactor(trx, user.id))) throw notOn();
    const now = deps.clock.now();
    await writeUserEvent(trx, operatorEventContext(user.id), now, 'user.two_factor_reset', {
      by: 'operator',
    });
  });
}
