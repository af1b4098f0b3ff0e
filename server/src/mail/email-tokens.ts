import type { Deps } from '../context.js';
import type { Executor } from '../db/database.js';
import type { EmailTokenRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { hashToken, newToken } from '../lib/secrets.js';

/** What a mailed link is for, and how long it works. */
export const TOKEN_PURPOSES = {
  verify_email: { ttlMs: 24 * 3600_000 },
  password_reset: { ttlMs: 3600_000 },
} as const;
export type TokenPurpose = keyof typeof TOKEN_PURPOSES;

/** A token as links carry it: 32 random bytes, base64url (43 characters). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Issues a single-use token (256 bits) for a link mailed to `email`, stored only as its
 * SHA-256, expiring after its purpose's time; earlier unused tokens of the user for the same
 * purpose stop working (only the newest link works). Returns the token for the link.
 */
export async function issueEmailToken(
  deps: Deps,
  trx: Executor,
  purpose: TokenPurpose,
  userId: string,
  email: string,
): Promise<string> {
  const now = deps.clock.now();
  await trx
    .updateTable('email_tokens')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
  const token = newToken(32);
  await trx
    .insertInto('email_tokens')
    .values({
      id: newId(),
      token_hash: hashToken(token),
      purpose,
      user_id: userId,
      email,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + TOKEN_PURPOSES[purpose].ttlMs).toISOString(),
      used_at: null,
    })
    .execute();
  return token;
}

/**
 * Uses a mailed link's token in `trx` (the transaction of what it does): a malformed or
 * unknown token is 400 `invalid_token`, a used one 410 `token_used`, an expired one 410
 * `token_expired`. The use is one conditional UPDATE, so of two simultaneous uses one wins.
 */
export async function useEmailToken(
  deps: Deps,
  trx: Executor,
  purpose: TokenPurpose,
  token: string,
): Promise<EmailTokenRow> {
  const invalid = () => new AppError('invalid_token', 'This link is not valid');
  if (!TOKEN_PATTERN.test(token)) throw invalid();
  const row = await trx
    .selectFrom('email_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) throw invalid();
  const now = deps.clock.now();
  if (row.used_at !== null) throw new AppError('token_used', 'This link was used already');
  if (Date.parse(row.expires_at) <= now.getTime()) {
    throw new AppError('token_expired', 'This link has expired; ask for a new one');
  }
  const used = await trx
    .updateTable('email_tokens')
    .set({ used_at: now.toISOString() })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) {
    throw new AppError('token_used', 'This link was used already');
  }
  return { ...row, used_at: now.toISOString() };
}
