import type { Command } from 'commander';
import { EXIT } from '../cli/exit-codes.js';
import {
  type OperatorIo,
  type OperatorOptions,
  operatorAction,
  processOperatorIo,
} from '../cli/operator.js';
import type { Deps } from '../context.js';
import type { MailOutboxRow } from '../db/schema.js';
import { contentOf, findOutboxMail, listOutbox, mailConfigured } from './mail.outbox.js';

/** Where a mail stands, as the operator reads it. */
function statusOf(deps: Deps, row: MailOutboxRow): string {
  if (row.sent_at) return `sent ${row.sent_at}`;
  if (row.failed_at) return `given up ${row.failed_at} after ${row.attempts} attempts`;
  if (!mailConfigured(deps)) return 'kept (no GANTRY_SMTP_URL)';
  if (Number(row.attempts) === 0) return 'waiting';
  return `retrying at ${row.next_attempt_at} (${row.attempts} attempts)`;
}

/** `gantry mail list`: the outbox, newest first, with each mail's state and last error. */
export async function runMailListCommand(
  deps: Deps,
  limit: number,
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  const rows = await listOutbox(deps.db, limit);
  if (rows.length === 0) {
    io.out('The outbox is empty.\n');
    return EXIT.ok;
  }
  for (const row of rows) {
    io.out(`${row.id}  ${row.created_at}  ${row.kind}  to ${row.to_address}\n`);
    io.out(`    ${row.subject}\n    ${statusOf(deps, row)}\n`);
    if (row.last_error && !row.sent_at) io.out(`    last error: ${row.last_error}\n`);
  }
  return EXIT.ok;
}

/** `gantry mail show ID`: one mail's headers and its plain-text part (with its links). */
export async function runMailShowCommand(
  deps: Deps,
  id: string,
  io: OperatorIo = processOperatorIo,
): Promise<number> {
  const row = await findOutboxMail(deps.db, id);
  if (!row) {
    io.err(`gantry: No mail with the id "${id}"\n`);
    return EXIT.failure;
  }
  const content = contentOf(deps, row);
  io.out(
    `To: ${row.to_address}\nFrom: ${deps.config.mailFrom}\nSubject: ${row.subject}\n` +
      `Created: ${row.created_at}\nStatus: ${statusOf(deps, row)}\n` +
      (row.last_error && !row.sent_at ? `Last error: ${row.last_error}\n` : '') +
      '\n' +
      (content?.text ?? '(sealed under another GANTRY_SECRET: the content cannot be read)\n'),
  );
  return EXIT.ok;
}

/** Adds `gantry mail …` to the command line program. */
export function registerMailCommands(program: Command, options: OperatorOptions = {}): void {
  const mail = program.command('mail').description('The outbox of mail Gantry sends');
  mail
    .command('list')
    .description('List the outbox, newest first: what was sent, what waits, and the last error')
    .option('--limit <n>', 'how many', '50')
    .action(
      operatorAction(options, (deps, io, opts: { limit: string }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          io.err('gantry: --limit must be a whole number from 1 to 10000\n');
          return Promise.resolve(EXIT.usage);
        }
        return runMailListCommand(deps, limit, io);
      }),
    );
  mail
    .command('show')
    .description('Show one mail: its headers and text, with the links in it')
    .argument('<id>', 'the id from gantry mail list')
    .action(operatorAction(options, (deps, io, id: string) => runMailShowCommand(deps, id, io)));
}
