import type { Kysely } from 'kysely';

// Audit logs: retention settings, prune checkpoints, the chain head's last time
// (so event times never go backwards within an account) and one more index.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The time of the account's newest event: the writer never records an earlier one,
  // so per account `time` is non-decreasing in `seq` and a date range is a seq range.
  await db.schema.alterTable('audit_chain_heads').addColumn('time', 'text').execute();

  await db.schema
    .createTable('audit_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
    // null: keep forever (subject to the operator's maximum).
    .addColumn('retention_days', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  // One row per prune batch: the seq and hash of the last event deleted, so verify
  // can start the remaining chain from there.
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('pruned_at', 'text', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['account_id', 'seq'])
    .execute();

  // "What did this person do of this kind": user + action (+ date range as a seq range).
  await db.schema
    .createIndex('audit_account_user_action_idx')
    .on('audit_events')
    .columns(['account_id', 'actor_user_id', 'action', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_account_user_action_idx').execute();
  await db.schema.dropTable('audit_checkpoints').execute();
  await db.schema.dropTable('audit_settings').execute();
  await db.schema.alterTable('audit_chain_heads').dropColumn('time').execute();
}
