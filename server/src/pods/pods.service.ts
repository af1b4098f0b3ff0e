import type { Static } from '@sinclair/typebox';
import { lockAccount } from '../accounts/accounts.store.js';
import { auditContextOf } from '../audit/audit.context.js';
import { type AuditContext, SYSTEM_CONTEXT } from '../audit/audit.events.js';
import type { Caller, Deps } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { PodRow, PodUpdate } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import { hostInfoOf } from '../hosts/hosts.directory.js';
import { freeGpuCounts, placePod, releasePod } from '../hosts/hosts.service.js';
import {
  assignmentsOfPod,
  hostsWithGpuType,
  listHosts,
  recordHostSeen,
} from '../hosts/hosts.store.js';
import { newId } from '../lib/ids.js';
import { formatMoney } from '../lib/money.js';
import { type AccountOperation, auditorOf, inAccount, readAccount } from '../permissions/access.js';
import {
  type AccountActor,
  can,
  type Needs,
  type Permission,
  TERMINAL_NEEDS,
} from '../permissions/policy.js';
import { findGpuType, findTemplate } from './catalog.js';
import type { PodDtoSchema } from './pods.schemas.js';
import {
  countPods,
  findPod,
  findPodForSystem,
  insertPod,
  lastConnectAudit,
  listPodsInStatusForSystem,
  listPodsOfAccount,
  lockPodForSystem,
  type PodWithCreator,
  updatePodIfStatus,
} from './pods.store.js';
import { pingEngine } from './runtime/docker-driver.js';
import type { PodSpec, PodTerminal, RuntimeDriver, TemplateRuntime } from './runtime/driver.js';
import { RuntimeError } from './runtime/driver.js';
import { undeclaredEnvNames, validatePodEnv } from './runtime/pod-env.js';
import type { ProxyTarget } from './runtime/proxy.js';
import { dueScheduledEnd, parseDeadline } from './schedule.js';
import {
  assertMove,
  LIVE_STATUSES,
  MOVE_PERMISSIONS,
  movesFrom,
  type PodAction,
  type PodMove,
  type PodStatus,
  statusAfter,
} from './state.js';

export type PodDto = Static<typeof PodDtoSchema>;

/** The moves valid now that the actor may make, plus `connect` while running. */
export function actionsOf(actor: AccountActor, pod: Pick<PodRow, 'status' | 'created_by'>) {
  const resource = { createdBy: pod.created_by };
  const actions: PodAction[] = movesFrom(pod.status).filter((move) =>
    MOVE_PERMISSIONS[move].every((permission) => can(actor, permission, resource)),
  );
  if (pod.status === 'running' && can(actor, 'pods.connect')) actions.push('connect');
  return actions;
}

/** Maps a Pod row to the API object, with the caller's actions. */
export function toPodDto(pod: PodWithCreator, actor: AccountActor): PodDto {
  return {
    id: pod.id,
    name: pod.name,
    status: pod.status,
    gpuType: pod.gpu_type,
    gpuCount: pod.gpu_count,
    templateId: pod.template_id,
    pricePerHour: formatMoney(pod.price_per_hour),
    createdBy: pod.created_by,
    createdByName: pod.created_by_name,
    createdAt: pod.created_at,
    updatedAt: pod.updated_at,
    startedAt: pod.started_at,
    stoppedAt: pod.stopped_at,
    actions: actionsOf(actor, pod),
    lastError: pod.last_error,
    stopAt: pod.stop_at,
    terminateAt: pod.terminate_at,
    idleTimeoutMinutes: pod.idle_timeout_minutes,
    lastTrafficAt: pod.last_traffic_at,
  };
}

// ---------------------------------------------------------------------------
// Runtime supervision: per-driver bookkeeping of background work.

interface Supervisor {
  /** Runtime work in flight (awaited on shutdown). */
  pending: Set<Promise<unknown>>;
  /** Per-Pod chain, so runtime operations on one Pod happen in order. */
  chains: Map<string, Promise<void>>;
  /** Pods this instance has started and not yet seen stop. */
  live: Set<string>;
  /** `userId:podId` → when pod.connect was last audited (ms). */
  connects: Map<string, number>;
  /** `session-or-key:podId:port` → until when (ms) a Connect grant stands without a new look. */
  closing: boolean;
}

const supervisors = new WeakMap<RuntimeDriver, Supervisor>();

function supervisorOf(deps: Deps): Supervisor {
  let supervisor = supervisors.get(deps.runtime);
  if (!supervisor) {
    supervisor = {
      pending: new Set(),
      chains: new Map(),
      live: new Set(),
      connects: new Map(),
      closing: false,
    };
    supervisors.set(deps.runtime, supervisor);
  }
  return supervisor;
}

