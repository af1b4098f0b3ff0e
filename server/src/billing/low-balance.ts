import type { Deps } from '../context.js';
import type { Trx } from '../db/database.js';
import { formatMoney } from '../lib/money.js';
import { enqueueMail } from '../mail/mail.outbox.js';
import { lowBalanceMail } from '../mail/messages.js';

/**
 * Mails the low-balance alert once per crossing of the account's threshold, in `trx` (the
 * transaction that moved the balance or the threshold): when the balance is at or below the
 * threshold and no alert went out for this crossing, one goes to the billing email (or, when none
 * is set, to the account's Billing and Admin members); once the balance is above it again, the
 * next crossing mails again. Returns whether a mail was written.
 */
export async function notifyLowBalanceOnce(
  deps: Deps,
  trx: Trx,
  accountId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('billing_accounts as b')
    .innerJoin('accounts as a', 'a.id', 'b.account_id')
    .select([
      'b.balance',
      'b.low_balance_threshold',
      'b.billing_email',
      'b.low_balance_notified_at',
      'a.name',
    ])
    .where('b.account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return false;
  const low = Number(row.balance) <= Number(row.low_balance_threshold);
  const now = deps.clock.now().toISOString();
  if (!low) {
    if (row.low_balance_notified_at !== null) {
      await trx
        .updateTable('billing_accounts')
        .set({ low_balance_notified_at: null })
        .where('account_id', '=', accountId)
        .execute();
    }
    return false;
  }
  if (row.low_balance_notified_at !== null) return false;
  // Conditional: of two changes at once, one mails.
  const claimed = await trx
    .updateTable('billing_accounts')
    .set({ low_balance_notified_at: now })
    .where('account_id', '=', accountId)
    .where('low_balance_notified_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return false;
  const recipients = row.billing_email
    ? [row.billing_email]
    : (
        await trx
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select('u.email')
          .where('m.account_id', '=', accountId)
          .where('m.role', 'in', ['billing', 'admin'])
          .orderBy('u.email')
          .execute()
      ).map((r) => r.email);
  const content = lowBalanceMail(deps, {
    accountName: row.name,
    balance: formatMoney(Number(row.balance)),
    threshold: formatMoney(Number(row.low_balance_threshold)),
    currency: deps.config.currency,
  });
  for (const to of recipients) await enqueueMail(deps, trx, 'low_balance', to, content);
  return recipients.length > 0;
}
