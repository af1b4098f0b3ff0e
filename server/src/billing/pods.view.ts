import { sql } from 'kysely';
import type { Db, Executor } from '../db/database.js';

/**
 * The columns of the Pods module's `pods` table (migration 0003_pods) that billing reads,
 * as agreed with the Pods module. Billing reads Pods only through this file.
 */
export interface PodsTableShape {
  id: string;
  account_id: string;
  name: string;
  status: 'provisioning' | 'starting' | 'running' | 'exited' | 'error' | 'terminated';
  /** Micro-units an hour for the whole Pod. */
  price_per_hour: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  stopped_at: string | null;
}

/** Pods that hold their GPUs (and so count against the spend limit); billed from `started_at`. */
export const ACTIVE_POD_STATUSES = ['provisioning', 'starting', 'running'] as const;

/** The executor, typed to also see the `pods` table. */
export function withPods(db: Executor) {
  return (db as Db).withTables<{ pods: PodsTableShape }>();
}

const present = new WeakMap<object, Promise<boolean>>();

/**
 * True when the `pods` table exists (the Pods module is installed). Probed once per
 * database, outside any transaction (a failed statement would abort a PostgreSQL one).
 */
export function podsTableExists(db: Db): Promise<boolean> {
  let known = present.get(db);
  if (!known) {
    known = sql`select id from pods where 1 = 0`.execute(db).then(
      () => true,
      () => false,
    );
    present.set(db, known);
  }
  return known;
}

/** Σ hourly price of the account's active Pods, micro-units. */
export async function activeSpendPerHour(
  db: Executor,
  accountId: string,
  exceptPodId?: string,
): Promise<number> {
  let query = withPods(db)
    .selectFrom('pods')
    .select(sql<number>`cast(coalesce(sum(price_per_hour), 0) as bigint)`.as('total'))
    .where('account_id', '=', accountId)
    .where('status', 'in', ACTIVE_POD_STATUSES);
  if (exceptPodId) query = query.where('id', '!=', exceptPodId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.total);
}

/** Names of an account's Pods by id (for usage reports). */
export async function podNames(db: Executor, accountId: string, ids: string[]) {
  if (ids.length === 0) return new Map<string, string>();
  const rows = await withPods(db)
    .selectFrom('pods')
    .select(['id', 'name'])
    .where('account_id', '=', accountId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
