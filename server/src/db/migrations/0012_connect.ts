import type { Kysely } from 'kysely';

// Connect on a Pod origin of its own: single-use handoff codes from the console, and the
// sessions they are exchanged for (a cookie host-only to one Pod origin, bound to the user,
// the console session and the Pod). Both keep only the SHA-256 of their secret.
// Pods that stop on their own: deadlines, an idle timeout and the last Connect traffic.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connect_handoffs')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade'),
    )
    .addColumn('pod_id', 'text', (c) => c.notNull().references('pods.id').onDelete('cascade'))
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('next_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('connect_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) =>
      c.notNull().references('sessions.id').onDelete('cascade'),
    )
    .addColumn('pod_id', 'text', (c) => c.notNull().references('pods.id').onDelete('cascade'))
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('connect_sessions_session_idx')
    .on('connect_sessions')
    .column('session_id')
    .execute();
  await db.schema
    .createIndex('connect_sessions_user_idx')
    .on('connect_sessions')
    .columns(['user_id', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('connect_handoffs_expires_idx')
    .on('connect_handoffs')
    .column('expires_at')
    .execute();
  await db.schema.alterTable('pods').addColumn('stop_at', 'text').execute();
  await db.schema.alterTable('pods').addColumn('terminate_at', 'text').execute();
  await db.schema.alterTable('pods').addColumn('idle_timeout_minutes', 'integer').execute();
  await db.schema.alterTable('pods').addColumn('last_traffic_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['last_traffic_at', 'idle_timeout_minutes', 'terminate_at', 'stop_at']) {
    await db.schema.alterTable('pods').dropColumn(column).execute();
  }
  await db.schema.dropTable('connect_sessions').execute();
  await db.schema.dropTable('connect_handoffs').execute();
}