function track(deps: Deps, work: Promise<unknown>): void {
  const { pending } = supervisorOf(deps);
  const settled = work.catch((error: unknown) =>
    deps.logger.error({ err: error }, 'pod runtime work failed'),
  );
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/** Runs `op` after every earlier runtime operation on the same Pod. */
function enqueue(deps: Deps, podId: string, op: () => Promise<void>): Promise<void> {
  const { chains } = supervisorOf(deps);
  const previous = chains.get(podId) ?? Promise.resolve();
  const next = previous.then(op, op).catch((error: unknown) => {
    deps.logger.error({ err: error, podId }, 'pod runtime operation failed');
  });
  chains.set(podId, next);
  void next.finally(() => {
    if (chains.get(podId) === next) chains.delete(podId);
  });
  track(deps, next);
  return next;
}

async function specOf(deps: Deps, pod: PodRow): Promise<PodSpec | null> {
  const template = findTemplate(deps.catalog, pod.template_id);
  if (!template) return null;
  const gpu = findGpuType(deps.catalog, pod.gpu_type);
  return {
    podId: pod.id,
    name: pod.name,
    template: template.runtime,
    env: JSON.parse(pod.env) as Record<string, string>,
    gpuType: pod.gpu_type,
    gpuCount: pod.gpu_count,
    accountId: pod.account_id,
    ...(pod.host_id
      ? { placement: { hostId: pod.host_id, gpuIndices: await assignmentsOfPod(deps.db, pod.id) } }
      : {}),
    ...(gpu
      ? {
          limits: {
            vcpus: gpu.vcpusPerGpu * Math.max(pod.gpu_count, 1),
            memoryMb: gpu.memoryGbPerGpu * 1024 * Math.max(pod.gpu_count, 1),
          },
        }
      : {}),
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------
// The one place a Pod's status changes.

interface TransitionInput {
  /** Statuses the Pod must still be in for the change to apply. */
  from: readonly PodStatus[];
  to: PodStatus;
  /** Audit action to record; omitted for bookkeeping moves (starting → running). */
  action?: PodMoveAction;
  changes?: PodUpdate;
  details?: Record<string, unknown>;
  /**
   * Leaving `running`: whether to charge the run up to now (default). Reconciliation does
   * not: nobody saw the workload run after the meter's last charge (Gantry was down).
   */
  chargeToNow?: boolean;
  /** Leaving `running`: charge the run only up to this moment (when the Pod was last seen). */
  chargeUntil?: Date;
  /** Apply only if the Pod was not changed since (its `updated_at` as the caller read it). */
  unchangedSince?: string;
}

/**
 * Changes a Pod's status (guarded by `from`) and records its audit event in
 * the same transaction. Returns false when the Pod had already moved on.
 * Every status change of a Pod goes through here, and so do the billing hooks:
 * entering a live status needs the balance and spend limit (a restart too, as it
 * is a stop and a start), and leaving `running` charges the run up to now.
 */
async function transition(
  deps: Deps,
  trx: Trx,
  ctx: AuditContext,
  pod: PodRow,
  input: TransitionInput,
): Promise<boolean> {
  // Lock order: the account before the Pod, when the move may make the Pod live (the guard
  // decides on the account's other live Pods and its balance).
  if (LIVE_STATUSES.includes(input.to)) {
    await lockAccount(trx, deps.dialect, pod.account_id, 'update');
  }
  // Decide on the Pod as it is now, not on the caller's earlier copy of it.
  const current = await lockPodForSystem(trx, pod.id, deps.dialect);
  if (!current || !input.from.includes(current.status)) return false;
  if (input.unchangedSince !== undefined && current.updated_at !== input.unchangedSince)
    return false;
  const now = deps.clock.now();
  const entersLive = !LIVE_STATUSES.includes(current.status) && LIVE_STATUSES.includes(input.to);
  if (entersLive) await assertMayRunPod(deps, trx, current.account_id, current.price_per_hour);
  // Shared drivers (docker): a live Pod holds its GPUs on its host; others hold none.
  if (entersLive && deps.runtime.shared) await placePod(trx, deps, current);
  const leavesLive = LIVE_STATUSES.includes(current.status) && !LIVE_STATUSES.includes(input.to);
  if (leavesLive && deps.runtime.shared) await releasePod(trx, current.id);
  if (current.status === 'running' && input.to === 'starting') {
    await deps.podBilling.assertCanRunPod(trx, current.account_id, current.price_per_hour, {
      exceptPodId: current.id,
      currency: deps.config.currency,
    });
  }
  const changed = await updatePodIfStatus(trx, current.account_id, current.id, [current.status], {
    status: input.to,
    updated_at: now.toISOString(),
    ...input.changes,
  });
  if (!changed) return false;
  // Billed is the time in `running` (from `started_at`): charged up to this moment, here.
  if (current.status === 'running' && input.to !== 'running' && input.chargeToNow !== false) {
    const until = input.chargeUntil && input.chargeUntil < now ? input.chargeUntil : now;
    await deps.podBilling.chargePodUntil(trx, deps, current.id, until);
  }
  if (!input.action) return true;
  await auditorOf(
    trx,
    ctx,
    now,
    current.account_id,
    input.action,
    'pod',
    current.id,
  )({
    name: current.name,
    before: { status: current.status },
    after: { status: input.to },
    ...input.details,
  });
  return true;
}

/**
 * Checks that the account may have one more live Pod costing `pricePerHourMicro` an hour.
 * Called in the transaction that creates or starts a Pod, which holds the account's row lock
 * (`lockAccount(…, 'update')`), so such transactions of one account are decided one by one.
 */
async function assertMayRunPod(
  deps: Deps,
  trx: Trx,
  accountId: string,
  pricePerHourMicro: number,
): Promise<void> {
  const running = await countPods(trx, accountId, LIVE_STATUSES);
  if (running >= deps.config.maxRunningPodsPerAccount) {
    throw new AppError(
      'pod_limit_reached',
      `This account already has ${running} running Pods, the most it may run at once (${deps.config.maxRunningPodsPerAccount}). Stop one first.`,
    );
  }
  // Billing: one hour of the price in the balance, and the spend limit across live Pods.
  await deps.podBilling.assertCanRunPod(trx, accountId, pricePerHourMicro, {
    currency: deps.config.currency,
  });
}

// ---------------------------------------------------------------------------
// Runtime operations (after the transaction that decided them has committed).

async function markError(deps: Deps, podId: string, message: string): Promise<void> {
  supervisorOf(deps).live.delete(podId);
  await transact(deps.db, async (trx) => {
    const pod = await findPodForSystem(trx, podId);
    if (!pod) return;
    await transition(deps, trx, SYSTEM_CONTEXT, pod, {
      from: LIVE_STATUSES,
      to: 'error',
      action: 'pod.error',
      changes: { last_error: message.slice(0, 1000), stopped_at: deps.clock.now().toISOString() },
      details: { message },
    });
  });
}

/** Provisions (when new) and starts the Pod's workload; records `running` or `error`. */
async function runStart(deps: Deps, podId: string): Promise<void> {
  const supervisor = supervisorOf(deps);
  const pod = await findPodForSystem(deps.db, podId);
  if (!pod || !['provisioning', 'starting'].includes(pod.status)) return;
  const spec = await specOf(deps, pod);
  if (!spec) {
    await markError(deps, podId, `Template ${pod.template_id} is no longer in the catalog`);
    return;
  }
  supervisor.live.add(podId);
  try {
    if (pod.status === 'provisioning') {
      await deps.runtime.provision(spec);
      const moved = await deps.db
        .transaction()
        .execute((trx) =>
          transition(deps, trx, SYSTEM_CONTEXT, pod, { from: ['provisioning'], to: 'starting' }),
        );
      if (!moved) return;
    }
    await deps.runtime.start(spec);
  } catch (error) {
    if (error instanceof RuntimeError && ['aborted', 'shutting_down'].includes(error.code)) return;
    deps.logger.warn({ podId, err: error }, 'pod failed to start');
    await markError(deps, podId, describeError(error));
    return;
  }
  const now = deps.clock.now().toISOString();
  const running = await transact(deps.db, (trx) =>
    transition(deps, trx, SYSTEM_CONTEXT, pod, {
      from: ['starting'],
      to: 'running',
      changes: { started_at: now, last_error: null },
    }),
  );
  if (running || !deps.runtime.shared) return;
  // Stopped meanwhile, perhaps through another instance: no workload runs unrecorded.
  const after = await findPodForSystem(deps.db, podId);
  if (!after || !LIVE_STATUSES.includes(after.status)) await deps.runtime.stop(podId);
}

async function runStop(deps: Deps, podId: string, terminate: boolean): Promise<void> {
  if (terminate) await deps.runtime.terminate(podId);
  else await deps.runtime.stop(podId);
  supervisorOf(deps).live.delete(podId);
}

/** Queues the runtime side of a move that has been committed. */
function scheduleRuntime(deps: Deps, podId: string, move: PodMove | 'create'): Promise<void> {
  // Shutting down: reconciliation on the next start settles the record.
  if (supervisorOf(deps).closing) return Promise.resolve();
  if (move === 'stop' || move === 'terminate') {
    // Abort a start in flight at once rather than waiting behind it.
    track(deps, deps.runtime.stop(podId));
    return enqueue(deps, podId, () => runStop(deps, podId, move === 'terminate'));
  }
  if (move === 'restart') {
    return enqueue(deps, podId, async () => {
      await deps.runtime.stop(podId);
      await runStart(deps, podId);
    });
  }
  return enqueue(deps, podId, () => runStart(deps, podId));
}

/**
 * Wires the driver's events to the Pod records and reconciles: a Pod the
 * database believes live but the driver does not run becomes `exited`
 * (audited by `system`). Called once when Gantry starts.
 */
export async function attachRuntime(deps: Deps): Promise<void> {
  deps.runtime.setEvents({
    onExit(podId, info) {
      if (info.expected) return;
      const how = info.signal ? `signal ${info.signal}` : `code ${info.code ?? 'unknown'}`;
      void enqueue(deps, podId, () =>
        markError(deps, podId, `The Pod's process exited unexpectedly (${how})`),
      );
    },
  });
  await reconcilePods(deps);
}

/**
 * A Pod being started (by any instance) is left alone this long before reconciliation asks
 * about it: its container may not exist yet.
 */
const START_SETTLE_MS = 2 * 60 * 1000;

/**
 * Marks every live Pod without a live workload as `exited`, audited by `system`. With a shared
 * driver (docker) the engines are asked: a Pod another instance runs is running; one whose
 * engine does not answer is left to host supervision; one being started is left to its starter.
 */
export async function reconcilePods(deps: Deps): Promise<number> {
  let changed = 0;
  const shared = deps.runtime.shared === true;
  for (const pod of await listPodsInStatusForSystem(deps.db, LIVE_STATUSES)) {
    if (supervisorOf(deps).chains.has(pod.id)) continue;
    if (
      shared &&
      pod.status !== 'running' &&
      deps.clock.now().getTime() - Date.parse(pod.updated_at) < START_SETTLE_MS
    ) {
      continue;
    }
    let status: Awaited<ReturnType<RuntimeDriver['status']>>;
    try {
      status = await deps.runtime.status(pod.id);
    } catch (error) {
      if (shared) continue;
      deps.logger.warn({ podId: pod.id, err: error }, 'pod status unknown; reconciled as absent');
      status = { state: 'absent' };
    }
    if (status.state === 'running' || status.state === 'starting') continue;
    const moved = await transact(deps.db, (trx) =>
      transition(deps, trx, SYSTEM_CONTEXT, pod, {
        from: [pod.status],
        to: 'exited',
        action: 'pod.stop',
        changes: { stopped_at: deps.clock.now().toISOString() },
        details: { reason: 'no_live_process', runtimeState: status.state },
        chargeToNow: false,
      }),
    );
    if (moved) changed += 1;
  }
  return changed;
}

/**
 * One supervision pass over the GPU hosts (shared drivers; one instance at a time, under a
 * lease): asks each host's engine to answer and records when it last did; a Pod the database
 * calls running whose container is not running becomes `error`; the Pods of a host that has
 * not answered for `hostGraceSeconds` become `error`, billed up to when the host was last seen.
 */
export async function superviseHosts(deps: Deps): Promise<void> {
  if (!deps.runtime.shared) return;
  const now = deps.clock.now();
  const answered = new Map<string, boolean>();
  const hosts = new Map((await listHosts(deps.db)).map((h) => [h.id, h]));
  await Promise.all(
    [...hosts.values()].map(async (host) => {
      try {
        await pingEngine(hostInfoOf(host));
        await recordHostSeen(deps.db, host.id, { at: now.toISOString() });
        answered.set(host.id, true);
      } catch (error) {
        await recordHostSeen(deps.db, host.id, { error: describeError(error).slice(0, 500) });
        answered.set(host.id, false);
      }
    }),
  );
  // A container running for a Pod recorded stopped (a start that finished after a stop
  // elsewhere, an instance killed between the two): stopped, so nothing runs unbilled.
  for (const pod of await listPodsInStatusForSystem(deps.db, ['exited', 'error'])) {
    if (!pod.host_id || !answered.get(pod.host_id) || supervisorOf(deps).chains.has(pod.id))
      continue;
    const status = await deps.runtime.status(pod.id).catch(() => undefined);
    if (status?.state !== 'running') continue;
    deps.logger.warn({ podId: pod.id }, 'stopping a container of a Pod recorded stopped');
    await deps.runtime
      .stop(pod.id)
      .catch((error: unknown) =>
        deps.logger.warn({ podId: pod.id, err: error }, 'could not stop the container'),
      );
  }
  for (const pod of await listPodsInStatusForSystem(deps.db, LIVE_STATUSES)) {
    const host = pod.host_id ? hosts.get(pod.host_id) : undefined;
    if (!host || supervisorOf(deps).chains.has(pod.id)) continue;
    if (!answered.get(host.id)) {
      const lastSeen = new Date(host.last_seen_at ?? host.created_at);
      if (now.getTime() - lastSeen.getTime() < deps.config.hostGraceSeconds * 1000) continue;
      await markErrorIfUnchanged(
        deps,
        pod,
        `Host ${host.name} has not answered since ${lastSeen.toISOString()}`,
        lastSeen,
      );
      continue;
    }
    if (pod.status !== 'running' && now.getTime() - Date.parse(pod.updated_at) < START_SETTLE_MS) {
      continue;
    }
    const status = await deps.runtime.status(pod.id).catch(() => undefined);
    if (!status || status.state === 'running' || status.state === 'starting') continue;
    await markErrorIfUnchanged(
      deps,
      pod,
      pod.status === 'running'
        ? `The Pod's container is not running (${status.message ?? status.state})`
        : `The Pod did not start (${status.message ?? status.state})`,
    );
  }
}

async function markErrorIfUnchanged(
  deps: Deps,
  pod: PodRow,
  message: string,
  lastSeen?: Date,
): Promise<void> {
  await transact(deps.db, (trx) =>
    transition(deps, trx, SYSTEM_CONTEXT, pod, {
      from: [pod.status],
      to: 'error',
      action: 'pod.error',
      unchangedSince: pod.updated_at,
      changes: {
        last_error: message.slice(0, 1000),
        stopped_at: (lastSeen ?? deps.clock.now()).toISOString(),
      },
      details: { message },
      ...(lastSeen ? { chargeUntil: lastSeen } : {}),
    }),
  );
}

/**
 * Gantry is stopping: stop every workload, finish runtime work in flight and
 * record the Pods this instance ran as `exited` (audited by `system`).
 */
export async function shutdownPods(deps: Deps): Promise<void> {
  const supervisor = supervisorOf(deps);
  supervisor.closing = true;
  const ran = new Set(supervisor.live);
  await deps.runtime.shutdown();
  while (supervisor.pending.size > 0) await Promise.allSettled([...supervisor.pending]);
  // Shared drivers: the Pods keep running and any instance serves them.
  if (deps.runtime.shared) return;
  for (const podId of new Set([...ran, ...supervisor.live])) {
    await stopRecord(deps, podId, 'gantry_shutdown', {});
  }
}

async function stopRecord(
  deps: Deps,
  podId: string,
  reason: string,
  details: Record<string, unknown>,
): Promise<boolean> {
  return transact(deps.db, async (trx) => {
    const pod = await findPodForSystem(trx, podId);
    if (!pod || !LIVE_STATUSES.includes(pod.status)) return false;
    return transition(deps, trx, SYSTEM_CONTEXT, pod, {
      from: LIVE_STATUSES,
      to: 'exited',
      action: 'pod.stop',
      changes: { stopped_at: deps.clock.now().toISOString() },
      details: { reason, ...details },
    });
  });
}

/**
 * Stops a Pod on behalf of the system (e.g. billing when the balance runs
 * out): records `pod.stop` with actor `system` and `reason` in its details,
 * then stops the workload and waits until it is gone. A Pod that is not
 * live is left alone.
 */
export async function stopPodBySystem(
  deps: Deps,
  podId: string,
  reason: string,
  details?: Record<string, unknown>,
): Promise<void> {
  const stopped = await stopRecord(deps, podId, reason, details ?? {});
  if (stopped) await scheduleRuntime(deps, podId, 'stop');
}

// ---------------------------------------------------------------------------
// Service functions of the API.

export interface PodListQuery {
  includeTerminated?: boolean;
  limit?: number;
  cursor?: string;
}

/** The account's Pods (`pods.view`); terminated ones only when asked for. */
export function listPods(
  deps: Deps,
  caller: Caller,
  accountId: string,
  query: PodListQuery,
): Promise<{ items: PodDto[]; nextCursor: string | null }> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'pod.view', resource: 'pod', needs: 'pods.view' },
    async ({ db, actor }) => {
      const limit = query.limit ?? 50;
      const rows = await listPodsOfAccount(db, accountId, {
        includeTerminated: query.includeTerminated === true,
        limit: limit + 1,
        ...(query.cursor ? { afterId: query.cursor } : {}),
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((row) => toPodDto(row, actor)),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );
}

async function loadPod(db: Executor, accountId: string, podId: string): Promise<PodWithCreator> {
  const pod = await findPod(db, accountId, podId);
  if (!pod) throw notFound('Pod');
  return pod;
}

/** One Pod (`pods.view`). */
export function getPod(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
): Promise<PodDto> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'pod.view', resource: 'pod', resourceId: podId, needs: 'pods.view' },
    async ({ db, actor }) => toPodDto(await loadPod(db, accountId, podId), actor),
  );
}

