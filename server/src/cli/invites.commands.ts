import { type Command, Option } from 'commander';
import { type CliIo, clientFrom } from './client.js';
import { commandGroup, printJson, printList, shortTime, wholeNumber } from './output.js';

interface Invite {
  id: string;
  role: string;
  url: string;
  email: string | null;
  expiresAt: string;
  maxUses: number;
  uses: number;
  createdAt: string;
  createdBy: string;
}

/** `gantry invites create|list|revoke`. */
export function registerInvitesCommands(program: Command, io: CliIo): void {
  const invites = commandGroup(program, 'invites', "Invitations to the key's team account");

  invites
    .command('list')
    .description('List pending invites with their links (needs members.manage)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const client = clientFrom(io);
      const page = await client.json<{ items: Invite[] }>(
        'GET',
        await client.accountPath('/invites'),
      );
      printList(
        io,
        options.json,
        [
          ['ID', (i) => i.id],
          ['ROLE', (i) => i.role],
          ['EMAIL', (i) => i.email],
          ['USES', (i) => `${i.uses}/${i.maxUses}`],
          ['EXPIRES', (i) => shortTime(i.expiresAt)],
          ['LINK', (i) => i.url],
        ],
        page.items,
        'No pending invites.',
      );
    });

  invites
    .command('create')
    .description('Create an invite link with a role (needs members.manage)')
    .addOption(
      new Option('--role <role>', 'the role offered')
        .choices(['basic', 'billing', 'dev', 'admin'])
        .makeOptionMandatory(),
    )
    .option('--email <email>', 'only the user with this email may accept')
    .option('--expires-in-hours <hours>', 'from 1 to 720 (default 168)', wholeNumber(1, 720))
    .option('--max-uses <uses>', 'how many people may join with it, 1 to 100', wholeNumber(1, 100))
    .option('--json', 'print JSON')
    .action(
      async (options: {
        role: string;
        email?: string;
        expiresInHours?: number;
        maxUses?: number;
        json?: boolean;
      }) => {
        const client = clientFrom(io);
        const invite = await client.json<Invite>('POST', await client.accountPath('/invites'), {
          body: {
            role: options.role,
            email: options.email,
            expiresInHours: options.expiresInHours,
            maxUses: options.maxUses,
          },
        });
        if (options.json) {
          printJson(io, invite);
          return;
        }
        io.stdout.write(
          `Invite ${invite.id} (${invite.role}, expires ${shortTime(invite.expiresAt)} UTC):\n${invite.url}\n`,
        );
      },
    );

  invites
    .command('revoke')
    .description('Revoke a pending invite (needs members.manage)')
    .argument('<inviteId>', 'the invite id (see "gantry invites list")')
    .action(async (inviteId: string) => {
      const client = clientFrom(io);
      await client.send(
        'DELETE',
        await client.accountPath(`/invites/${encodeURIComponent(inviteId)}`),
      );
      io.stdout.write(`Revoked invite ${inviteId}\n`);
    });
}
