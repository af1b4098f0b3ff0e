import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { findAccount } from '../accounts/accounts.store.js';
import { withOperatorDeps } from '../cli/operator.js';
import { commandGroup } from '../cli/output.js';
import { ConfigError } from '../config.js';
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

/** Exit codes of the audit commands: 0 ok, 1 failure, 2 usage, 3 a broken chain. */
export const AUDIT_EXIT = { ok: 0, failure: 1, usage: 2, broken: 3 } as const;

class UsageError extends Error {}

/** The operator's dependencies; a configuration problem is a usage error. */
async function withDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  try {
    return await withOperatorDeps(fn);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function run(action: () => Promise<number>): Promise<void> {
  return action().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const usage = error instanceof UsageError || error instanceof AppError;
      process.stderr.write(`gantry: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = usage ? AUDIT_EXIT.usage : AUDIT_EXIT.failure;
    },
  );
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
export function registerAuditCommands(program: Command): void {
  const audit = commandGroup(program, 'audit', 'Audit log');

  audit
    .command('verify')
    .description('Verify audit hash chains; exit code 3 when one is broken')
    .option('--account <id>', 'only this account (default: every account)')
    .action((options: { account?: string }) =>
      run(() =>
        withDeps(async (deps) => {
          const accounts = options.account ? [options.account] : await listChainAccounts(deps.db);
          let broken = 0;
          for (const accountId of accounts) {
            const result = await verifyAuditChain(deps.db, accountId);
            if (result.ok) {
              process.stdout.write(`ok      ${accountId}  ${result.checked} events\n`);
              continue;
            }
            broken += 1;
            process.stdout.write(
              `BROKEN  ${accountId}  first broken link at seq ${result.firstBrokenSeq}` +
                `${result.firstBrokenId ? ` (event ${result.firstBrokenId})` : ''}: ${result.reason}\n`,
            );
          }
          process.stdout.write(`${accounts.length} account(s) checked, ${broken} broken\n`);
          return broken > 0 ? AUDIT_EXIT.broken : AUDIT_EXIT.ok;
        }),
      ),
    );

  audit
    .command('prune')
    .description('Delete events older than each account’s retention, keeping chains verifiable')
    .option('--account <id>', 'only this account')
    .action((options: { account?: string }) =>
      run(() =>
        withDeps(async (deps) => {
          const results = await pruneAuditEvents(deps, deps.clock.now(), {
            ...(options.account ? { accountId: options.account } : {}),
            context: operatorContext(),
          });
          for (const r of results) {
            process.stdout.write(
              `${r.accountId}  retention ${r.retentionDays} d  cutoff ${r.cutoff}  deleted ${r.deleted}\n`,
            );
          }
          process.stdout.write(`${results.length} account(s) with a retention period\n`);
          return AUDIT_EXIT.ok;
        }),
      ),
    );
}

/** The export query's fields, as the command line names them. */
const OPTIONS: Record<string, string> = {
  userId: 'user',
  resourceType: 'resource-type',
  resourceId: 'resource-id',
};

/**
 * The operator's `gantry audit export --account ID`: streams an account's log straight from
 * the database, audited as `audit.export` by the operator.
 */
export function exportFromDatabase(options: ExportOptions): Promise<void> {
  return run(() =>
    withDeps(async (deps) => {
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
      const problem = checkQuery(
        AuditExportQuery,
        query,
        (field) => `--${OPTIONS[field] ?? field}`,
      );
      if (problem) throw new UsageError(problem);
      const filters = parseFilters(query);
      if (!(await findAccount(deps.db, options.account))) {
        throw new UsageError(`No account ${options.account}`);
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
        options.output ? createWriteStream(options.output) : process.stdout,
      );
      if (options.output) process.stderr.write(`Wrote ${options.output}\n`);
      return AUDIT_EXIT.ok;
    }),
  );
}
