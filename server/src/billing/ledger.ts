import type { AuditContext } from '../audit/audit.events.js';
import type { Trx } from '../db/database.js';
import type { BillingKind, BillingTransactionRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import { addToBalance, ensureBillingAccount, insertTransaction } from './billing.store.js';

/** One entry to append to an account's ledger. */
export interface LedgerEntry {
  accountId: string;
  kind: BillingKind;
  /** Micro-units; credits and refunds positive, usage negative, adjustments either. */
  amount: number;
  time: Date;
  actor: AuditContext['actor'];
  note?: string | null;
  provider?: string | null;
  podId?: string | null;
  periodStart?: string | null;
  periodEnd?: string | null;
  durationMs?: number | null;
}

const SIGN: Record<BillingKind, (amount: number) => boolean> = {
  credit: (a) => a > 0,
  refund: (a) => a > 0,
  usage: (a) => a < 0,
  adjustment: (a) => a !== 0,
};

/**
 * Appends one immutable transaction to the ledger and moves the balance by the same
 * amount, in the caller's transaction — so the balance always equals the ledger's sum.
 * Returns the stored row (with the balance after it).
 */
export async function postTransaction(
  trx: Trx,
  entry: LedgerEntry,
): Promise<BillingTransactionRow> {
  if (!Number.isSafeInteger(entry.amount) || !SIGN[entry.kind](entry.amount)) {
    throw new RangeError(`invalid ${entry.kind} amount ${entry.amount}`);
  }
  const now = entry.time.toISOString();
  await ensureBillingAccount(trx, entry.accountId, now);
  const balanceAfter = await addToBalance(trx, entry.accountId, entry.amount, now);
  const row: BillingTransactionRow = {
    id: newId(),
    account_id: entry.accountId,
    kind: entry.kind,
    amount: entry.amount,
    balance_after: balanceAfter,
    time: now,
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    actor_email: entry.actor.email,
    note: entry.note ?? null,
    provider: entry.provider ?? null,
    pod_id: entry.podId ?? null,
    period_start: entry.periodStart ?? null,
    period_end: entry.periodEnd ?? null,
    duration_ms: entry.durationMs ?? null,
    created_at: now,
  };
  await insertTransaction(trx, row);
  return row;
}
