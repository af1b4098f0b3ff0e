import type { Static } from '@sinclair/typebox';
import { type AuditContext, SYSTEM_CONTEXT } from '../audit/audit.events.js';
import type { Caller, Deps, RequestMeta } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { BillingAccountRow, BillingKind, BillingTransactionRow } from '../db/schema.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import { UUID_PATTERN } from '../lib/ids.js';
import { formatMoney, MICRO, moneyProblem, parseMoney } from '../lib/money.js';
import { auditorOf, inAccount, readAccount } from '../permissions/access.js';
import type {
  BillingProfileSchema,
  BillingSchema,
  BillingTransactionSchema,
  StatementSchema,
  StatementSummarySchema,
  UsageSchema,
} from './billing.schemas.js';
import {
  type BillingProfileUpdate,
  ensureBillingAccount,
  findBillingAccount,
  listTransactions,
  lockBillingAccount,
  monthlyTotals,
  sumLedger,
  transactionsBetween,
  updateBillingAccount,
  usageByDay,
  usageByPod,
} from './billing.store.js';
import { isCountryCode } from './countries.js';
import { postTransaction } from './ledger.js';

/** The largest low-balance threshold anyone may set: 1,000,000 currency units. */
export const MAX_THRESHOLD_MICRO = 1_000_000 * MICRO;

export type BillingProfileDto = Static<typeof BillingProfileSchema>;

export type BillingDto = Static<typeof BillingSchema>;

export type TransactionDto = Static<typeof BillingTransactionSchema>;

/** Maps a ledger row to the API object. */
export function toTransactionDto(row: BillingTransactionRow): TransactionDto {
  return {
    id: row.id,
    kind: row.kind,
    amount: formatMoney(row.amount),
    balanceAfter: formatMoney(row.balance_after),
    time: row.time,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    note: row.note,
    provider: row.provider,
    podId: row.pod_id,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  };
}

function toProfile(row: BillingAccountRow): BillingProfileDto {
  return {
    billingEmail: row.billing_email,
    companyName: row.company_name,
    address: row.address,
    countryCode: row.country_code,
    taxId: row.tax_id,
  };
}

function toBillingDto(deps: Deps, row: BillingAccountRow, spendPerHour: number): BillingDto {
  const balance = Number(row.balance);
  return {
    accountId: row.account_id,
    currency: deps.config.currency,
    balance: formatMoney(balance),
    currentSpendPerHour: formatMoney(spendPerHour),
    spendLimit: formatMoney(row.spend_limit_per_hour),
    maxSpendLimit: formatMoney(deps.config.maxSpendLimitMicro),
    lowBalanceThreshold: formatMoney(row.low_balance_threshold),
    lowBalance: balance <= Number(row.low_balance_threshold),
    runwaySeconds:
      spendPerHour > 0
        ? Math.max(0, Number((BigInt(balance) * 3600n) / BigInt(spendPerHour)))
        : null,
    profile: toProfile(row),
    updatedAt: row.updated_at,
  };
}

async function billingRow(deps: Deps, db: Executor, accountId: string) {
  const row = await findBillingAccount(db, accountId);
  if (row) return row;
  await ensureBillingAccount(deps.db, accountId, deps.clock.now().toISOString());
  const created = await findBillingAccount(deps.db, accountId);
  if (!created) throw new Error(`billing row of ${accountId} missing`);
  return created;
}

/**
 * Creates a new account's billing row and grants the welcome credit
 * (`config.welcomeCreditMicro`, when above 0) in the caller's transaction, audited
 * `billing.credit` by the system.
 */
export async function grantWelcomeCredit(
  trx: Trx,
  deps: Deps,
  accountId: string,
  meta: RequestMeta,
): Promise<void> {
  const now = deps.clock.now();
  await ensureBillingAccount(trx, accountId, now.toISOString());
  const amount = deps.config.welcomeCreditMicro;
  if (amount <= 0) return;
  const ctx: AuditContext = { ...SYSTEM_CONTEXT, ...meta };
  const row = await postTransaction(trx, {
    accountId,
    kind: 'credit',
    amount,
    time: now,
    actor: ctx.actor,
    note: 'Welcome credit',
    provider: 'welcome',
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
    amount: formatMoney(amount),
    balanceAfter: formatMoney(row.balance_after),
    provider: 'welcome',
    note: row.note,
  });
}

