import { pruneAuditEvents } from './audit/audit.service.js';
import { pruneUserEvents } from './auth/auth.service.js';
import { assertCanRunPod } from './billing/guards.js';
import { chargePodUntil, type PodStopper, startMeter } from './billing/meter.js';
import type { PodUsage } from './billing/pod-usage.js';
import { type Config, resolveSecret } from './config.js';
import type { Deps } from './context.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { databaseHostDirectory } from './hosts/hosts.directory.js';
import { type AppOptions, buildApp } from './http/app.js';
import { type Clock, systemClock } from './lib/clock.js';
import { newId } from './lib/ids.js';
import { type JobHandle, startPeriodicJob } from './lib/jobs.js';
import { acquireLease, releaseLease } from './lib/lease.js';
import { createLogger, type Logger } from './lib/logger.js';
import { type MailTransport, smtpTransport, startMailSender } from './mail/mail.sender.js';
import { loadCatalog } from './pods/catalog.js';
import type { PodBilling } from './pods/pod-billing.js';
import {
  attachRuntime,
  enforcePodSchedule,
  shutdownPods,
  stopPodBySystem,
  superviseHosts,
} from './pods/pods.service.js';
import {
  findMeteredPod,
  lastSeenOfUnansweringHosts,
  listLivePodIds,
  listPodsDueOnSchedule,
  listRunningPods,
  lockMeteredPods,
  podNamesOf,
  spendPerHourOfLivePods,
} from './pods/pods.store.js';
import { DockerDriver } from './pods/runtime/docker-driver.js';
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
  /** Start the mail sender (with GANTRY_SMTP_URL); `gantry serve` does, as part of its jobs. */
  startMail?: boolean;
  /** How often the mail sender looks for due mail (default 2 s). */
  mailIntervalMs?: number;
  /** Where the mail sender sends (default: SMTP to GANTRY_SMTP_URL). */
  mailTransport?: MailTransport;
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
    runtime: options.runtime ?? createRuntime(config, database, logger),
    podBilling: PODS_TO_BILLING,
    podUsage: BILLING_TO_PODS,
  };
}

/** The runtime driver GANTRY_RUNTIME names: `local` (default) or `docker` (hosts in the database). */
export function createRuntime(
  config: Config,
  database: DatabaseHandle,
  logger: Logger,
): RuntimeDriver {
  const runtimeLogger = logger.child({ module: 'runtime' });
  if (config.runtime === 'docker') {
    return new DockerDriver({ hosts: databaseHostDirectory(database.db), logger: runtimeLogger });
  }
  return new LocalDriver({ dataDir: config.dataDir, logger: runtimeLogger });
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
  lastSeenOfUnansweringHosts,
  listPodsDueOnSchedule,
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
  // This instance, as the holder of leases (jobs that one instance runs at a time).
  const instanceId = newId();
  const hostCheckMs = config.hostCheckSeconds * 1000;
  const jobs: JobHandle[] = options.startJobs
    ? [
        startMeter(deps, {
          stopPod: options.stopPod ?? stopPodBySystem,
          enforceSchedule: enforcePodSchedule,
          leaseHolder: instanceId,
        }),
        startPeriodicJob(
          'host supervision',
          hostCheckMs,
          async () => {
            if (!deps.runtime.shared) return;
            if (
              !(await acquireLease(deps.db, 'hosts', instanceId, deps.clock.now(), hostCheckMs * 3))
            )
              return;
            await superviseHosts(deps);
          },
          deps.logger,
        ),
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
  if ((options.startJobs || options.startMail) && config.smtpUrl !== undefined) {
    // Mail goes out from the durable outbox; without SMTP it is kept for `gantry mail list`.
    jobs.push(
      startMailSender(
        deps,
        options.mailTransport ?? smtpTransport(config.smtpUrl),
        options.mailIntervalMs,
      ),
    );
  }
  return {
    deps,
    app,
    database,
    async close() {
      await Promise.all(jobs.map((job) => job.stop()));
      if (jobs.length > 0) {
        for (const lease of ['meter', 'hosts']) {
          await releaseLease(database.db, lease, instanceId).catch(() => {});
        }
      }
      await app.close();
      await shutdownPods(deps);
      await lease?.release();
      await database.close();
    },
  };
}
