import type { AuditContext } from '../audit/audit.events.js';
import type { Deps } from '../context.js';
import { transact } from '../db/transaction.js';
import { invalidInput, notFound } from '../errors.js';
import { UUID_PATTERN } from '../lib/ids.js';
import { formatMoney, MICRO, moneyProblem, parseMoney } from '../lib/money.js';
import { auditorOf } from '../permissions/access.js';
import { type TransactionDto, toTransactionDto } from './billing.service.js';
import { postTransaction } from './ledger.js';

/** The largest single credit: 1,000,000 currency units. Anything above is a typo. */
export const MAX_CREDIT_MICRO = 1_000_000 * MICRO;
export const MAX_NOTE_LENGTH = 500;
const hasControl = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Money arriving for an account. Gantry never sees or stores card data: only the amount. */
export interface CreditRequest {
  accountId: string;
  amountMicro: number;
  note?: string | null;
}

/**
 * Where credits come from. A card processor's provider would call `credit` from its
 * payment-succeeded webhook; the built-in one is the operator command
 * `gantry billing credit <accountId> <amount>`.
 */
export interface PaymentProvider {
  readonly name: string;
  credit(deps: Deps, ctx: AuditContext, request: CreditRequest): Promise<TransactionDto>;
}

/** Parses a credit amount typed by a person; throws a 400 that says what is wrong. */
export function parseCreditAmount(text: string): number {
  const problem = moneyProblem(text);
  if (problem) throw invalidInput(`Amount "${text}" ${problem}`);
  const micro = parseMoney(text) as number;
  if (micro <= 0) throw invalidInput(`Amount "${text}" must be more than 0`);
  if (micro > MAX_CREDIT_MICRO) {
    throw invalidInput(`Amount "${text}" is more than ${formatMoney(MAX_CREDIT_MICRO)}`);
  }
  return micro;
}

/**
 * Records a credit through `provider`: checks the request, then appends the ledger
 * transaction, moves the balance and writes `billing.credit` in one transaction.
 */
export async function recordCredit(
  deps: Deps,
  ctx: AuditContext,
  provider: string,
  request: CreditRequest,
): Promise<TransactionDto> {
  const { accountId, amountMicro } = request;
  if (!Number.isSafeInteger(amountMicro) || amountMicro <= 0 || amountMicro > MAX_CREDIT_MICRO) {
    throw invalidInput(`A credit must be more than 0 and at most ${formatMoney(MAX_CREDIT_MICRO)}`);
  }
  const note = request.note?.trim() || null;
  if (note && (note.length > MAX_NOTE_LENGTH || hasControl(note))) {
    throw invalidInput(`The note must be at most ${MAX_NOTE_LENGTH} characters of plain text`);
  }
  if (!new RegExp(UUID_PATTERN).test(accountId)) throw notFound('Account');
  return transact(deps.db, async (trx) => {
    const account = await trx
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!account) throw notFound('Account');
    const now = deps.clock.now();
    const row = await postTransaction(trx, {
      accountId,
      kind: 'credit',
      amount: amountMicro,
      time: now,
      actor: ctx.actor,
      note,
      provider,
    });
    await auditorOf(
      trx,
      ctx,
      now,
      accountId,
      'billing.credit',
      'billing',
      accountId,
    )({
      transactionId: row.id,
      amount: formatMoney(amountMicro),
      balanceAfter: formatMoney(row.balance_after),
      provider,
      note,
    });
    return toTransactionDto(row);
  });
}

/** The built-in provider: an operator adds credit from the command line. */
export const operatorProvider: PaymentProvider = {
  name: 'operator',
  credit: (deps, ctx, request) => recordCredit(deps, ctx, 'operator', request),
};
