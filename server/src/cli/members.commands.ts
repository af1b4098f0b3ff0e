import type { Command } from 'commander';
import { type CliIo, clientFrom } from './client.js';
import { commandGroup, printList, shortTime } from './output.js';

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  isOwner: boolean;
  joinedAt: string;
}

/** `gantry members list`. */
export function registerMembersCommands(program: Command, io: CliIo): void {
  const members = commandGroup(program, 'members', "The members of the key's team account");
  members
    .command('list')
    .description('List members with their roles (needs members.manage)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const client = clientFrom(io);
      const page = await client.json<{ items: Member[] }>(
        'GET',
        await client.accountPath('/members'),
      );
      printList(
        io,
        options.json,
        [
          ['NAME', (m) => m.name],
          ['EMAIL', (m) => m.email],
          ['ROLE', (m) => m.role],
          ['OWNER', (m) => (m.isOwner ? 'yes' : '')],
          ['JOINED', (m) => shortTime(m.joinedAt)],
          ['USER ID', (m) => m.userId],
        ],
        page.items,
        'No members.',
      );
    });
}
