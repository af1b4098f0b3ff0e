import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import type {
  BillingAccountRow,
  BillingAccountsTable,
  BillingKind,
  BillingTransactionRow,
  PodMeterRow,
  PodRow,
} from '../db/schema.js';

/** Defaults of a new account's billing row (micro-units). */
export interface BillingDefaults {
  spendLimitPerHour: number;
  lowBalanceThreshold: number;
}

export const DEFAULT_SPEND_LIMIT_MICRO = 80_000_000;
export const DEFAULT_LOW_BALANCE_MICRO = 5_000_000;

/** Creates the account's billing row when it has none (balance 0). */
export async function ensureBillingAccount(
  db: Executor,
  accountId: string,
  now: string,
): Promise<void> {
  await db
    .insertInto('billing_accounts')
    .values({
      account_id: accountId,
      balance: 0,
      spend_limit_per_hour: DEFAULT_SPEND_LIMIT_MICRO,
      low_balance_threshold: DEFAULT_LOW_BALANCE_MICRO,
      billing_email: null,
      company_name: null,
      address: null,
      country_code: null,
      tax_id: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
}

export function findBillingAccount(
  db: Executor,
  accountId: string,
): Promise<BillingAccountRow | undefined> {
  return db
    .selectFrom('billing_accounts')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/**
 * Takes the account's billing row lock for the rest of the transaction (PostgreSQL; SQLite
 * transactions are serialized anyway) and returns the row, creating it when `now` is given.
 * Everything that moves a balance or decides on one (charges, credits, guards) locks first.
 */
export async function lockBillingAccount(
  db: Executor,
  accountId: string,
  now?: string,
): Promise<BillingAccountRow | undefined> {
  const lock = () =>
    db
      .updateTable('billing_accounts')
      .set((eb) => ({ balance: eb.ref('balance') }))
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirst();
  const row = await lock();
  if (row || now === undefined) return row;
  await ensureBillingAccount(db, accountId, now);
  return lock();
}

export type BillingProfileUpdate = Partial<
  Pick<
    BillingAccountsTable,
    | 'billing_email'
    | 'company_name'
    | 'address'
    | 'country_code'
    | 'tax_id'
    | 'spend_limit_per_hour'
    | 'low_balance_threshold'
  >
>;

export async function updateBillingAccount(
  db: Executor,
  accountId: string,
  changes: BillingProfileUpdate,
  now: string,
): Promise<BillingAccountRow> {
  return db
    .updateTable('billing_accounts')
    .set({ ...changes, updated_at: now })
    .where('account_id', '=', accountId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Adds `amount` to the balance and returns the new balance (one statement, row-locked). */
export async function addToBalance(
  db: Executor,
  accountId: string,
  amount: number,
  now: string,
): Promise<number> {
  const row = await db
    .updateTable('billing_accounts')
    .set((eb) => ({ balance: eb('balance', '+', amount), updated_at: now }))
    .where('account_id', '=', accountId)
    .returning('balance')
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

export async function insertTransaction(db: Executor, row: BillingTransactionRow): Promise<void> {
  await db.insertInto('billing_transactions').values(row).execute();
}

export interface TransactionFilter {
  kind?: BillingKind | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Exclusive: rows with a smaller id (older) than this. */
  beforeId?: string | undefined;
}

/** One page of an account's transactions, newest first (UUIDv7 ids sort by creation). */
export function listTransactions(
  db: Executor,
  accountId: string,
  filter: TransactionFilter,
  limit: number,
): Promise<BillingTransactionRow[]> {
  let query = db.selectFrom('billing_transactions').selectAll().where('account_id', '=', accountId);
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  if (filter.from) query = query.where('time', '>=', filter.from);
  if (filter.to) query = query.where('time', '<', filter.to);
  if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/** The account's transactions in a time range, oldest first. */
export function transactionsBetween(
  db: Executor,
  accountId: string,
  from: string,
  to: string,
): Promise<BillingTransactionRow[]> {
  return db
    .selectFrom('billing_transactions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('time', '>=', from)
    .where('time', '<', to)
    .orderBy('id', 'asc')
    .execute();
}

/** Σ amount of the account's ledger (what the balance must equal). */
export async function sumLedger(db: Executor, accountId: string, before?: string): Promise<number> {
  let query = db
    .selectFrom('billing_transactions')
    .select(sql<number>`cast(coalesce(sum(amount), 0) as bigint)`.as('total'))
    .where('account_id', '=', accountId);
  if (before) query = query.where('time', '<', before);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.total);
}

/** Usage in a period (by the usage's start), per Pod. */
export async function usageByPod(db: Executor, accountId: string, from: string, to: string) {
  const rows = await db
    .selectFrom('billing_transactions')
    .select([
      'pod_id',
      sql<number>`cast(sum(-amount) as bigint)`.as('amount'),
      sql<number>`cast(sum(duration_ms) as bigint)`.as('duration_ms'),
    ])
    .where('account_id', '=', accountId)
    .where('kind', '=', 'usage')
    .where('period_start', '>=', from)
    .where('period_start', '<', to)
    .groupBy('pod_id')
    .orderBy('pod_id')
    .execute();
  return rows.map((r) => ({
    podId: r.pod_id,
    amount: Number(r.amount),
    durationMs: Number(r.duration_ms ?? 0),
  }));
}

/** Usage in a period per UTC day (metering splits charges at midnight, so days are exact). */
export async function usageByDay(db: Executor, accountId: string, from: string, to: string) {
  const day = sql<string>`substr(period_start, 1, 10)`;
  const rows = await db
    .selectFrom('billing_transactions')
    .select([
      day.as('day'),
      sql<number>`cast(sum(-amount) as bigint)`.as('amount'),
      sql<number>`cast(sum(duration_ms) as bigint)`.as('duration_ms'),
    ])
    .where('account_id', '=', accountId)
    .where('kind', '=', 'usage')
    .where('period_start', '>=', from)
    .where('period_start', '<', to)
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((r) => ({
    day: r.day,
    amount: Number(r.amount),
    durationMs: Number(r.duration_ms ?? 0),
  }));
}

/** Totals per month (YYYY-MM of the transaction time) and kind, oldest month first. */
export async function monthlyTotals(db: Executor, accountId: string) {
  const month = sql<string>`substr(time, 1, 7)`;
  const rows = await db
    .selectFrom('billing_transactions')
    .select([
      month.as('month'),
      'kind',
      sql<number>`cast(sum(amount) as bigint)`.as('amount'),
      sql<number>`count(*)`.as('count'),
    ])
    .where('account_id', '=', accountId)
    .groupBy([month, 'kind'])
    .orderBy(month)
    .execute();
  return rows.map((r) => ({
    month: r.month,
    kind: r.kind,
    amount: Number(r.amount),
    count: Number(r.count),
  }));
}

/** A Pod's meter, created (from its `started_at`) when it has none. */
export async function meterOfPod(
  trx: Executor,
  pod: Pick<PodRow, 'id' | 'account_id' | 'price_per_hour' | 'started_at'>,
  now: string,
): Promise<PodMeterRow> {
  await trx
    .insertInto('pod_meters')
    .values({
      pod_id: pod.id,
      account_id: pod.account_id,
      metered_until: pod.started_at ?? now,
      price_per_hour: Number(pod.price_per_hour),
      metered_ms: 0,
      charged: 0,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('pod_id').doNothing())
    .execute();
  return trx
    .selectFrom('pod_meters')
    .selectAll()
    .where('pod_id', '=', pod.id)
    .executeTakeFirstOrThrow();
}

/**
 * Moves a Pod's meter forward, only if it still stands at `from` (as read): of two meters
 * racing for the same interval only one writes. True when this one did.
 */
export async function advanceMeter(
  trx: Executor,
  podId: string,
  from: string,
  to: Omit<PodMeterRow, 'pod_id' | 'account_id'>,
): Promise<boolean> {
  const moved = await trx
    .updateTable('pod_meters')
    .set(to)
    .where('pod_id', '=', podId)
    .where('metered_until', '=', from)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}
