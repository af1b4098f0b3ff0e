import type { Kysely } from 'kysely';

// A shorter audit retention takes effect only after a delay: the shorter value and the time it
// applies from are kept beside the current one until then.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_settings')
    .addColumn('pending_retention_days', 'integer')
    .execute();
  await db.schema.alterTable('audit_settings').addColumn('pending_effective_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_settings').dropColumn('pending_effective_at').execute();
  await db.schema.alterTable('audit_settings').dropColumn('pending_retention_days').execute();
}
