import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Billing: one row of balance and profile per account, an append-only ledger whose
 * sum is the balance, and one meter row per Pod (how far its running time is charged).
 * `pod_meters` has no foreign key to `pods`, so this migration does not depend on 0003.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billing_accounts')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .addColumn('spend_limit_per_hour', 'bigint', (c) => c.notNull())
    .addColumn('low_balance_threshold', 'bigint', (c) => c.notNull())
    .addColumn('billing_email', 'text')
    .addColumn('company_name', 'text')
    .addColumn('address', 'text')
    .addColumn('country_code', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('billing_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('credit', 'usage', 'refund', 'adjustment')`),
    )
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('balance_after', 'bigint', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_email', 'text')
    .addColumn('note', 'text')
    .addColumn('provider', 'text')
    .addColumn('pod_id', 'text')
    .addColumn('period_start', 'text')
    .addColumn('period_end', 'text')
    .addColumn('duration_ms', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Transactions page newest first by id (UUIDv7); filters by kind and time.
  await db.schema
    .createIndex('billing_tx_account_id_idx')
    .on('billing_transactions')
    .columns(['account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('billing_tx_account_time_idx')
    .on('billing_transactions')
    .columns(['account_id', 'time'])
    .execute();
  await db.schema
    .createIndex('billing_tx_account_period_idx')
    .on('billing_transactions')
    .columns(['account_id', 'period_start'])
    .execute();

  await db.schema
    .createTable('pod_meters')
    .addColumn('pod_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    /** Running time before this instant is charged. */
    .addColumn('metered_until', 'text', (c) => c.notNull())
    /** The price the running totals below are at; a new price starts new totals. */
    .addColumn('price_per_hour', 'bigint', (c) => c.notNull())
    .addColumn('metered_ms', 'bigint', (c) => c.notNull())
    .addColumn('charged', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // The ledger is append-only: the database itself refuses edits and deletions.
  if (isPostgres(db)) {
    await sql`
      create function billing_transactions_immutable() returns trigger language plpgsql as $$
      begin
        raise exception 'billing transactions are immutable';
      end $$`.execute(db);
    await sql`
      create trigger billing_transactions_no_change
      before update or delete on billing_transactions
      for each row execute function billing_transactions_immutable()`.execute(db);
  } else {
    for (const op of ['update', 'delete']) {
      await sql`
        create trigger ${sql.raw(`billing_transactions_no_${op}`)}
        before ${sql.raw(op)} on billing_transactions
        begin select raise(abort, 'billing transactions are immutable'); end`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pod_meters').execute();
  await db.schema.dropTable('billing_transactions').execute();
  if (isPostgres(db)) await sql`drop function billing_transactions_immutable`.execute(db);
  await db.schema.dropTable('billing_accounts').execute();
}

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
