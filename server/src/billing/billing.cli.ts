import type { Command } from 'commander';
import { operatorContext } from '../audit/audit.events.js';
import { EXIT } from '../cli/exit-codes.js';
import {
  type OperatorIo,
  type OperatorOptions,
  operatorAction,
  processOperatorIo,
} from '../cli/operator.js';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';
import { operatorProvider, parseCreditAmount } from './payments.js';

/**
 * `gantry billing credit <accountId> <amount> [--note …]`: adds credit through the
 * built-in operator payment provider. Returns the exit code; writes nothing on bad input.
 */
export async function runCreditCommand(
  deps: Deps,
  args: { accountId: string; amount: string; note?: string },
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  try {
    const amountMicro = parseCreditAmount(args.amount);
    const tx = await operatorProvider.credit(deps, operatorContext(), {
      accountId: args.accountId,
      amountMicro,
      note: args.note ?? null,
    });
    io.out(
      `Credited ${tx.amount} ${deps.config.currency} to account ${args.accountId}; balance ${tx.balanceAfter} (transaction ${tx.id})\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof AppError) {
      io.err(
        `gantry: ${error.code === 'not_found' ? `No account with id "${args.accountId}"` : error.message}\n`,
      );
      if (error.code === 'invalid_input') return EXIT.usage;
      return error.code === 'not_found' ? EXIT.notFound : EXIT.failure;
    }
    throw error;
  }
}

/** Adds `gantry billing …` to the command line program. */
export function registerBillingCommands(program: Command, options: OperatorOptions = {}): void {
  const billing = program.command('billing').description('Billing: balances and credits');
  billing
    .command('credit')
    .description(
      'Add credit to an account (the built-in payment provider); audited as billing.credit',
    )
    .argument('<accountId>', 'the account to credit')
    .argument('<amount>', 'decimal currency units, at most 6 decimals, e.g. 25.00')
    .option('--note <text>', 'why, shown in the ledger and audit log')
    .action(
      operatorAction(
        options,
        (deps, io, accountId: string, amount: string, flags: { note?: string }) =>
          runCreditCommand(
            deps,
            { accountId, amount, ...(flags.note !== undefined ? { note: flags.note } : {}) },
            io,
          ),
      ),
    );
}
