import type { Command } from 'commander';
import {
  CliError,
  type CliIo,
  clientFrom,
  configPathOf,
  GantryClient,
  normalizeUrl,
  removeConfigFile,
  writeConfigFile,
} from './client.js';
import { EXIT } from './exit-codes.js';
import { printJson } from './output.js';

interface MeAnswer {
  user: { id: string; email: string; name: string };
  memberships: Array<{
    account: { id: string; name: string; kind: string; permissions: string[] };
    role: string;
    isOwner: boolean;
  }>;
}

async function readKeyFromStdin(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write('API key: ');
  let text = '';
  for await (const chunk of io.stdin) {
    text += String(chunk);
    if (io.stdin.isTTY && text.includes('\n')) break;
  }
  return text.trim();
}

function describeMe(io: CliIo, me: MeAnswer, url: string): void {
  const membership = me.memberships[0];
  io.stdout.write(`Server:   ${url}\n`);
  io.stdout.write(`User:     ${me.user.name} <${me.user.email}>\n`);
  if (membership) {
    io.stdout.write(`Account:  ${membership.account.name} (${membership.account.id})\n`);
    io.stdout.write(`Role:     ${membership.role}${membership.isOwner ? ' (owner)' : ''}\n`);
    io.stdout.write(`Can:      ${membership.account.permissions.join(', ')}\n`);
  }
}

/** `gantry login`, `gantry logout`, `gantry whoami`. */
export function registerLoginCommands(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('Check an API key against a server and save both in the config file (mode 0600)')
    .requiredOption('--url <url>', 'the Gantry server, e.g. https://gantry.example.com')
    .option('--key <key>', 'the API key (gnt_…); read from GANTRY_API_KEY or stdin when omitted')
    .addHelpText(
      'after',
      '\nThe key is saved in $XDG_CONFIG_HOME/gantry/config.json (or ~/.config/gantry/config.json);\nGANTRY_URL and GANTRY_API_KEY take precedence over it.',
    )
    .action(async (options: { url: string; key?: string }) => {
      const url = normalizeUrl(options.url);
      const apiKey = options.key ?? io.env.GANTRY_API_KEY ?? (await readKeyFromStdin(io));
      if (!/^gnt_[A-Za-z0-9_-]+$/.test(apiKey)) {
        throw new CliError(EXIT.usage, 'That is not a Gantry API key (they start with gnt_)');
      }
      const me = await new GantryClient(url, apiKey).json<MeAnswer>('GET', '/me');
      const path = configPathOf(io.env);
      writeConfigFile(path, { url, apiKey });
      io.stdout.write(`Logged in; saved to ${path}\n`);
      describeMe(io, me, url);
    });

  program
    .command('logout')
    .description('Forget the saved server and API key (the key itself stays valid)')
    .action(() => {
      const path = configPathOf(io.env);
      io.stdout.write(removeConfigFile(path) ? `Removed ${path}\n` : 'Not logged in\n');
    });

  program
    .command('whoami')
    .description("Show the key's user, account, role and permissions")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const client = clientFrom(io);
      const me = await client.json<MeAnswer>('GET', '/me');
      if (options.json) {
        const membership = me.memberships[0];
        printJson(io, { user: me.user, account: membership?.account, role: membership?.role });
        return;
      }
      describeMe(io, me, client.baseUrl);
    });
}