/**
 * Reads the account's billing for `caller`: `billing.view` is authorized first, and a refused
 * read is audited as a denied `billing.view`.
 */
function readBilling<T>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  fn: (db: Executor) => Promise<T>,
): Promise<T> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'billing.view', resource: 'billing', resourceId: accountId, needs: 'billing.view' },
    ({ db }) => fn(db),
  );
}

/** Balance, spend, limits and profile of an account (`billing.view`). */
export function getBilling(deps: Deps, caller: Caller, accountId: string): Promise<BillingDto> {
  return readBilling(deps, caller, accountId, async (db) => {
    const row = await billingRow(deps, db, accountId);
    return toBillingDto(deps, row, await deps.podUsage.spendPerHourOfLivePods(db, accountId));
  });
}

export interface BillingPatch {
  billingEmail?: string | null;
  companyName?: string | null;
  address?: string | null;
  countryCode?: string | null;
  taxId?: string | null;
  spendLimit?: string;
  lowBalanceThreshold?: string;
}

function amountField(field: string, text: string, min: number, max: number, minText: string) {
  const problem = moneyProblem(text);
  if (problem) throw invalidInput(`body/${field} ${problem}`);
  const micro = parseMoney(text) as number;
  if (micro < min) throw invalidInput(`body/${field} must be ${minText}`);
  if (micro > max) throw invalidInput(`body/${field} must be at most ${formatMoney(max)}`);
  return micro;
}

function trimmedOrNull(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** Validates a billing patch into column changes; throws 400 naming the first bad field. */
function changesOf(deps: Deps, patch: BillingPatch): BillingProfileUpdate {
  const changes: BillingProfileUpdate = {};
  if (patch.billingEmail !== undefined) changes.billing_email = trimmedOrNull(patch.billingEmail);
  if (patch.companyName !== undefined) changes.company_name = trimmedOrNull(patch.companyName);
  if (patch.address !== undefined) changes.address = trimmedOrNull(patch.address);
  if (patch.taxId !== undefined) changes.tax_id = trimmedOrNull(patch.taxId);
  if (patch.countryCode !== undefined) {
    const code = patch.countryCode === null ? null : patch.countryCode.trim().toUpperCase();
    if (code !== null && !isCountryCode(code)) {
      throw invalidInput('body/countryCode must be an ISO 3166-1 alpha-2 country code, e.g. "DE"');
    }
    changes.country_code = code;
  }
  if (patch.spendLimit !== undefined) {
    changes.spend_limit_per_hour = amountField(
      'spendLimit',
      patch.spendLimit,
      1,
      deps.config.maxSpendLimitMicro,
      'more than 0',
    );
  }
  if (patch.lowBalanceThreshold !== undefined) {
    changes.low_balance_threshold = amountField(
      'lowBalanceThreshold',
      patch.lowBalanceThreshold,
      0,
      MAX_THRESHOLD_MICRO,
      'at least 0',
    );
  }
  if (Object.keys(changes).length === 0) {
    throw invalidInput('body must contain at least one field to change');
  }
  return changes;
}

/** A loggable view of billing columns: money as decimal strings. */
function auditView(row: BillingProfileUpdate): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    view[key] =
      key === 'spend_limit_per_hour' || key === 'low_balance_threshold'
        ? formatMoney(value as number)
        : value;
  }
  return view;
}

