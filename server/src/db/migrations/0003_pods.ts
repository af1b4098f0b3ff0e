import { type Kysely, sql } from 'kysely';

// Pods (their states: `pods/state.ts`). The billing module adds its metering columns in a later migration.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`status in ('provisioning', 'starting', 'running', 'exited', 'error', 'terminated')`,
        ),
    )
    .addColumn('gpu_type', 'text', (c) => c.notNull())
    .addColumn('gpu_count', 'integer', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    // Micro-units per hour for the whole Pod (GPU price × count), fixed at creation.
    .addColumn('price_per_hour', 'bigint', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('stopped_at', 'text')
    .addColumn('terminated_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('pods_account_status_idx')
    .on('pods')
    .columns(['account_id', 'status'])
    .execute();
  // Reconciliation and metering look for live Pods across accounts.
  await db.schema.createIndex('pods_status_idx').on('pods').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pods').execute();
}
