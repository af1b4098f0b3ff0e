import { SYSTEM_CONTEXT } from '../audit/audit.events.js';
import type { Deps } from '../context.js';
import type { Trx } from '../db/database.js';
import { transact } from '../db/transaction.js';
import { type JobHandle, startPeriodicJob } from '../lib/jobs.js';
import { formatMoney, usageCost } from '../lib/money.js';
import { auditorOf } from '../permissions/access.js';
import { advanceMeter, lockBillingAccount, meterOfPod } from './billing.store.js';
import { postTransaction } from './ledger.js';
import type { MeteredPod } from './pod-usage.js';

/**
 * Stops a Pod on the system's behalf (the Pods module's `stopPodBySystem`), which
 * audits `pod.stop` by `system` and, through {@link chargePodUntil}, charges to the stop.
 */
export type PodStopper = (
  deps: Deps,
  podId: string,
  reason: string,
  details?: Record<string, unknown>,
) => Promise<unknown>;

/*
 * What is billed: a Pod's time in `running`. The Pods service writes `started_at` when a Pod
 * becomes `running` (the first time and after every start or restart), and in the transaction
 * that moves it out of `running` (stop, restart, terminate, error, reconcile, shutdown) it calls
 * {@link chargePodUntil}, which charges the run up to that moment. The meter charges Pods that
 * are `running` now, up to now. A Pod's meter (`pod_meters.metered_until`) only moves forward,
 * and charging starts at the later of it and `started_at`: the gap between runs (including a
 * restart's `starting`) is never billed, and no millisecond is billed twice.
 */

/** What one Pod was charged for one interval. */
export interface PodCharge {
  podId: string;
  periodStart: string;
  periodEnd: string;
  durationMs: number;
  /** Micro-units charged (positive). */
  amount: number;
}

const DAY_MS = 86_400_000;
/**
 * Charges one Pod's running time from where its meter stands up to `untilMs`, in `trx`,
 * exactly once: the meter row moves forward with a conditional update (`WHERE
 * metered_until = <as read>`), so of two meters racing for the same interval only one
 * writes; the other's update touches no row and it charges nothing. Amounts are the
 * difference of the cumulative cost of the Pod's metered time (at one price), so rounding
 * to micro-units never loses or adds anything over time. Charges are split at UTC
 * midnight so usage by day is exact. The caller holds the account's billing lock.
 */
async function chargePod(
  trx: Trx,
  deps: Deps,
  pod: MeteredPod,
  untilMs: number,
): Promise<PodCharge[]> {
  if (!pod.started_at) return [];
  const now = deps.clock.now();
  const meter = await meterOfPod(trx, pod, now.toISOString());
  const fromMs = Math.max(Date.parse(meter.metered_until), Date.parse(pod.started_at));
  if (untilMs <= fromMs) return [];

  const price = Number(pod.price_per_hour);
  const samePrice = Number(meter.price_per_hour) === price;
  let totalMs = samePrice ? Number(meter.metered_ms) : 0;
  let totalCharged = samePrice ? Number(meter.charged) : 0;
  const charges: PodCharge[] = [];
  for (let start = fromMs; start < untilMs; ) {
    const end = Math.min(untilMs, (Math.floor(start / DAY_MS) + 1) * DAY_MS);
    totalMs += end - start;
    const cumulative = usageCost(price, totalMs);
    charges.push({
      podId: pod.id,
      periodStart: new Date(start).toISOString(),
      periodEnd: new Date(end).toISOString(),
      durationMs: end - start,
      amount: cumulative - totalCharged,
    });
    totalCharged = cumulative;
    start = end;
  }

  const moved = await advanceMeter(trx, pod.id, meter.metered_until, {
    metered_until: new Date(untilMs).toISOString(),
    price_per_hour: price,
    metered_ms: totalMs,
    charged: totalCharged,
    updated_at: now.toISOString(),
  });
  if (!moved) return [];

  for (const charge of charges) {
    if (charge.amount === 0) continue;
    await postTransaction(trx, {
      accountId: pod.account_id,
      kind: 'usage',
      amount: -charge.amount,
      time: now,
      actor: SYSTEM_CONTEXT.actor,
      podId: pod.id,
      periodStart: charge.periodStart,
      periodEnd: charge.periodEnd,
      durationMs: charge.durationMs,
    });
  }
  return charges;
}

async function auditCharges(
  trx: Trx,
  deps: Deps,
  accountId: string,
  charges: PodCharge[],
  balanceAfter: number,
  extra: Record<string, unknown>,
) {
  const total = charges.reduce((sum, c) => sum + c.amount, 0);
  const audit = auditorOf(
    trx,
    SYSTEM_CONTEXT,
    deps.clock.now(),
    accountId,
    'billing.charge',
    'billing',
    accountId,
  );
  await audit({
    ...extra,
    total: formatMoney(total),
    balanceAfter: formatMoney(balanceAfter),
    charges: charges.map((c) => ({ ...c, amount: formatMoney(c.amount) })),
  });
}

