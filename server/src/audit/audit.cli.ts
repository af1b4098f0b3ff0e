import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { findAccount } from '../accounts/accounts.store.js';
import { EXIT } from '../cli/exit-codes.js';
import {
  type OperatorIo,
  type OperatorOptions,
  operatorAction,
  processOperatorIo,
} from '../cli/operator.js';
import { commandGroup } from '../cli/output.js';
import type { Deps } from '../context.js';
import { transact } from '../db/transaction.js';
import { AppError } from '../errors.js';
import { checkQuery } from '../http/validation.js';
import { auditorOf } from '../permissions/access.js';
import { operatorContext } from './audit.events.js';
import { AuditExportQuery } from './audit.schemas.js';
import {
  type ExportFormat,
  parseFilters,
  pruneAuditEvents,
  startAuditExport,
  verifyAuditChain,
} from './audit.service.js';
import { listChainAccounts } from './audit.store.js';

class UsageError extends Error {}

/**
 * Runs an audit command's body: a bad option or filter (a UsageError, an `invalid_input`) is
 * exit code 2, an unknown account 5, with the problem on stderr.
 */
async function answering(io: OperatorIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof AppError)) throw error;
    io.err(`gantry: ${error.message}\n`);
    if (error instanceof AppError && error.code === 'not_found') return EXIT.notFound;
    return EXIT.usage;
  }
}

export interface ExportOptions {
  account: string;
  format: string;
  output?: string;
  from?: string;
  to?: string;
  user?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
}

/** Adds the operator's `gantry audit verify | prune` (straight on the database). */
export function registerAuditCommands(program: Command, options: OperatorOptions = {}): void {
  const audit = commandGroup(program, 'audit', 'Audit log');

  audit
    .command('verify')
    .description(`Verify audit hash chains; exit code ${EXIT.brokenChain} when one is broken`)
    .option('--account <id>', 'only this account (default: every account)')
    .action(
      operatorAction(options, (deps, io, flags: { account?: string }) =>
        runAuditVerify(deps, flags, io),
      ),
    );

  audit
    .command('prune')
    .description('Delete events older than each account’s retention, keeping chains verifiable')
    .option('--account <id>', 'only this account')
    .action(
      operatorAction(options, (deps, io, flags: { account?: string }) =>
        runAuditPrune(deps, flags, io),
      ),
    );
}

/**
 * `gantry audit verify [--account ID]`: checks every account's hash chain (or one) and names
 * the first broken link of each broken one. Exit code 7 when any is broken.
 */
export async function runAuditVerify(
  deps: Deps,
  options: { account?: string },
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  const accounts = options.account ? [options.account] : await listChainAccounts(deps.db);
  let broken = 0;
  for (const accountId of accounts) {
    const result = await verifyAuditChain(deps.db, accountId);
    if (result.ok) {
      io.out(`ok      ${accountId}  ${result.checked} events\n`);
      continue;
    }
    broken += 1;
    io.out(
      `BROKEN  ${accountId}  first broken link at seq ${result.firstBrokenSeq}` +
        `${result.firstBrokenId ? ` (event ${result.firstBrokenId})` : ''}: ${result.reason}\n`,
    );
  }
  io.out(`${accounts.length} account(s) checked, ${broken} broken\n`);
  return broken > 0 ? EXIT.brokenChain : EXIT.ok;
}

/** `gantry audit prune [--account ID]`: deletes events past each account's retention. */
export async function runAuditPrune(
  deps: Deps,
  options: { account?: string },
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  const results = await pruneAuditEvents(deps, deps.clock.now(), {
    ...(options.account ? { accountId: options.account } : {}),
    context: operatorContext(),
  });
  for (const r of results) {
    io.out(
      `${r.accountId}  retention ${r.retentionDays} d  cutoff ${r.cutoff}  deleted ${r.deleted}\n`,
    );
  }
  io.out(`${results.length} account(s) with a retention period\n`);
  return EXIT.ok;
}

/** The export query's fields, as the command line names them. */
const OPTIONS: Record<string, string> = {
  userId: 'user',
  resourceType: 'resource-type',
  resourceId: 'resource-id',
};

/**
 * The operator's `gantry audit export --account ID` as the command line runs it (see
 * {@link runAuditExport}), through the shared operator action.
 */
export function exportFromDatabase(
  options: ExportOptions,
  operator: OperatorOptions = {},
): Promise<void> {
  return operatorAction(operator, (deps, io) => runAuditExport(deps, options, io))();
}

/**
 * The operator's `gantry audit export --account ID`: streams an account's log straight from
 * the database (to `--output`, else stdout), audited as `audit.export` by the operator.
 */
export function runAuditExport(
  deps: Deps,
  options: ExportOptions,
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  return answering(io, async () => {
    const query = Object.fromEntries(
      Object.entries({
        from: options.from,
        to: options.to,
        userId: options.user,
        action: options.action,
        resourceType: options.resourceType,
        resourceId: options.resourceId,
        outcome: options.outcome,
        format: options.format,
      }).filter(([, v]) => v !== undefined),
    );
    const problem = checkQuery(AuditExportQuery, query, (field) => `--${OPTIONS[field] ?? field}`);
    if (problem) throw new UsageError(problem);
    const filters = parseFilters(query);
    if (!(await findAccount(deps.db, options.account))) {
      throw new AppError('not_found', `No account ${options.account}`);
    }
    const account = options.account;
    const result = await startAuditExport(
      deps,
      (details) =>
        transact(deps.db, (trx) =>
          auditorOf(
            trx,
            operatorContext(),
            deps.clock.now(),
            account,
            'audit.export',
            'audit',
            account,
          )(details),
        ),
      account,
      filters,
      options.format as ExportFormat,
    );
    await pipeline(
      result.stream,
      options.output ? createWriteStream(options.output) : stdoutOf(io),
    );
    if (options.output) io.err(`Wrote ${options.output}\n`);
    return EXIT.ok;
  });
}

/** Where streamed output goes: the io's stream when it has one, else its `out`. */
function stdoutOf(io: OperatorIo): Writable {
  if (io.stdout) return io.stdout;
  return new Writable({
    write(chunk, _encoding, done) {
      io.out(String(chunk));
      done();
    },
  });
}
