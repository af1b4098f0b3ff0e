import type { Command } from 'commander';
import { operatorContext } from '../audit/audit.events.js';
import { type OpenedDeps, openOperatorDeps } from '../cli/operator.js';
import { ConfigError } from '../config.js';
import type { Deps } from '../context.js';
import { AppError } from '../errors.js';
import { operatorProvider, parseCreditAmount } from './payments.js';

/** Where a command writes; tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes as in cli/main.ts: 0 ok, 1 failure, 2 usage or configuration error. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * `gantry billing credit <accountId> <amount> [--note …]`: adds credit through the
 * built-in operator payment provider. Returns the exit code; writes nothing on bad input.
 */
export async function runCreditCommand(
  deps: Deps,
  args: { accountId: string; amount: string; note?: string },
  io: CliIo = processIo,
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
      return error.code === 'invalid_input' ? EXIT.usage : EXIT.failure;
    }
    throw error;
  }
}

/** Adds `gantry billing …` to the command line program. */
export function registerBillingCommands(
  program: Command,
  options: { open?: () => Promise<OpenedDeps>; io?: CliIo; exit?: (code: number) => void } = {},
): void {
  const open = options.open ?? openOperatorDeps;
  const io = options.io ?? processIo;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const billing = program.command('billing').description('Billing: balances and credits');
  billing
    .command('credit')
    .description(
      'Add credit to an account (the built-in payment provider); audited as billing.credit',
    )
    .argument('<accountId>', 'the account to credit')
    .argument('<amount>', 'decimal currency units, at most 6 decimals, e.g. 25.00')
    .option('--note <text>', 'why, shown in the ledger and audit log')
    .action(async (accountId: string, amount: string, flags: { note?: string }) => {
      let opened: OpenedDeps;
      try {
        opened = await open();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        io.err(`gantry: ${error.message}\n`);
        return exit(EXIT.usage);
      }
      let code: number;
      try {
        code = await runCreditCommand(
          opened.deps,
          { accountId, amount, ...(flags.note !== undefined ? { note: flags.note } : {}) },
          io,
        );
      } finally {
        await opened.close();
      }
      if (code !== EXIT.ok) exit(code);
    });
}
