import { createWriteStream, rmSync } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Command, Option } from 'commander';
import { type CliIo, clientFrom } from './client.js';
import type { OperatorOptions } from './operator.js';
import { commandGroup, isoTime, printList, shortTime, wholeNumber } from './output.js';

interface AuditEvent {
  id: string;
  time: string;
  actor: { type: string; id: string | null; userId: string | null; email: string | null };
  action: string;
  resource: { type: string; id: string | null };
  outcome: string;
}

interface FilterOptions {
  from?: string;
  to?: string;
  user?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
}

/** The API's audit filters, as options shared by `list` and `export`. */
function addFilterOptions(command: Command): Command {
  return command
    .option('--from <time>', 'events at or after this date or time', isoTime)
    .option('--to <time>', 'events before this date or time', isoTime)
    .option('--user <userId>', 'events caused by this user, directly or through their keys')
    .option('--action <action>', 'e.g. pod.create, apikey.revoke')
    .option('--resource-type <type>', 'account, member, invite, pod, billing, apikey or audit')
    .option('--resource-id <id>', 'one resource')
    .addOption(
      new Option('--outcome <outcome>', 'success, denied or failure').choices([
        'success',
        'denied',
        'failure',
      ]),
    );
}

function filterQuery(options: FilterOptions) {
  return {
    from: options.from,
    to: options.to,
    userId: options.user,
    action: options.action,
    resourceType: options.resourceType,
    resourceId: options.resourceId,
    outcome: options.outcome,
  };
}

function actorOf(event: AuditEvent): string {
  const who = event.actor.email ?? event.actor.id ?? event.actor.type;
  return event.actor.type === 'apikey' ? `${who} (key)` : who;
}

/** Counts lines and bytes flowing through, and shows progress on stderr. */
function progressCounter(io: CliIo) {
  const state = { bytes: 0, lines: 0 };
  let shownAt = 0;
  const show = () => {
    io.stderr.write(`\rExporting… ${state.lines} lines, ${(state.bytes / 1024).toFixed(0)} KiB`);
  };
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      state.bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) state.lines += 1;
      const now = Date.now();
      if (io.stderr.isTTY && now - shownAt > 100) {
        shownAt = now;
        show();
      }
      done(null, chunk);
    },
  });
  return { transform, state };
}

/** `gantry audit list|export`. */
export function registerAuditCommands(
  program: Command,
  io: CliIo,
  operator: OperatorOptions = {},
): void {
  const audit = commandGroup(program, 'audit', "The key's account audit log");

  addFilterOptions(
    audit
      .command('list')
      .description('List audit events, newest first (needs audit.view)')
      .option('--limit <n>', 'events per page, 1 to 1000', wholeNumber(1, 1000))
      .option('--cursor <cursor>', 'continue from a previous page')
      .option('--json', 'print JSON: { items, nextCursor }'),
  ).action(async (options: FilterOptions & { limit?: number; cursor?: string; json?: boolean }) => {
    const client = clientFrom(io);
    const page = await client.json<{ items: AuditEvent[]; nextCursor: string | null }>(
      'GET',
      await client.accountPath('/audit-logs'),
      { query: { ...filterQuery(options), limit: options.limit, cursor: options.cursor } },
    );
    if (options.json) {
      io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    printList(
      io,
      false,
      [
        ['TIME', (e) => shortTime(e.time)],
        ['ACTOR', actorOf],
        ['ACTION', (e) => e.action],
        [
          'RESOURCE',
          (e) => (e.resource.id ? `${e.resource.type}:${e.resource.id}` : e.resource.type),
        ],
        ['OUTCOME', (e) => e.outcome],
      ],
      page.items,
      'No events.',
    );
    if (page.nextCursor) io.stderr.write(`More events: --cursor ${page.nextCursor}\n`);
  });

  addFilterOptions(
    audit
      .command('export')
      .description('Stream the filtered audit log as JSON Lines or CSV (needs audit.view)')
      .addOption(
        new Option('--format <format>', 'jsonl or csv').choices(['jsonl', 'csv']).default('jsonl'),
      )
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option(
        '--account <accountId>',
        'operator: export this account straight from the database (DATABASE_URL or ' +
          'GANTRY_DATA_DIR), audited as the operator; no API key needed',
      ),
  ).action(
    async (options: FilterOptions & { format: string; output?: string; account?: string }) => {
      if (options.account) {
        const { exportFromDatabase } = await import('../audit/audit.cli.js');
        await exportFromDatabase({ ...options, account: options.account }, operator);
        return;
      }
      const client = clientFrom(io);
      const response = await client.send('GET', await client.accountPath('/audit-logs/export'), {
        query: { ...filterQuery(options), format: options.format },
      });
      if (!response.body) throw new Error('The server sent an empty export');
      const { transform, state } = progressCounter(io);
      const destination: Writable = options.output
        ? createWriteStream(options.output, { mode: 0o600 })
        : io.stdout;
      const source = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      try {
        await pipeline(source, transform, destination, { end: Boolean(options.output) });
      } catch (error) {
        if (options.output) rmSync(options.output, { force: true });
        throw error;
      }
      const events = options.format === 'csv' ? Math.max(0, state.lines - 1) : state.lines;
      if (io.stderr.isTTY) io.stderr.write('\r\u001b[K');
      io.stderr.write(
        `Exported ${events} events (${state.bytes} bytes)${options.output ? ` to ${options.output}` : ''}\n`,
      );
    },
  );
}
