import type { Executor } from '../db/database.js';
import type { AccountRow } from '../db/schema.js';

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
    .select(['a.id', 'a.name', 'a.kind', 'a.owner_id', 'a.created_at', 'a.updated_at', 'm.role'])
    .where('m.user_id', '=', userId);
  if (onlyAccountId) query = query.where('a.id', '=', onlyAccountId);
  return query
    .orderBy('a.kind', 'asc')
    .orderBy('a.created_at', 'asc')
    .orderBy('a.id', 'asc')
    .execute();
}
