import { type MigrationResultSet, Migrator } from 'kysely';
import type { DatabaseHandle } from './database.js';
import { migrations } from './migrations/index.js';

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest({ db, pgSchema }: DatabaseHandle): Promise<string[]> {
  const migrator = new Migrator({
    db,
    // Kysely looks for its bookkeeping tables in every schema unless told which one.
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
    provider: { getMigrations: async () => migrations },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String(result.error)}`);
  }
  return (result.results ?? []).map((r) => r.migrationName);
}
