import type { Deps } from '../context.js';
import type { Trx } from '../db/database.js';

/**
 * What the Pods module asks of billing, implemented by the billing module and wired in
 * `server.ts` (Pods never import billing): the guard before a Pod becomes live, and the charge
 * of a run as the Pod leaves `running`, both in the Pod change's transaction.
 */
export interface PodBilling {
  /**
   * The balance covers an hour of `pricePerHourMicro` (402 `insufficient_balance`) and the
   * account's live Pods plus this one stay within its spend limit (409
   * `spend_limit_exceeded`); `exceptPodId` is not counted as live.
   */
  assertCanRunPod(
    trx: Trx,
    accountId: string,
    pricePerHourMicro: number,
    options?: { exceptPodId?: string },
  ): Promise<void>;
  /** Charges the Pod's run up to `until` (audited `billing.charge`); the micro-units charged. */
  chargePodUntil(trx: Trx, deps: Deps, podId: string, until: Date): Promise<number>;
}