/** When a Pod stops or terminates on its own; null clears a setting. */
export interface PodScheduleInput {
  /** An ISO time or an ISO-8601 duration from now (`PT2H`); needs `pods.stop`. */
  stopAfter?: string | null;
  /** The same, for terminating; needs `pods.terminate` (a Dev: their own Pod). */
  terminateAfter?: string | null;
  /** Stop after this many minutes without Connect or terminal traffic; needs `pods.stop`. */
  idleTimeoutMinutes?: number | null;
}

export interface CreatePodInput extends PodScheduleInput {
  name: string;
  gpuType: string;
  gpuCount: number;
  templateId: string;
  env?: Record<string, string>;
}

/**
 * The columns `input` sets, after checking the permission each needs (`pods.stop` for
 * stopping and idling, `pods.terminate` for terminating; `createdBy` is the Pod's creator).
 */
/**
 * What setting a schedule needs follows from what it sets: a stop (`stopAfter`, the idle
 * timeout) `pods.stop`, a termination `pods.terminate` (a Dev: on their own Pods).
 */
function scheduleNeeds(input: PodScheduleInput): Permission[] {
  const needs: Permission[] = [];
  if (input.stopAfter !== undefined || input.idleTimeoutMinutes !== undefined) {
    needs.push('pods.stop');
  }
  if (input.terminateAfter !== undefined) needs.push('pods.terminate');
  return needs;
}

