import type { Static } from '@sinclair/typebox';
import { lockAccount } from '../accounts/accounts.store.js';
import { auditContextOf } from '../audit/audit.context.js';
import { type AuditContext, SYSTEM_CONTEXT } from '../audit/audit.events.js';
import type { Caller, Deps } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { PodRow, PodUpdate } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { formatMoney } from '../lib/money.js';
import { auditorOf, inAccount, readAccount } from '../permissions/access.js';
import { type AccountActor, can } from '../permissions/policy.js';
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
import type { PodSpec, RuntimeDriver, TemplateRuntime } from './runtime/driver.js';
import { RuntimeError } from './runtime/driver.js';
import { undeclaredEnvNames, validatePodEnv } from './runtime/pod-env.js';
import type { ProxyTarget } from './runtime/proxy.js';
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

function specOf(deps: Deps, pod: PodRow): PodSpec | null {
  const template = findTemplate(deps.catalog, pod.template_id);
  if (!template) return null;
  return {
    podId: pod.id,
    name: pod.name,
    template: template.runtime,
    env: JSON.parse(pod.env) as Record<string, string>,
    gpuType: pod.gpu_type,
    gpuCount: pod.gpu_count,
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
  const now = deps.clock.now();
  const entersLive = !LIVE_STATUSES.includes(current.status) && LIVE_STATUSES.includes(input.to);
  if (entersLive) await assertMayRunPod(deps, trx, current.account_id, current.price_per_hour);
  if (current.status === 'running' && input.to === 'starting') {
    await deps.podBilling.assertCanRunPod(trx, current.account_id, current.price_per_hour, {
      exceptPodId: current.id,
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
    await deps.podBilling.chargePodUntil(trx, deps, current.id, now);
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
  await deps.podBilling.assertCanRunPod(trx, accountId, pricePerHourMicro);
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
  const spec = specOf(deps, pod);
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
  await transact(deps.db, (trx) =>
    transition(deps, trx, SYSTEM_CONTEXT, pod, {
      from: ['starting'],
      to: 'running',
      changes: { started_at: now, last_error: null },
    }),
  );
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

/** Marks every live Pod without a live workload as `exited`, audited by `system`. */
export async function reconcilePods(deps: Deps): Promise<number> {
  let changed = 0;
  for (const pod of await listPodsInStatusForSystem(deps.db, LIVE_STATUSES)) {
    if (supervisorOf(deps).chains.has(pod.id)) continue;
    const status = await deps.runtime.status(pod.id).catch(() => ({ state: 'absent' as const }));
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
 * Gantry is stopping: stop every workload, finish runtime work in flight and
 * record the Pods this instance ran as `exited` (audited by `system`).
 */
export async function shutdownPods(deps: Deps): Promise<void> {
  const supervisor = supervisorOf(deps);
  supervisor.closing = true;
  const ran = new Set(supervisor.live);
  await deps.runtime.shutdown();
  while (supervisor.pending.size > 0) await Promise.allSettled([...supervisor.pending]);
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

export interface CreatePodInput {
  name: string;
  gpuType: string;
  gpuCount: number;
  templateId: string;
  env?: Record<string, string>;
}

/** Creates a Pod (`pods.create`) and starts it: `provisioning` now, `running` when its workload is up. */
export async function createPod(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: CreatePodInput,
): Promise<PodDto> {
  const dto = await inAccount(
    deps,
    caller,
    accountId,
    { action: 'pod.create', resource: 'pod', resourceId: null, needs: 'pods.create' },
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
      const problems = validatePodEnv(env);
      if (problems.length > 0) throw new AppError('invalid_env', `body/env ${problems.join('; ')}`);
      assertEnvAllowed(deps, template.runtime, env);

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
      };
      await insertPod(trx, pod);
      await audit(
        {
          after: {
            name: pod.name,
            gpuType: pod.gpu_type,
            gpuCount: pod.gpu_count,
            templateId: pod.template_id,
            pricePerHour: formatMoney(price),
            envNames: Object.keys(env),
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
    {
      action: 'pod.connect',
      resource: 'pod',
      resourceId: podId,
      needs: 'pods.connect',
      subject: {
        load: (db) => loadPod(db, accountId, podId),
        facts: (pod) => ({ createdBy: pod.created_by }),
      },
    },
    async ({ subject: pod }) => {
      if (pod.status !== 'running') {
        throw new AppError('pod_not_running', `The Pod is ${pod.status}; start it to connect`);
      }
      return fn(pod, findTemplate(deps.catalog, pod.template_id)?.ports ?? []);
    },
  );
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
): Promise<ProxyTarget> {
  const owner = await findPodForSystem(deps.db, podId);
  if (!owner) throw notFound('Pod');
  const accountId = owner.account_id;
  const target = await readRunningPod(deps, caller, accountId, podId, async (_pod, ports) => {
    if (!ports.includes(port)) throw new AppError('not_found', `The Pod exposes no port ${port}`);
    const endpoint = (await deps.runtime.endpoints(podId)).find((e) => e.port === port);
    if (!endpoint) throw new AppError('pod_not_running', 'The Pod is not reachable yet');
    return { openStream: () => deps.runtime.openStream(podId, port) };
  });
  await auditConnect(deps, caller, accountId, podId, port);
  return target;
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
