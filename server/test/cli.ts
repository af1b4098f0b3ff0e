import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/cli/client.js';
import { createProgram, runProgram } from '../src/cli/output.js';
import { registerCommands } from '../src/cli/program.js';
import type { Deps } from '../src/context.js';

/** The package's `gantry` binary. */
export const GANTRY_BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/gantry.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `gantry` binary in a child process with only PATH and `env`
 * (asynchronously, so a Gantry served by the test process keeps answering).
 */
export function spawnGantry(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [GANTRY_BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs `gantry` in this process: the program `bin/gantry.mjs` runs (but `serve` and
 * `migrate`), output captured, `env` as its environment. The operator commands work on
 * `deps` (the test's Gantry); the code is the one the process would exit with.
 */
export async function runGantry(
  args: string[],
  env: Record<string, string>,
  deps?: Deps,
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([]), env };
  const exits: number[] = [];
  const program = createProgram(io);
  registerCommands(program, io, {
    ...(deps ? { open: async () => ({ deps, close: async () => {} }) } : {}),
    io: { out: (text) => out.push(text), err: (text) => err.push(text) },
    exit: (code) => void exits.push(code),
  });
  const code = await runProgram(program, args, io);
  return { code: exits[0] ?? code, stdout: out.join(''), stderr: err.join('') };
}