/** Changes the billing profile, spend limit or low-balance threshold (`billing.manage`). */
export function updateBilling(
  deps: Deps,
  caller: Caller,
  accountId: string,
  patch: BillingPatch,
): Promise<BillingDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'billing.update',
      resource: 'billing',
      resourceId: accountId,
      needs: 'billing.manage',
    },
    async ({ db: trx, now, audit }) => {
      const changes = changesOf(deps, patch);
      const before = await lockBillingAccount(trx, accountId, now.toISOString());
      if (!before) throw new Error(`billing row of ${accountId} missing`);
      const beforeView: BillingProfileUpdate = {};
      for (const key of Object.keys(changes) as (keyof BillingProfileUpdate)[]) {
        (beforeView as Record<string, unknown>)[key] = before[key];
      }
      const after = await updateBillingAccount(trx, accountId, changes, now.toISOString());
      await audit({ before: auditView(beforeView), after: auditView(changes) });
      return toBillingDto(deps, after, await deps.podUsage.spendPerHourOfLivePods(trx, accountId));
    },
  );
}

export interface TransactionQuery {
  kind?: BillingKind;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!new RegExp(UUID_PATTERN).test(id)) throw new AppError('invalid_cursor', 'Invalid cursor');
  return id;
}

function checkRange(from: string | undefined, to: string | undefined) {
  if (from && to && Date.parse(from) >= Date.parse(to)) {
    throw invalidInput('querystring/from must be before to');
  }
}

const iso = (text: string | undefined) => (text ? new Date(text).toISOString() : undefined);

/** One page of the account's ledger, newest first (`billing.view`). */
export function listBillingTransactions(
  deps: Deps,
  caller: Caller,
  accountId: string,
  query: TransactionQuery,
): Promise<{ items: TransactionDto[]; nextCursor: string | null }> {
  return readBilling(deps, caller, accountId, async (db) => {
    checkRange(query.from, query.to);
    const limit = query.limit ?? 50;
    const rows = await listTransactions(
      db,
      accountId,
      {
        kind: query.kind,
        from: iso(query.from),
        to: iso(query.to),
        beforeId: query.cursor ? decodeCursor(query.cursor) : undefined,
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toTransactionDto),
      nextCursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null,
    };
  });
}

const DAY_MS = 86_400_000;
export const MAX_USAGE_DAYS = 366;

export type UsageDto = Static<typeof UsageSchema>;

/** Usage charges by Pod and by UTC day in [from, to) — default the last 30 days (`billing.view`). */
export function getUsage(
  deps: Deps,
  caller: Caller,
  accountId: string,
  range: { from?: string; to?: string },
): Promise<UsageDto> {
  return readBilling(deps, caller, accountId, async (db) => {
    checkRange(range.from, range.to);
    const toMs = range.to ? Date.parse(range.to) : deps.clock.now().getTime();
    const fromMs = range.from
      ? Date.parse(range.from)
      : Math.floor(toMs / DAY_MS) * DAY_MS - 29 * DAY_MS;
    if (fromMs >= toMs) throw invalidInput('querystring/from must be before to');
    if (toMs - fromMs > MAX_USAGE_DAYS * DAY_MS) {
      throw invalidInput(`querystring/from must be at most ${MAX_USAGE_DAYS} days before to`);
    }
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const pods = await usageByPod(db, accountId, from, to);
    const days = new Map((await usageByDay(db, accountId, from, to)).map((d) => [d.day, d]));
    const names = await deps.podUsage.podNamesOf(
      db,
      accountId,
      pods.flatMap((p) => (p.podId ? [p.podId] : [])),
    );
    const byDay: UsageDto['byDay'] = [];
    for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS) {
      const key = new Date(day).toISOString().slice(0, 10);
      const found = days.get(key);
      byDay.push({
        day: key,
        amount: formatMoney(found?.amount ?? 0),
        durationMs: found?.durationMs ?? 0,
      });
    }
    return {
      from,
      to,
      currency: deps.config.currency,
      total: formatMoney(pods.reduce((sum, p) => sum + p.amount, 0)),
      byPod: pods.map((p) => ({
        podId: p.podId,
        podName: p.podId ? (names.get(p.podId) ?? null) : null,
        amount: formatMoney(p.amount),
        durationMs: p.durationMs,
      })),
      byDay,
    };
  });
}

export type StatementSummaryDto = Static<typeof StatementSummarySchema>;

