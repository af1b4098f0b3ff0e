import type { Command } from 'commander';
import { type CliIo, clientFrom } from './client.js';
import { commandGroup, printJson, printList, shortTime } from './output.js';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  readOnly: boolean;
  createdByEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  disabled: boolean;
  expired: boolean;
}

/**
 * `gantry keys list|disable|revoke`. Creating and re-enabling keys needs a
 * signed-in user (the console), never a key.
 */
export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = commandGroup(program, 'keys', "API keys of the key's account");

  keys
    .command('list')
    .description('List my keys (with apikeys.manage: every key of the account)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const client = clientFrom(io);
      const page = await client.json<{ items: ApiKey[] }>(
        'GET',
        await client.accountPath('/api-keys'),
      );
      printList(
        io,
        options.json,
        [
          ['ID', (k) => k.id],
          ['NAME', (k) => k.name],
          ['PREFIX', (k) => `${k.prefix}…`],
          ['ACCESS', (k) => (k.readOnly ? 'read-only' : 'full')],
          ['STATE', (k) => (k.disabled ? 'disabled' : k.expired ? 'expired' : 'active')],
          ['CREATED BY', (k) => k.createdByEmail],
          ['LAST USED', (k) => shortTime(k.lastUsedAt)],
          ['EXPIRES', (k) => shortTime(k.expiresAt)],
        ],
        page.items,
        'No API keys.',
      );
    });

  keys
    .command('disable')
    .description('Disable a key (re-enable it in the console)')
    .argument('<keyId>', 'the key id (see "gantry keys list")')
    .option('--json', 'print JSON')
    .action(async (keyId: string, options: { json?: boolean }) => {
      const client = clientFrom(io);
      const key = await client.json<ApiKey>(
        'POST',
        await client.accountPath(`/api-keys/${encodeURIComponent(keyId)}/disable`),
      );
      if (options.json) {
        printJson(io, key);
        return;
      }
      io.stdout.write(`Disabled key ${key.name} (${key.prefix}…)\n`);
    });

  keys
    .command('revoke')
    .description('Revoke a key for good')
    .argument('<keyId>', 'the key id (see "gantry keys list")')
    .action(async (keyId: string) => {
      const client = clientFrom(io);
      await client.send(
        'DELETE',
        await client.accountPath(`/api-keys/${encodeURIComponent(keyId)}`),
      );
      io.stdout.write(`Revoked key ${keyId}\n`);
    });
}
