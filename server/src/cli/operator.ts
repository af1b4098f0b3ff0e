import { loadConfig } from '../config.js';
import type { Deps } from '../context.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../lib/logger.js';
import { createDeps } from '../server.js';

/** Services for one operator command run, and how to release them. */
export interface OpenedDeps {
  deps: Deps;
  close(): Promise<void>;
}

/**
 * Opens the configured database (DATABASE_URL or GANTRY_DATA_DIR), migrated, as the services'
 * dependencies with quiet logs. Starts no Pods and no jobs, so it is safe beside a running
 * server. A bad setting throws a ConfigError.
 */
export async function openOperatorDeps(): Promise<OpenedDeps> {
  const config = loadConfig();
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
    return {
      deps: createDeps(config, database, { logger: createLogger('silent') }),
      close: () => database.close(),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Runs `fn` with {@link openOperatorDeps}, closing the database afterwards. */
export async function withOperatorDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  const opened = await openOperatorDeps();
  try {
    return await fn(opened.deps);
  } finally {
    await opened.close();
  }
}
