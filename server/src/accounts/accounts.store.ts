import type { DialectName, Executor } from '../db/database.js';
import type { AccountRow, AccountUpdate } from '../db/schema.js';

export async function insertAccount(db: Executor, account: AccountRow): Promise<void> {
  await db.insertInto('accounts').values(account).execute();
}

export async function insertMembership(
  db: Executor,
  membership: {
    account_id: string;
    user_id: string;
    role: 'basic' | 'billing' | 'dev' | 'admin';
    created_at: string;
  },
): Promise<void> {
  await db.insertInto('memberships').values(membership).execute();
}

export function findAccount(db: Executor, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The accounts a user belongs to, with their role, personal account first. */
export function listMembershipsOfUser(db: Executor, userId: string, onlyAccountId?: string) {
  let query = db
    .selectFrom('memberships as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .select([
      'a.id',
      'a.name',
      'a.kind',
      'a.owner_id',
      'a.created_at',
      'a.updated_at',
      'a.require_two_factor_at',
      'm.role',
    ])
    .where('m.user_id', '=', userId);
  if (onlyAccountId) query = query.where('a.id', '=', onlyAccountId);
  return query
    .orderBy('a.kind', 'asc')
    .orderBy('a.created_at', 'asc')
    .orderBy('a.id', 'asc')
    .execute();
}

/**
 * Reads an account and, on PostgreSQL, locks its row for the rest of the transaction:
 * `update` for changes to the team's shape (members, owner, kind) and to what runs on it
 * (a Pod becoming live), `share` for joining, so a join and a Delete Team never interleave.
 * SQLite runs one write transaction at a time, so it needs no row lock.
 *
 * `update` is `FOR NO KEY UPDATE`, not `FOR UPDATE`: the `FOR KEY SHARE` lock that every
 * insert referencing the account takes for its foreign key (an audit event, a Pod, a ledger
 * row) does not wait for it, so a transaction holding the audit chain head never queues
 * behind an account lock for that reason. The lock order of every account write (see
 * `inAccount`): this row first, then the rows the change touches (Pods, then the billing row),
 * then the audit chain head, taken by the audit event written last.
 */
export function lockAccount(
  db: Executor,
  dialect: DialectName,
  id: string,
  mode: 'update' | 'share',
): Promise<AccountRow | undefined> {
  let query = db.selectFrom('accounts').selectAll().where('id', '=', id);
  if (dialect === 'postgres') {
    query = mode === 'update' ? query.forNoKeyUpdate() : query.forShare();
  }
  return query.executeTakeFirst();
}

/** The personal accounts `ownerId` owns that are named `name`. */
export function findPersonalAccountsNamed(
  db: Executor,
  ownerId: string,
  name: string,
): Promise<AccountRow[]> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('kind', '=', 'personal')
    .where('name', '=', name)
    .execute();
}

export async function updateAccount(db: Executor, id: string, changes: AccountUpdate) {
  await db.updateTable('accounts').set(changes).where('id', '=', id).execute();
}

/** Moves ownership only if `fromUserId` still owns the account; returns whether it moved. */
export async function moveOwnership(
  db: Executor,
  id: string,
  fromUserId: string,
  toUserId: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('accounts')
    .set({ owner_id: toUserId, updated_at: at })
    .where('id', '=', id)
    .where('owner_id', '=', fromUserId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
