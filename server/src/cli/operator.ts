import { loadConfig } from '../config.js';
import type { Deps } from '../context.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../lib/logger.js';
import { createDeps } from '../server.js';

/**
 * Runs an operator command on the configured database (DATABASE_URL or GANTRY_DATA_DIR),
 * migrated, with quiet logs. Starts no Pods and no jobs, so it is safe beside a running server.
 * A bad setting throws a ConfigError.
 */
export async function withOperatorDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
    return await fn(createDeps(config, database, { logger: createLogger('silent') }));
  } finally {
    await database.close();
  }
}