function scheduleChanges(
  input: PodScheduleInput,
  now: Date,
): Pick<PodUpdate, 'stop_at' | 'terminate_at' | 'idle_timeout_minutes'> {
  const changes: Pick<PodUpdate, 'stop_at' | 'terminate_at' | 'idle_timeout_minutes'> = {};
  if (input.stopAfter !== undefined) {
    changes.stop_at =
      input.stopAfter === null
        ? null
        : parseDeadline(input.stopAfter, now, 'stopAfter').toISOString();
  }
  if (input.terminateAfter !== undefined) {
    changes.terminate_at =
      input.terminateAfter === null
        ? null
        : parseDeadline(input.terminateAfter, now, 'terminateAfter').toISOString();
  }
  if (input.idleTimeoutMinutes !== undefined)
    changes.idle_timeout_minutes = input.idleTimeoutMinutes;
  return changes;
}

/** Creates a Pod (`pods.create`) and starts it: `provisioning` now, `running` when its workload is up. */
export async function createPod(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: CreatePodInput,
): Promise<PodDto> {
  await prepareTemplateOnHosts(deps, input.templateId, input.gpuType);
  const dto = await inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'pod.create',
      resource: 'pod',
      resourceId: null,
      // Its creator owns it, so a Dev may give it a termination time too.
      needs: ['pods.create', ...scheduleNeeds(input)],
    },
    async ({ db: trx, actor, now: createdAt, audit }) => {
      const gpu = findGpuType(deps.catalog, input.gpuType);
      if (!gpu) {
        throw new AppError(
          'unknown_gpu_type',
          `body/gpuType must be one of the catalog's GPU types (${deps.catalog.gpuTypes.map((g) => g.id).join(', ')})`,
        );
      }
      const template = findTemplate(deps.catalog, input.templateId);
      if (!template) {
        throw new AppError(
          'unknown_template',
          `body/templateId must be one of the catalog's templates (${deps.catalog.templates.map((t) => t.id).join(', ')})`,
        );
      }
      const env = input.env ?? {};
      const problems = deps.runtime.checkEnv
        ? deps.runtime.checkEnv(env, template.runtime)
        : validatePodEnv(env);
      if (problems.length > 0) throw new AppError('invalid_env', `body/env ${problems.join('; ')}`);
      // In a container the env is the user's (less Gantry's names, checked above); a local
      // Pod takes only what its template declares.
      if (!deps.runtime.checkEnv) assertEnvAllowed(deps, template.runtime, env);

      // The account first (lock order), so Pod counts and the guard decide one create at a time.
      await lockAccount(trx, deps.dialect, accountId, 'update');
      const total = await countPods(trx, accountId, [...LIVE_STATUSES, 'exited', 'error']);
      if (total >= deps.config.maxPodsPerAccount) {
        throw new AppError(
          'pod_limit_reached',
          `This account already has ${total} Pods, the most it may have (${deps.config.maxPodsPerAccount}). Terminate one first.`,
        );
      }
      const price = gpu.pricePerHourMicro * input.gpuCount;
      const schedule = scheduleChanges(input, createdAt);
      await assertMayRunPod(deps, trx, accountId, price);

      const now = createdAt.toISOString();
      const pod: PodRow = {
        id: newId(),
        account_id: accountId,
        name: input.name,
        status: 'provisioning',
        gpu_type: gpu.id,
        gpu_count: input.gpuCount,
        template_id: template.id,
        price_per_hour: price,
        env: JSON.stringify(env),
        created_by: actor.userId,
        created_at: now,
        updated_at: now,
        started_at: null,
        stopped_at: null,
        terminated_at: null,
        last_error: null,
        stop_at: schedule.stop_at ?? null,
        terminate_at: schedule.terminate_at ?? null,
        idle_timeout_minutes: schedule.idle_timeout_minutes ?? null,
        last_traffic_at: null,
        host_id: null,
      };
      await insertPod(trx, pod);
      if (deps.runtime.shared) {
        const placement = await placePod(trx, deps, pod);
        pod.host_id = placement.hostId;
      }
      await audit(
        {
          after: {
            name: pod.name,
            gpuType: pod.gpu_type,
            gpuCount: pod.gpu_count,
            templateId: pod.template_id,
            pricePerHour: formatMoney(price),
            envNames: Object.keys(env),
            stopAt: pod.stop_at,
            terminateAt: pod.terminate_at,
            idleTimeoutMinutes: pod.idle_timeout_minutes,
          },
        },
        { resourceId: pod.id },
      );
      return toPodDto({ ...pod, created_by_name: caller.principal.name }, actor);
    },
  );
  void scheduleRuntime(deps, dto.id, 'create');
  return dto;
}

