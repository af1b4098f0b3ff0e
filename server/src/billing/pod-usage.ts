import type { DialectName, Executor, Trx } from '../db/database.js';
import type { PodRow } from '../db/schema.js';

/** A Pod as the meter charges it. */
export type MeteredPod = Pick<
  PodRow,
  'id' | 'account_id' | 'status' | 'price_per_hour' | 'started_at'
>;

/**
 * What billing reads of Pods, implemented by the Pods module's store and wired in `server.ts`
 * (billing never imports the Pods module): the live spend the guards and the billing page
 * show, Pod names for usage reports, and the Pods the meter charges and stops.
 */
export interface PodUsage {
  /** The hourly price of the account's live Pods (all but `exceptPodId`). */
  spendPerHourOfLivePods(db: Executor, accountId: string, exceptPodId?: string): Promise<number>;
  /** Names of some of the account's Pods, by id. */
  podNamesOf(
    db: Executor,
    accountId: string,
    podIds: readonly string[],
  ): Promise<Map<string, string>>;
  /** Running Pods of every account: the meter's candidates (re-read under lock per account). */
  listRunningPods(db: Executor): Promise<{ id: string; account_id: string }[]>;
  /** These Pods of the account, their rows locked (PostgreSQL) in id order. */
  lockMeteredPods(
    trx: Trx,
    dialect: DialectName,
    accountId: string,
    podIds: readonly string[],
  ): Promise<MeteredPod[]>;
  /** One Pod as the meter charges it. */
  findMeteredPod(trx: Trx, podId: string): Promise<MeteredPod | undefined>;
  /** Ids of the account's live Pods (the ones to stop when the balance runs out). */
  listLivePodIds(db: Executor, accountId: string): Promise<string[]>;
}
