import type { Kysely } from 'kysely';

// The security log of each user: sign-ins, sign-outs, session revocations, profile and
// password changes. The audit log is per account; these events belong to a person.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    // The session that acted (null when none did).
    .addColumn('session_id', 'text')
    .addColumn('ip', 'text')
    // At most 512 characters, as sessions keep it.
    .addColumn('user_agent', 'text')
    // JSON object text, or null.
    .addColumn('details', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // A user's events newest first, keyset-paged by id (UUIDv7: time-ordered).
  await db.schema
    .createIndex('user_events_user_idx')
    .on('user_events')
    .columns(['user_id', 'id'])
    .execute();
  // Retention deletes by age across all users.
  await db.schema
    .createIndex('user_events_created_idx')
    .on('user_events')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_events').execute();
}
