import { type Config, resolveSecret } from './config.js';
import type { Deps } from './context.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { type AppOptions, buildApp } from './http/app.js';
import { type Clock, systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { loadCatalog } from './pods/catalog.js';
import { attachRuntime, shutdownPods } from './pods/pods.service.js';
import type { RuntimeDriver } from './pods/runtime/driver.js';
import { LocalDriver } from './pods/runtime/local-driver.js';

export interface Gantry {
  deps: Deps;
  app: Awaited<ReturnType<typeof buildApp>>;
  database: DatabaseHandle;
  /** Stops the HTTP server, every Pod workload (recorded as exited), background work and the database. */
  close(): Promise<void>;
}

export interface StartOptions extends AppOptions {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseHandle;
  /** Runs Pods; default: a LocalDriver keeping Pod files under `<dataDir>/pods`. */
  runtime?: RuntimeDriver;
}

/** Wires a Gantry instance: database (migrated), services and HTTP app. Does not listen. */
export async function createGantry(config: Config, options: StartOptions = {}): Promise<Gantry> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Invalid operator catalog: a ConfigError before anything is opened.
  const catalog = loadCatalog(config.catalogPath);
  const database =
    options.database ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateToLatest(database);
  const deps: Deps = {
    db: database.db,
    dialect: database.dialect,
    clock: options.clock ?? systemClock,
    config: { ...config, secret: resolveSecret(config) },
    logger,
    catalog,
    runtime:
      options.runtime ??
      new LocalDriver({ dataDir: config.dataDir, logger: logger.child({ module: 'runtime' }) }),
  };
  await attachRuntime(deps);
  const app = await buildApp(deps, options);
  return {
    deps,
    app,
    database,
    async close() {
      await app.close();
      await shutdownPods(deps);
      await database.close();
    },
  };
}