/**
 * A user's env may only name what the template declares (400 `env_not_allowed` naming the
 * variable), and none at all on a driver that cannot keep it inside a sandbox.
 */
function assertEnvAllowed(
  deps: Deps,
  template: TemplateRuntime,
  env: Record<string, string>,
): void {
  const names = Object.keys(env);
  if (names.length === 0) return;
  const isolation = deps.runtime.isolation;
  if (isolation && !isolation.userEnv) {
    throw new AppError(
      'env_not_allowed',
      `body/env ${names[0]} cannot be set: Pods on this server take no env variables, as they run without a sandbox (${isolation.reason ?? 'not available'})`,
    );
  }
  const [undeclared] = undeclaredEnvNames(env, template.env);
  if (undeclared === undefined) return;
  const declared = template.env ?? [];
  throw new AppError(
    'env_not_allowed',
    `body/env ${undeclared} is not a variable the template "${template.id}" lets you set (${declared.length > 0 ? `it takes ${declared.join(', ')}` : 'it takes none'})`,
  );
}

/**
 * Changes when a Pod stops or terminates on its own (`pods.stop` for `stopAfter` and
 * `idleTimeoutMinutes`, `pods.terminate` for `terminateAfter`), audited as `pod.update` with
 * before and after. A terminated Pod answers 409.
 */
