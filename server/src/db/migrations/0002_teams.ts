import { type Kysely, sql } from 'kysely';

// Invitations to team accounts, and who accepted which. Types: text, integer only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('basic', 'billing', 'dev', 'admin')`),
    )
    .addColumn('email_normalized', 'text')
    // SHA-256 of the token: how an invite is found from its link.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // The token sealed with AES-256-GCM under a key derived from GANTRY_SECRET,
    // so the link can be shown again while the invite is pending.
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('max_uses', 'integer', (c) => c.notNull().check(sql`max_uses >= 1`))
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0).check(sql`uses >= 0`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('revoked_at', 'text')
    .addCheckConstraint('invites_uses_within_max', sql`uses <= max_uses`)
    .execute();
  await db.schema
    .createIndex('invites_account_idx')
    .on('invites')
    .columns(['account_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('invite_acceptances')
    .addColumn('invite_id', 'text', (c) => c.notNull().references('invites.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('accepted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('invite_acceptances_pk', ['invite_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('invite_acceptances_account_idx')
    .on('invite_acceptances')
    .columns(['account_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('invite_acceptances').execute();
  await db.schema.dropTable('invites').execute();
}
