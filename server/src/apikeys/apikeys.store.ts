import type { Executor } from '../db/database.js';
import type { ApiKeyRow } from '../db/schema.js';

/** Columns of a key plus its creator's name and email, as lists show them. */
const KEY_WITH_CREATOR = [
  'k.id',
  'k.account_id',
  'k.user_id',
  'k.name',
  'k.prefix',
  'k.read_only',
  'k.created_at',
  'k.last_used_at',
  'k.expires_at',
  'k.disabled_at',
  'k.revoked_at',
  'u.name as creator_name',
  'u.email as creator_email',
] as const;

export type ApiKeyWithCreator = Omit<ApiKeyRow, 'secret_hash'> & {
  creator_name: string;
  creator_email: string;
};

export async function insertApiKey(db: Executor, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The account's keys that are not revoked, newest first; only `userId`'s when given. */
export function listApiKeys(
  db: Executor,
  accountId: string,
  userId?: string,
): Promise<ApiKeyWithCreator[]> {
  let query = db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select(KEY_WITH_CREATOR)
    .where('k.account_id', '=', accountId)
    .where('k.revoked_at', 'is', null);
  if (userId) query = query.where('k.user_id', '=', userId);
  return query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').execute();
}

/** One key of the account that is not revoked. */
export function findApiKey(
  db: Executor,
  accountId: string,
  keyId: string,
): Promise<ApiKeyWithCreator | undefined> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select(KEY_WITH_CREATOR)
    .where('k.account_id', '=', accountId)
    .where('k.id', '=', keyId)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}

/** How many keys `userId` holds in the account that are not revoked. */
export async function countLiveApiKeys(
  db: Executor,
  accountId: string,
  userId: string,
): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateApiKey(
  db: Executor,
  accountId: string,
  keyId: string,
  patch: Partial<Pick<ApiKeyRow, 'disabled_at' | 'revoked_at'>>,
): Promise<void> {
  await db
    .updateTable('api_keys')
    .set(patch)
    .where('account_id', '=', accountId)
    .where('id', '=', keyId)
    .execute();
}

/**
 * The key with this secret hash, its creator, and the creator's membership of
 * the key's account. Authentication is the one lookup that cannot filter by
 * account: the key is what names the account. Only a membership that began
 * before the key was made counts, so a creator who was removed and later
 * rejoined does not bring their old keys back.
 */
export function findKeyForAuthentication(db: Executor, secretHash: string) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .innerJoin('memberships as m', (join) =>
      join
        .onRef('m.account_id', '=', 'k.account_id')
        .onRef('m.user_id', '=', 'k.user_id')
        .onRef('m.created_at', '<=', 'k.created_at'),
    )
    .select([
      'k.id',
      'k.account_id',
      'k.user_id',
      'k.secret_hash',
      'k.read_only',
      'k.last_used_at',
      'k.expires_at',
      'k.disabled_at',
      'k.revoked_at',
      'u.email',
      'u.name',
    ])
    .where('k.secret_hash', '=', secretHash)
    .executeTakeFirst();
}

/** Moves a key's last-used time forward (never back, whichever instance writes first). */
export async function touchApiKey(db: Executor, keyId: string, at: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
    .execute();
}