export function updatePodSchedule(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  input: PodScheduleInput,
): Promise<PodDto> {
  const needs: Permission[] = ['pods.view', ...scheduleNeeds(input)];
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'pod.update',
      resource: 'pod',
      resourceId: podId,
      needs,
      subject: {
        load: (db) => loadPod(db, accountId, podId),
        facts: (pod) => ({ createdBy: pod.created_by }),
      },
    },
    async ({ db: trx, actor, now: at, subject: pod, audit }) => {
      const changes = scheduleChanges(input, at);
      if (pod.status === 'terminated') {
        throw new AppError('invalid_pod_transition', 'The Pod is terminated');
      }
      const now = at.toISOString();
      const changed = await updatePodIfStatus(trx, accountId, podId, [pod.status], {
        ...changes,
        updated_at: now,
      });
      if (!changed)
        throw new AppError('invalid_pod_transition', 'The Pod changed meanwhile; try again');
      const before = {
        stopAt: pod.stop_at,
        terminateAt: pod.terminate_at,
        idleTimeoutMinutes: pod.idle_timeout_minutes,
      };
      const after = { ...pod, ...changes };
      await audit({
        name: pod.name,
        before,
        after: {
          stopAt: after.stop_at,
          terminateAt: after.terminate_at,
          idleTimeoutMinutes: after.idle_timeout_minutes,
        },
      });
      return toPodDto({ ...after, updated_at: now }, actor);
    },
  );
}

/**
 * Ends Pod `podId` in `trx` if its schedule says so now (terminate past `terminateAfter`,
 * stop past `stopAfter` or after its idle timeout): the status change and its `pod.stop` /
 * `pod.terminate` event by `system`, with the reason in the details. The meter calls it in the
 * transaction of its charge. Returns the runtime work to start once `trx` has committed, or
 * null when nothing was due.
 */
export async function enforcePodSchedule(
  trx: Trx,
  deps: Deps,
  podId: string,
): Promise<(() => void) | null> {
  const pod = await lockPodForSystem(trx, podId, deps.dialect);
  if (!pod) return null;
  const now = deps.clock.now();
  const due = dueScheduledEnd(pod, now);
  if (!due) return null;
  const at = now.toISOString();
  const live = LIVE_STATUSES.includes(pod.status);
  const changes: PodUpdate =
    due.move === 'terminate'
      ? { terminated_at: at, ...(live ? { stopped_at: at } : {}) }
      : // Once it has fired, the deadline is spent: starting the Pod again does not stop it at once.
        { stopped_at: at, ...(due.reason === 'stop_after' ? { stop_at: null } : {}) };
  const moved = await transition(deps, trx, SYSTEM_CONTEXT, pod, {
    from: [pod.status],
    to: due.move === 'terminate' ? 'terminated' : 'exited',
    action: due.move === 'terminate' ? 'pod.terminate' : 'pod.stop',
    changes,
    details: { reason: due.reason, ...due.details },
  });
  if (!moved) return null;
  return () => void scheduleRuntime(deps, podId, due.move);
}

