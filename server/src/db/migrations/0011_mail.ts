import type { Kysely } from 'kysely';

// Mail that is not lost (a durable outbox), single-use links mailed to people (email
// verification, password reset), verified addresses, and the low-balance mail's memory.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // What caused it: verify_email, password_reset, invite, security, low_balance.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // The text and HTML parts, sealed under the instance secret: their links are secrets.
    .addColumn('content_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    // A sender's claim: until then no other instance takes the row.
    .addColumn('lease_until', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'text')
    // Given up after too many attempts.
    .addColumn('failed_at', 'text')
    .execute();
  await db.schema
    .createIndex('mail_outbox_due_idx')
    .on('mail_outbox')
    .columns(['sent_at', 'failed_at', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('email_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // verify_email or password_reset.
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    // The address the link was mailed to (for a change of email: the new one).
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('email_tokens_user_idx')
    .on('email_tokens')
    .columns(['user_id', 'purpose'])
    .execute();

  // Since when the user's current email is verified; null: it is not.
  await db.schema.alterTable('users').addColumn('email_verified_at', 'text').execute();
  // When the welcome credit was granted (with mail, it waits for a verified email).
  await db.schema.alterTable('users').addColumn('welcome_credit_at', 'text').execute();
  // When the low-balance mail went out for the current crossing; null: above the threshold.
  await db.schema
    .alterTable('billing_accounts')
    .addColumn('low_balance_notified_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('billing_accounts').dropColumn('low_balance_notified_at').execute();
  await db.schema.alterTable('users').dropColumn('welcome_credit_at').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
  await db.schema.dropTable('email_tokens').execute();
  await db.schema.dropTable('mail_outbox').execute();
}
