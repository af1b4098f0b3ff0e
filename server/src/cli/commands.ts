import type { Command } from 'commander';
import { registerAuditCommands } from './audit.commands.js';
import type { CliIo } from './client.js';
import { registerInvitesCommands } from './invites.commands.js';
import { registerKeysCommands } from './keys.commands.js';
import { registerLoginCommands } from './login.commands.js';
import { registerMembersCommands } from './members.commands.js';
import { registerPodsCommands } from './pods.commands.js';

/** Every user command: they talk to a Gantry server over HTTP with an API key. */
export function registerClientCommands(program: Command, io: CliIo): void {
  registerLoginCommands(program, io);
  registerPodsCommands(program, io);
  registerMembersCommands(program, io);
  registerInvitesCommands(program, io);
  registerAuditCommands(program, io);
  registerKeysCommands(program, io);
}
