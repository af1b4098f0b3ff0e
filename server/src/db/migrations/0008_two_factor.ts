import type { Kysely } from 'kysely';

// Two-factor sign-in: a user's TOTP authenticator and their one-time recovery codes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_two_factor')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // The TOTP secret, sealed (AES-256-GCM) under the instance secret: it must be read back to
    // check codes, so it cannot be hashed.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    // Null while set-up waits for the first code; sign-in asks for codes once it is set.
    .addColumn('enabled_at', 'text')
    // The time step of the last code accepted: a code is good once, and none older after it.
    .addColumn('last_step', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // SHA-256 of the code (128 random bits), as tokens are kept.
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('user_recovery_codes_user_idx')
    .on('user_recovery_codes')
    .columns(['user_id', 'code_hash'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_recovery_codes').execute();
  await db.schema.dropTable('user_two_factor').execute();
}
