import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ApiError, CliError, type CliIo } from './client.js';
import { EXIT } from './exit-codes.js';

/** One column of a table: its header and how to show a row's cell. */
export type Column<T> = [header: string, cell: (row: T) => string | number | boolean | null];

/** Plain aligned columns for people; scripts use `--json`. */
export function formatTable<T>(columns: Column<T>[], rows: T[]): string {
  const cells = rows.map((row) =>
    columns.map(([, cell]) => {
      const value = cell(row);
      return value === null || value === undefined ? '-' : String(value);
    }),
  );
  const widths = columns.map(([header], i) =>
    Math.max(header.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map(([h]) => h)), ...cells.map(line)].join('\n')}\n`;
}

/** An ISO time as people read it: `2026-01-31 14:05` (UTC). */
export function shortTime(iso: string | null | undefined): string | null {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')}` : null;
}

/** Prints rows as a table, or as JSON with `--json`. */
export function printList<T>(
  io: CliIo,
  json: boolean | undefined,
  columns: Column<T>[],
  rows: T[],
  empty: string,
): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  io.stdout.write(rows.length ? formatTable(columns, rows) : `${empty}\n`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses a whole number option from `min` to `max`. */
export const wholeNumber = (min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
};

/** Parses a date or date-time option into ISO 8601 UTC. */
export const isoTime = (raw: string) => {
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('must be a date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z');
  return new Date(ms).toISOString();
};

/**
 * The `gantry` program: help after usage errors, output to `io`, and usage
 * errors turned into exceptions so {@link runProgram} picks the exit code.
 */
export function createProgram(io: CliIo): Command {
  return new Command('gantry')
    .description('Gantry: accounts, teams and access for a GPU cloud console')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
}

/** A subcommand group (`gantry pods …`), created once and shared by every module adding to it. */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  return existing ?? program.command(name).description(description);
}

/** Runs the program on `argv` (without node and script) and answers the exit code. */
export async function runProgram(program: Command, argv: string[], io: CliIo): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the problem (or the help that was asked for).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`gantry: ${error.message} (${error.status} ${error.code})\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      io.stderr.write(`gantry: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`gantry: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}
