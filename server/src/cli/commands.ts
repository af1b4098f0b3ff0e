import type { Command } from 'commander';
import { registerAuditCommands } from './audit.commands.js';
import type { CliIo } from './client.js';
import { registerInvitesCommands } from './invites.commands.js';
import { registerKeysCommands } from './keys.commands.js';
import { registerLoginCommands } from './login.commands.js';
import { registerMembersCommands } from './members.commands.js';
import type { OperatorOptions } from './operator.js';
import { registerPodsCommands } from './pods.commands.js';

/**
 * Every user command: they talk to a Gantry server over HTTP with an API key (`operator`: how
 * `audit export --account`, the one operator option among them, reaches the database).
 */
export function registerClientCommands(
  program: Command,
  io: CliIo,
  operator: OperatorOptions = {},
): void {
  registerLoginCommands(program, io);
  registerPodsCommands(program, io);
  registerMembersCommands(program, io);
  registerInvitesCommands(program, io);
  registerAuditCommands(program, io, operator);
  registerKeysCommands(program, io);
}
