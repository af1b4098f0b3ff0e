import type { Trx } from '../db/database.js';
import { AppError } from '../errors.js';
import { formatMoney } from '../lib/money.js';
import { lockBillingAccount } from './billing.store.js';
import type { PodUsage } from './pod-usage.js';

/**
 * The billing guard before a Pod is created or started, in the Pods service's transaction:
 * the balance must cover one hour of the Pod's price (402 `insufficient_balance`), and the
 * account's active Pods plus this one must stay within its hourly spend limit
 * (409 `spend_limit_exceeded`). Takes the account's billing lock, so two starts at once
 * are decided one after the other. Call it while the Pod is not yet live, or pass its id
 * as `exceptPodId` so it is not counted twice.
 */
export async function assertCanRunPod(
  trx: Trx,
  podUsage: PodUsage,
  accountId: string,
  pricePerHourMicro: number,
  options: { exceptPodId?: string } = {},
): Promise<void> {
  // An account without a billing row has no money.
  const billing = await lockBillingAccount(trx, accountId);
  const balance = Number(billing?.balance ?? 0);
  if (balance < pricePerHourMicro) {
    throw new AppError(
      'insufficient_balance',
      `The balance (${formatMoney(balance)}) must cover one hour of this Pod (${formatMoney(pricePerHourMicro)}); add credit first`,
    );
  }
  const running = await podUsage.spendPerHourOfLivePods(trx, accountId, options.exceptPodId);
  const limit = Number(billing?.spend_limit_per_hour ?? 0);
  if (running + pricePerHourMicro > limit) {
    throw new AppError(
      'spend_limit_exceeded',
      `Running this Pod would spend ${formatMoney(running + pricePerHourMicro)} an hour, over the account's spend limit of ${formatMoney(limit)}`,
    );
  }
}