/**
 * The hook the Pods service calls in the transaction that moves a Pod out of `running`
 * (after updating the Pod row, before its own audit event): charges the run up to `until`
 * and audits `billing.charge`. Only for a Pod that was `running`: its `started_at` is the
 * start of the run being ended. Returns the micro-units charged.
 */
export async function chargePodUntil(
  trx: Trx,
  deps: Deps,
  podId: string,
  until: Date,
): Promise<number> {
  const pod = await deps.podUsage.findMeteredPod(trx, podId);
  if (!pod?.started_at) return 0;
  const billing = await lockBillingAccount(trx, pod.account_id, deps.clock.now().toISOString());
  const charges = await chargePod(trx, deps, pod, until.getTime());
  const total = charges.reduce((sum, c) => sum + c.amount, 0);
  if (charges.length === 0) return 0;
  const after = await lockBillingAccount(trx, pod.account_id);
  await auditCharges(
    trx,
    deps,
    pod.account_id,
    charges,
    Number(after?.balance ?? billing?.balance),
    {
      reason: 'pod_stop',
      podId,
    },
  );
  return total;
}

export interface MeterRunResult {
  /** Micro-units charged per account in this run. */
  charged: Map<string, number>;
  /** Pods stopped because their account's balance ran out. */
  stopped: string[];
  /** Accounts whose charge failed this run (retried on the next; nothing half-written). */
  failed: string[];
}

export interface MeterOptions {
  stopPod?: PodStopper | undefined;
}

/**
 * One metering pass: per account, one transaction charges every running Pod up to now
 * and writes one `billing.charge` event. Then, where the balance is 0 or less, the
 * account's live Pods are stopped (reason `balance_exhausted`). Safe to run from any
 * number of Gantry instances at once.
 */
export async function runMeterOnce(
  deps: Deps,
  options: MeterOptions = {},
): Promise<MeterRunResult> {
  const result: MeterRunResult = { charged: new Map(), stopped: [], failed: [] };
  const candidates = await deps.podUsage.listRunningPods(deps.db);
  const byAccount = new Map<string, string[]>();
  for (const pod of candidates) {
    byAccount.set(pod.account_id, [...(byAccount.get(pod.account_id) ?? []), pod.id]);
  }

  for (const [accountId, podIds] of byAccount) {
    let balance: number;
    try {
      balance = await transact(deps.db, async (trx) => {
        const now = deps.clock.now();
        // Lock order everywhere: Pod rows, then the billing row (as the stop path does).
        const pods = await deps.podUsage.lockMeteredPods(trx, deps.dialect, accountId, podIds);
        await lockBillingAccount(trx, accountId, now.toISOString());
        const charges: PodCharge[] = [];
        for (const pod of pods) {
          // Stopped meanwhile: its stop transaction charged it.
          if (pod.status !== 'running') continue;
          charges.push(...(await chargePod(trx, deps, pod, now.getTime())));
        }
        const after = Number((await lockBillingAccount(trx, accountId))?.balance ?? 0);
        if (charges.length > 0) {
          await auditCharges(trx, deps, accountId, charges, after, { reason: 'meter' });
          result.charged.set(
            accountId,
            charges.reduce((sum, c) => sum + c.amount, 0),
          );
        }
        return after;
      });
    } catch (error) {
      deps.logger.error(
        { err: error, accountId },
        'metering failed for an account; retrying next run',
      );
      result.failed.push(accountId);
      continue;
    }
    if (balance <= 0 && options.stopPod) {
      result.stopped.push(...(await stopActivePods(deps, accountId, balance, options.stopPod)));
    }
  }
  return result;
}

async function stopActivePods(
  deps: Deps,
  accountId: string,
  balance: number,
  stopPod: PodStopper,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const id of await deps.podUsage.listLivePodIds(deps.db, accountId)) {
    try {
      await stopPod(deps, id, 'balance_exhausted', {
        reason: 'balance_exhausted',
        balance: formatMoney(balance),
      });
      stopped.push(id);
    } catch (error) {
      deps.logger.warn({ err: error, podId: id }, 'could not stop a Pod at zero balance');
    }
  }
  return stopped;
}

/** Runs {@link runMeterOnce} every `intervalSeconds` (never two at once in one process). */
export function startMeter(
  deps: Deps,
  options: MeterOptions & { intervalSeconds?: number } = {},
): JobHandle {
  const intervalMs = (options.intervalSeconds ?? deps.config.meterIntervalSeconds) * 1000;
  return startPeriodicJob(
    'metering run',
    intervalMs,
    () => runMeterOnce(deps, options),
    deps.logger,
  );
}
