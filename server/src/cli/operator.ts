import { loadConfig } from '../config.js';
import type { Deps } from '../context.js';

/** Services for one operator command run, and how to release them. */
export interface OpenedDeps {
  deps: Deps;
  close(): Promise<void>;
}

/**
 * Opens the configured database (DATABASE_URL or GANTRY_DATA_DIR), migrated, as the services'
 * dependencies with quiet logs. Starts no Pods and no jobs, so it is safe beside a running
 * server. A bad setting throws a ConfigError. The database drivers and services are loaded
 * here, on first use, so that the user commands (HTTP only) start quickly.
 */
export async function openOperatorDeps(): Promise<OpenedDeps> {
  const config = loadConfig();
  const [{ openDatabase }, { migrateToLatest }, { createLogger }, { createDeps }] =
    await Promise.all([
      import('../db/database.js'),
      import('../db/migrate.js'),
      import('../lib/logger.js'),
      import('../server.js'),
    ]);
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
