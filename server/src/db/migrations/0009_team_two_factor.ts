import type { Kysely } from 'kysely';

// A team may require two-factor sign-in of everyone who acts on it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    // Since when it is required; null: not required.
    .addColumn('require_two_factor_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('require_two_factor_at').execute();
}
