import { pruneAuditEvents } from './audit/audit.service.js';
import { pruneUserEvents } from './auth/auth.service.js';
import { assertCanRunPod } from './billing/guards.js';
import { chargePodUntil, type PodStopper, startMeter } from './billing/meter.js';
import type { PodUsage } from './billing/pod-usage.js';
import { type Config, resolveSecret } from './config.js';
import type { Deps } from './context.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { type AppOptions, buildApp } from './http/app.js';
import { type Clock, systemClock } from './lib/clock.js';
import { type JobHandle, startPeriodicJob } from './lib/jobs.js';
import { createLogger, type Logger } from './lib/logger.js';
import { loadCatalog } from './pods/catalog.js';
import type { PodBilling } from './pods/pod-billing.js';
import { attachRuntime, shutdownPods, stopPodBySystem } from './pods/pods.service.js';
import {
  findMeteredPod,
  listLivePodIds,
  listRunningPods,
  lockMeteredPods,
  podNamesOf,
  spendPerHourOfLivePods,
} from './pods/pods.store.js';
import type { RuntimeDriver } from './pods/runtime/driver.js';
import { LocalDriver } from './pods/runtime/local-driver.js';
import { acquireRuntimeLease, type RuntimeLease } from './pods/runtime-lease.js';

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
  /** Start background jobs (billing meter, audit pruning); `gantry serve` does, tests when asked. */
  startJobs?: boolean;
  /** How the meter stops Pods at zero balance (default: the Pods module's stopPodBySystem). */
  stopPod?: PodStopper;
}

export interface DepsOptions {
  clock?: Clock;
  logger?: Logger;
  runtime?: RuntimeDriver;
}

/**
 * The services' dependencies on an open, migrated database. Nothing is started:
 * operator commands use this while a server may be running on the same database.
 */
export function createDeps(
  config: Config,
  database: DatabaseHandle,
  options: DepsOptions = {},
): Deps {
  const logger = options.logger ?? createLogger(config.logLevel);
  return {
    db: database.db,
    dialect: database.dialect,
    raw: database.raw,
    clock: options.clock ?? systemClock,
    config: { ...config, secret: resolveSecret(config) },
    logger,
    // An invalid operator catalog is a ConfigError.
    catalog: loadCatalog(config.catalogPath),
    runtime:
      options.runtime ??
      new LocalDriver({ dataDir: config.dataDir, logger: logger.child({ module: 'runtime' }) }),
    podBilling: PODS_TO_BILLING,
    podUsage: BILLING_TO_PODS,
  };
}

/** The billing module's side of what the Pods module asks of it. */
const PODS_TO_BILLING: PodBilling = {
  assertCanRunPod: (trx, accountId, price, options) =>
    assertCanRunPod(trx, BILLING_TO_PODS, accountId, price, options),
  chargePodUntil,
};

/** The Pods module's side of what billing reads of Pods. */
const BILLING_TO_PODS: PodUsage = {
  spendPerHourOfLivePods,
  podNamesOf,
  listRunningPods,
  lockMeteredPods,
  findMeteredPod,
  listLivePodIds,
};

/** How often `gantry serve` prunes audit events past their account's retention. */
export const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * One run of the pruning job: users' security events past their retention (365 days), then
 * audit events past their account's retention.
 */
export async function pruneExpiredEvents(deps: Deps): Promise<void> {
  const userEvents = await pruneUserEvents(deps);
  if (userEvents > 0) deps.logger.info({ deleted: userEvents }, 'user events pruned');
  await pruneAuditEvents(deps);
}

/** Says at start how Pods are isolated, and loudly when they are not. */
function announceIsolation(deps: Deps): void {
  const isolation = deps.runtime.isolation;
  if (!isolation) return;
  const facts = { runtime: deps.runtime.name, ...isolation };
  if (isolation.sandboxed) {
    deps.logger.info(
      facts,
      'Pods run sandboxed (bubblewrap: own PID and network namespaces, own uid, only their work dir writable)',
    );
    return;
  }
  deps.logger.warn(
    facts,
    `Pods run WITHOUT a sandbox: ${isolation.reason ?? 'not available'}. They refuse user env, and this instance must be the only one on its database`,
  );
}

/** Wires a Gantry instance: database (migrated), services and HTTP app. Does not listen. */
export async function createGantry(config: Config, options: StartOptions = {}): Promise<Gantry> {
  // Check the catalog before anything is opened.
  loadCatalog(config.catalogPath);
  const database =
    options.database ?? openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateToLatest(database);
  const deps = createDeps(config, database, options);
  for (const loose of database.looseModes ?? []) {
    deps.logger.warn(loose, `data file ${loose.path} is mode ${loose.mode}, not ${loose.wanted}`);
  }
  announceIsolation(deps);
  let lease: RuntimeLease | undefined;
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    if (deps.runtime.isolation?.singleInstance) lease = await acquireRuntimeLease(database);
    await attachRuntime(deps);
    app = await buildApp(deps, options);
  } catch (error) {
    await lease?.release();
    if (!options.database) await database.close();
    throw error;
  }
  const jobs: JobHandle[] = options.startJobs
    ? [
        startMeter(deps, { stopPod: options.stopPod ?? stopPodBySystem }),
        // Retention: prune what accounts (or the operator's maximum) no longer keep, and users'
        // security events past a year.
        startPeriodicJob(
          'audit pruning',
          AUDIT_PRUNE_INTERVAL_MS,
          () => pruneExpiredEvents(deps),
          deps.logger,
        ),
      ]
    : [];
  return {
    deps,
    app,
    database,
    async close() {
      await Promise.all(jobs.map((job) => job.stop()));
      await app.close();
      await shutdownPods(deps);
      await lease?.release();
      await database.close();
    },
  };
}
