import type { Kysely } from 'kysely';

// Audit: a shorter retention takes effect only after a delay, so the shorter value and the
// time it applies from are kept beside the current one until then; and the chain head keeps
// the hash it had before its newest event, so that PostgreSQL appends an event in one
// statement (the head's UPDATE … RETURNING hands the previous hash to the event's INSERT).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_settings')
    .addColumn('pending_retention_days', 'integer')
    .execute();
  await db.schema.alterTable('audit_settings').addColumn('pending_effective_at', 'text').execute();
  await db.schema.alterTable('audit_chain_heads').addColumn('prev_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_chain_heads').dropColumn('prev_hash').execute();
  await db.schema.alterTable('audit_settings').dropColumn('pending_effective_at').execute();
  await db.schema.alterTable('audit_settings').dropColumn('pending_retention_days').execute();
}
