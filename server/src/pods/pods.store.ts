import { sql } from 'kysely';
import type { DialectName, Executor } from '../db/database.js';
import type { PodRow, PodUpdate } from '../db/schema.js';
import { LIVE_STATUSES, type PodStatus } from './state.js';

/** A Pod row with its creator's current name. */
export type PodWithCreator = PodRow & { created_by_name: string | null };

export async function insertPod(db: Executor, pod: PodRow): Promise<void> {
  await db.insertInto('pods').values(pod).execute();
}

function selectPods(db: Executor) {
  return db
    .selectFrom('pods as p')
    .leftJoin('users as u', 'u.id', 'p.created_by')
    .selectAll('p')
    .select('u.name as created_by_name');
}

/** One Pod of the account (undefined when it belongs to another account or does not exist). */
export function findPod(
  db: Executor,
  accountId: string,
  podId: string,
): Promise<PodWithCreator | undefined> {
  return selectPods(db)
    .where('p.account_id', '=', accountId)
    .where('p.id', '=', podId)
    .executeTakeFirst();
}

/** The account's Pods, newest first; `afterId` continues a page (ids are time-ordered). */
export function listPodsOfAccount(
  db: Executor,
  accountId: string,
  options: { includeTerminated: boolean; limit: number; afterId?: string },
): Promise<PodWithCreator[]> {
  let query = selectPods(db).where('p.account_id', '=', accountId);
  if (!options.includeTerminated) query = query.where('p.status', '!=', 'terminated');
  if (options.afterId) query = query.where('p.id', '<', options.afterId);
  return query.orderBy('p.id', 'desc').limit(options.limit).execute();
}

/** How many of the account's Pods are in one of `statuses`. */
export async function countPods(
  db: Executor,
  accountId: string,
  statuses: readonly PodStatus[],
): Promise<number> {
  const row = await db
    .selectFrom('pods')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('account_id', '=', accountId)
    .where('status', 'in', [...statuses])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Updates the Pod only while it is in one of `from` — so two racing moves
 * cannot both win. Returns whether the row changed.
 */
export async function updatePodIfStatus(
  db: Executor,
  accountId: string,
  podId: string,
  from: readonly PodStatus[],
  changes: PodUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable('pods')
    .set(changes)
    .where('account_id', '=', accountId)
    .where('id', '=', podId)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * System use only (runtime events, reconciliation, billing): a Pod by id
 * whatever its account. Callers act as `system`, never for a user.
 */
export function findPodForSystem(db: Executor, podId: string): Promise<PodRow | undefined> {
  return db.selectFrom('pods').selectAll().where('id', '=', podId).executeTakeFirst();
}

/** System use only: every Pod, of any account, in one of `statuses`. */
export function listPodsInStatusForSystem(
  db: Executor,
  statuses: readonly PodStatus[],
): Promise<PodRow[]> {
  return db
    .selectFrom('pods')
    .selectAll()
    .where('status', 'in', [...statuses])
    .execute();
}

/** When `userId` last connected to the Pod according to the audit log (for the hourly connect event). */
export async function lastConnectAudit(
  db: Executor,
  accountId: string,
  podId: string,
  userId: string,
  since: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('audit_events')
    .select('time')
    .where('account_id', '=', accountId)
    .where('resource_type', '=', 'pod')
    .where('resource_id', '=', podId)
    .where('action', '=', 'pod.connect')
    .where('actor_user_id', '=', userId)
    .where('time', '>', since)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.time;
}

/**
 * Σ hourly price (micro-units) of the account's live Pods (`provisioning`, `starting`,
 * `running`: they hold, or are about to hold, their GPUs), optionally leaving one out.
 * Billing's spend limit and current spend per hour.
 */
export async function spendPerHourOfLivePods(
  db: Executor,
  accountId: string,
  exceptPodId?: string,
): Promise<number> {
  let query = db
    .selectFrom('pods')
    .select(sql<number | string>`coalesce(sum(price_per_hour), 0)`.as('total'))
    .where('account_id', '=', accountId)
    .where('status', 'in', [...LIVE_STATUSES]);
  if (exceptPodId) query = query.where('id', '!=', exceptPodId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.total);
}

/** Names of some of the account's Pods by id (usage reports). */
export async function podNamesOf(
  db: Executor,
  accountId: string,
  podIds: readonly string[],
): Promise<Map<string, string>> {
  if (podIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('pods')
    .select(['id', 'name'])
    .where('account_id', '=', accountId)
    .where('id', 'in', [...podIds])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * System use only: a Pod by id inside a transaction, its row locked on PostgreSQL
 * (SQLite runs one write transaction at a time), so a status change decides on the
 * status it replaces.
 */
export function lockPodForSystem(
  trx: Executor,
  podId: string,
  dialect: DialectName,
): Promise<PodRow | undefined> {
  const query = trx.selectFrom('pods').selectAll().where('id', '=', podId);
  return (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}

/** Running Pods of every account, by account and id: the billing meter's candidates. */
export function listRunningPods(db: Executor): Promise<{ id: string; account_id: string }[]> {
  return db
    .selectFrom('pods')
    .select(['id', 'account_id'])
    .where('status', '=', 'running')
    .where('started_at', 'is not', null)
    .orderBy('account_id')
    .orderBy('id')
    .execute();
}

const meteredColumns = ['id', 'account_id', 'status', 'price_per_hour', 'started_at'] as const;

/** Some Pods of an account as the meter charges them, locked on PostgreSQL, in id order. */
export function lockMeteredPods(
  trx: Executor,
  dialect: DialectName,
  accountId: string,
  podIds: readonly string[],
) {
  if (podIds.length === 0) return Promise.resolve([]);
  const query = trx
    .selectFrom('pods')
    .select(meteredColumns)
    .where('account_id', '=', accountId)
    .where('id', 'in', [...podIds])
    .orderBy('id');
  return (dialect === 'postgres' ? query.forUpdate() : query).execute();
}

/** One Pod as the meter charges it. */
export function findMeteredPod(trx: Executor, podId: string) {
  return trx.selectFrom('pods').select(meteredColumns).where('id', '=', podId).executeTakeFirst();
}

/** Ids of the account's live Pods, in id order. */
export async function listLivePodIds(db: Executor, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('pods')
    .select('id')
    .where('account_id', '=', accountId)
    .where('status', 'in', [...LIVE_STATUSES])
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
