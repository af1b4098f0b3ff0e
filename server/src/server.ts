import { type MeterHandle, type PodStopper, startMeter } from './billing/meter.js';
import { type Config, resolveSecret } from './config.js';
import type { Deps } from './context.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { type AppOptions, buildApp } from './http/app.js';
import { type Clock, systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';

export interface Gantry {
  deps: Deps;
  app: Awaited<ReturnType<typeof buildApp>>;
  database: DatabaseHandle;
  /** Stops background work, the HTTP server and the database. */
  close(): Promise<void>;
}

export interface StartOptions extends AppOptions {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseHandle;
  /** Start background jobs (the billing meter); `gantry serve` does, tests only when asked. */
  startJobs?: boolean;
  /** How the meter stops Pods at zero balance (default: the Pods module's stopPodBySystem). */
  stopPod?: PodStopper;
}

/** Wires a Gantry instance: database (migrated), services and HTTP app. Does not listen. */
export async function createGantry(config: Config, options: StartOptions = {}): Promise<Gantry> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database =
    options.database ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateToLatest(database);
  const deps: Deps = {
    db: database.db,
    dialect: database.dialect,
    clock: options.clock ?? systemClock,
    config: { ...config, secret: resolveSecret(config) },
    logger,
  };
  const app = await buildApp(deps, options);
  const meter: MeterHandle | undefined = options.startJobs
    ? startMeter(deps, { stopPod: options.stopPod })
    : undefined;
  return {
    deps,
    app,
    database,
    async close() {
      await meter?.stop();
      await app.close();
      await database.close();
    },
  };
}