/** Free GPUs per type now (shared drivers place Pods on hosts); null: not counted (local). */
export async function availableGpus(deps: Deps): Promise<Map<string, number> | null> {
  return deps.runtime.shared ? freeGpuCounts(deps) : null;
}

/**
 * Shared drivers: before a Pod of the template is accepted, its image must be on the hosts that
 * could take it (built-in images are built there). `image_missing` (409) or
 * `engine_unavailable` (503) otherwise; nothing is written. Unknown ids are left to createPod.
 */
async function prepareTemplateOnHosts(
  deps: Deps,
  templateId: string,
  gpuType: string,
): Promise<void> {
  const prepare = deps.runtime.prepareTemplate?.bind(deps.runtime);
  const template = findTemplate(deps.catalog, templateId);
  if (!prepare || !template) return;
  for (const host of await hostsWithGpuType(deps.db, gpuType)) {
    try {
      await prepare(template.runtime, host.id);
    } catch (error) {
      if (!(error instanceof RuntimeError)) throw error;
      if (error.code === 'engine_unavailable') {
        // Another host may take the Pod; placement decides. A lone host's silence is a 503.
        continue;
      }
      throw new AppError('image_missing', error.message);
    }
  }
}

type PodMoveAction = 'pod.start' | 'pod.stop' | 'pod.restart' | 'pod.terminate' | 'pod.error';

const MOVE_AUDIT: Record<PodMove, PodMoveAction> = {
  start: 'pod.start',
  stop: 'pod.stop',
  restart: 'pod.restart',
  terminate: 'pod.terminate',
};

/**
 * Start, stop, restart or terminate a Pod. The status change and its audit
 * event commit together; the runtime work follows in the background and moves
 * the Pod on to `running` (or `error`).
 */
export async function movePod(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  move: PodMove,
): Promise<PodDto> {
  const action = MOVE_AUDIT[move];
  const dto = await inAccount(
    deps,
    caller,
    accountId,
    {
      action,
      resource: 'pod',
      resourceId: podId,
      needs: MOVE_PERMISSIONS[move],
      subject: {
        load: (db) => loadPod(db, accountId, podId),
        facts: (pod) => ({ createdBy: pod.created_by }),
      },
    },
    async ({ db: trx, actor, now: at, subject: pod }) => {
      assertMove(pod.status, move);
      const to = statusAfter(move);
      const now = at.toISOString();
      const changes: PodUpdate =
        move === 'terminate'
          ? {
              terminated_at: now,
              ...(LIVE_STATUSES.includes(pod.status) ? { stopped_at: now } : {}),
            }
          : move === 'stop'
            ? { stopped_at: now }
            : { last_error: null };
      const moved = await transition(deps, trx, auditContextOf(caller), pod, {
        from: [pod.status],
        to,
        action,
        changes,
      });
      if (!moved)
        throw new AppError('invalid_pod_transition', 'The Pod changed meanwhile; try again');
      return toPodDto({ ...pod, ...changes, status: to, updated_at: now }, actor);
    },
  );
  void scheduleRuntime(deps, podId, move);
  return dto;
}

/**
 * Reads Pod `podId` for connecting (`pods.connect`, a refused attempt audited as `pod.connect`):
 * 409 unless it is running; `fn` gets the Pod and its template's exposed ports.
 */
function readRunningPod<T>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  fn: (pod: PodRow, ports: readonly number[]) => Promise<T>,
): Promise<T> {
  return readAccount(
    deps,
    caller,
    accountId,
    runningPodOperation('pod.connect', 'pods.connect', accountId, podId),
    async ({ subject: pod }) => {
      assertRunning(pod);
      return fn(pod, findTemplate(deps.catalog, pod.template_id)?.ports ?? []);
    },
  );
}

/** An operation on a Pod as loaded (404 when not the account's), for Connect and terminals. */
function runningPodOperation<A extends 'pod.connect' | 'pod.terminal'>(
  action: A,
  needs: Needs,
  accountId: string,
  podId: string,
): AccountOperation<A, PodWithCreator> {
  return {
    action,
    resource: 'pod',
    resourceId: podId,
    needs,
    subject: {
      load: (db) => loadPod(db, accountId, podId),
      facts: (pod) => ({ createdBy: pod.created_by }),
    },
  };
}

function assertRunning(pod: PodRow): void {
  if (pod.status !== 'running') {
    throw new AppError('pod_not_running', `The Pod is ${pod.status}; start it to connect`);
  }
}

/** The URLs of a running Pod's exposed ports, through Gantry's Connect proxy (`pods.connect`). */
export function getConnectDetails(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
): Promise<{ urls: string[] }> {
  return readRunningPod(deps, caller, accountId, podId, async (pod, ports) => ({
    urls: ports.map((port) => `${deps.config.publicUrl}/pods/${pod.id}/${port}/`),
  }));
}

export const MAX_LOG_TAIL_BYTES = 256 * 1024;

