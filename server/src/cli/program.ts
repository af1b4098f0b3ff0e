import type { Command } from 'commander';
import { registerAuditCommands } from '../audit/audit.cli.js';
import { registerUserCommands } from '../auth/auth.cli.js';
import { registerBillingCommands } from '../billing/billing.cli.js';
import type { CliIo } from './client.js';
import { registerClientCommands } from './commands.js';
import type { OperatorOptions } from './operator.js';

/**
 * Every command of `gantry` but `serve` and `migrate`: the user commands (HTTP, output to
 * `io`) and the operator commands (on the database, as `operator` says; tests hand it their
 * own database and capture the output and exit codes).
 */
export function registerCommands(program: Command, io: CliIo, operator: OperatorOptions = {}) {
  registerClientCommands(program, io, operator);
  registerAuditCommands(program, operator);
  registerBillingCommands(program, operator);
  registerUserCommands(program, operator);
}