function nextMonth(month: string): string {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  return mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, '0')}`;
}

const KIND_FIELD: Record<BillingKind, 'credits' | 'usage' | 'refunds' | 'adjustments'> = {
  credit: 'credits',
  usage: 'usage',
  refund: 'refunds',
  adjustment: 'adjustments',
};

/** Monthly statements from the first transaction's month to this one, newest first. */
export function listStatements(
  deps: Deps,
  caller: Caller,
  accountId: string,
): Promise<StatementSummaryDto[]> {
  return readBilling(deps, caller, accountId, async (db) => {
    const totals = await monthlyTotals(db, accountId);
    const first = totals[0];
    if (!first) return [];
    const current = deps.clock.now().toISOString().slice(0, 7);
    const statements: StatementSummaryDto[] = [];
    let balance = 0;
    for (let month = first.month; month <= current; month = nextMonth(month)) {
      const sums = { credits: 0, usage: 0, refunds: 0, adjustments: 0 };
      let count = 0;
      for (const t of totals.filter((t) => t.month === month)) {
        sums[KIND_FIELD[t.kind as BillingKind]] += t.amount;
        count += t.count;
      }
      const opening = balance;
      balance += sums.credits + sums.usage + sums.refunds + sums.adjustments;
      statements.push({
        month,
        currency: deps.config.currency,
        openingBalance: formatMoney(opening),
        credits: formatMoney(sums.credits),
        usage: formatMoney(sums.usage),
        refunds: formatMoney(sums.refunds),
        adjustments: formatMoney(sums.adjustments),
        closingBalance: formatMoney(balance),
        transactionCount: count,
      });
    }
    return statements.reverse();
  });
}

export type StatementDto = Static<typeof StatementSchema>;

/** One month's statement with every transaction in it (`billing.view`). */
export function getStatement(
  deps: Deps,
  caller: Caller,
  accountId: string,
  month: string,
): Promise<StatementDto> {
  return readBilling(deps, caller, accountId, async (db) => {
    if (month > deps.clock.now().toISOString().slice(0, 7)) throw notFound('Statement');
    const start = `${month}-01T00:00:00.000Z`;
    const end = `${nextMonth(month)}-01T00:00:00.000Z`;
    const opening = await sumLedger(db, accountId, start);
    const rows = await transactionsBetween(db, accountId, start, end);
    const sums = { credits: 0, usage: 0, refunds: 0, adjustments: 0 };
    for (const row of rows) sums[KIND_FIELD[row.kind]] += Number(row.amount);
    const closing = opening + sums.credits + sums.usage + sums.refunds + sums.adjustments;
    const billing = await billingRow(deps, db, accountId);
    return {
      month,
      accountId,
      currency: deps.config.currency,
      openingBalance: formatMoney(opening),
      credits: formatMoney(sums.credits),
      usage: formatMoney(sums.usage),
      refunds: formatMoney(sums.refunds),
      adjustments: formatMoney(sums.adjustments),
      closingBalance: formatMoney(closing),
      transactionCount: rows.length,
      profile: toProfile(billing),
      transactions: rows.map(toTransactionDto),
    };
  });
}

/** A CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvCell(value: string | number | null, text = false): string {
  let cell = value === null ? '' : String(value);
  if (text && /^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A statement as CSV: one line per transaction, then the totals. */
export function statementCsv(statement: StatementDto): string {
  const lines = [
    [
      'time',
      'id',
      'kind',
      'amount',
      'balance_after',
      'currency',
      'pod_id',
      'period_start',
      'period_end',
      'duration_ms',
      'actor',
      'note',
    ].join(','),
  ];
  for (const t of statement.transactions) {
    lines.push(
      [
        csvCell(t.time),
        csvCell(t.id),
        csvCell(t.kind),
        csvCell(t.amount),
        csvCell(t.balanceAfter),
        csvCell(statement.currency),
        csvCell(t.podId),
        csvCell(t.periodStart),
        csvCell(t.periodEnd),
        csvCell(t.durationMs),
        csvCell(t.actor.email ?? `${t.actor.type}:${t.actor.id ?? ''}`, true),
        csvCell(t.note, true),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