/** The tail of a Pod's combined output (`pods.view`). */
export function getPodLogs(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  tailBytes = 64 * 1024,
): Promise<{ podId: string; text: string }> {
  return readAccount(
    deps,
    caller,
    accountId,
    {
      action: 'pod.view',
      resource: 'pod',
      resourceId: podId,
      needs: 'pods.view',
      subject: {
        load: (db) => loadPod(db, accountId, podId),
        facts: (pod) => ({ createdBy: pod.created_by }),
      },
    },
    async ({ subject: pod }) => {
      if (pod.status === 'terminated') return { podId, text: '' };
      const text = await deps.runtime
        .logs(podId, { tailBytes: Math.min(tailBytes, MAX_LOG_TAIL_BYTES) })
        .catch(() => '');
      return { podId, text };
    },
  );
}

const CONNECT_AUDIT_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Decides whether `caller` may reach `port` of Pod `podId` through the Connect
 * proxy, and where to: 404 when the Pod is not in an account of theirs or the
 * port is not exposed, 403 without `pods.connect`, 409 unless running.
 * Audits `pod.connect` at most once per user, Pod and hour.
 */
export async function resolveConnectTarget(
  deps: Deps,
  caller: Caller,
  podId: string,
  port: number,
): Promise<ProxyTarget & { accountId: string }> {
  const target: ProxyTarget = {
    key: `${podId}:${port}`,
    // Through the driver, inside the Pod's own network namespace (never host networking).
    openStream: () => deps.runtime.openStream(podId, port),
  };
  // Every request is decided on the caller's current role and the Pod as it is now.
  const owner = await findPodForSystem(deps.db, podId);
  if (!owner) throw notFound('Pod');
  const accountId = owner.account_id;
  await readRunningPod(deps, caller, accountId, podId, async (_pod, ports) => {
    if (!ports.includes(port)) throw new AppError('not_found', `The Pod exposes no port ${port}`);
  });
  await auditConnect(deps, caller, accountId, podId, port);
  return { ...target, accountId };
}

/** One web terminal session, as its `pod.terminal` events record it. */
export interface TerminalSessionRecord {
  terminalId: string;
  accountId: string;
  podId: string;
}

/**
 * Opens a web terminal into Pod `podId` (`pods.connect`, running, a driver with terminals:
 * 409 `terminal_not_supported` otherwise) and records its `pod.terminal` start event.
 */
export async function startPodTerminal(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  size: { cols: number; rows: number },
): Promise<{ record: TerminalSessionRecord; terminal: PodTerminal }> {
  // A shell changes the Pod: `pods.connect`, and not a read-only key (TERMINAL_NEEDS).
  return readAccount(
    deps,
    caller,
    accountId,
    runningPodOperation('pod.terminal', TERMINAL_NEEDS, accountId, podId),
    async ({ subject: pod, audit }) => {
      assertRunning(pod);
      const openTerminal = deps.runtime.openTerminal?.bind(deps.runtime);
      if (!openTerminal) {
        throw new AppError(
          'terminal_not_supported',
          `The ${deps.runtime.name} runtime has no terminal`,
        );
      }
      const terminal = await openTerminal(podId, size).catch((error: unknown) => {
        deps.logger.warn({ err: error, podId }, 'could not open a terminal');
        throw new AppError('pod_unreachable', 'The Pod cannot open a terminal now');
      });
      const record = { terminalId: newId(), accountId, podId };
      try {
        await audit({
          phase: 'start',
          terminalId: record.terminalId,
          cols: size.cols,
          rows: size.rows,
        });
      } catch (error) {
        terminal.close();
        throw error;
      }
      return { record, terminal };
    },
  );
}

/** Records the end of a web terminal session: bytes each way and how long, never what was typed. */
export async function endPodTerminal(
  deps: Deps,
  caller: Caller,
  record: TerminalSessionRecord,
  summary: { bytesIn: number; bytesOut: number; durationMs: number; reason: string },
): Promise<void> {
  // Recorded whatever the caller may do now: the session it ends was allowed.
  await transact(deps.db, (trx) =>
    auditorOf(
      trx,
      auditContextOf(caller),
      deps.clock.now(),
      record.accountId,
      'pod.terminal',
      'pod',
      record.podId,
    )({ phase: 'end', terminalId: record.terminalId, ...summary }),
  );
}

/**
 * Checks again that `caller` may still connect to Pod `podId` of account `accountId` (an open
 * Connect WebSocket or terminal): throws the AppError of {@link resolveConnectTarget} when the
 * caller lost `pods.connect` or left the account, or the Pod is no longer running.
 */
export function checkConnectAccess(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
): Promise<void> {
  return readRunningPod(deps, caller, accountId, podId, async () => undefined);
}

async function auditConnect(
  deps: Deps,
  caller: Caller,
  accountId: string,
  podId: string,
  port: number,
): Promise<void> {
  const { connects } = supervisorOf(deps);
  const key = `${caller.principal.userId}:${podId}`;
  const now = deps.clock.now();
  const last = connects.get(key);
  if (last !== undefined && now.getTime() - last < CONNECT_AUDIT_INTERVAL_MS) return;
  connects.set(key, now.getTime());
  const since = new Date(now.getTime() - CONNECT_AUDIT_INTERVAL_MS).toISOString();
  await transact(deps.db, async (trx) => {
    // Another instance (or this one before a restart) may have recorded it.
    const recorded = await lastConnectAudit(trx, accountId, podId, caller.principal.userId, since);
    if (recorded) {
      connects.set(key, Date.parse(recorded));
      return;
    }
    await auditorOf(
      trx,
      auditContextOf(caller),
      now,
      accountId,
      'pod.connect',
      'pod',
      podId,
    )({
      port,
    });
  });
}
