import type { Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../config.js';
import type { Deps } from '../context.js';
import { EXIT } from './exit-codes.js';

/** Services for one operator command run, and how to release them. */
export interface OpenedDeps {
  deps: Deps;
  close(): Promise<void>;
}

/**
 * Opens the configured database (DATABASE_URL or GANTRY_DATA_DIR), migrated, as the services'
 * dependencies with quiet logs. Starts no Pods and no jobs, so it is safe beside a running
 * server. A bad setting throws a ConfigError. The database drivers and services are loaded
 * here, on first use, so that the user commands (HTTP only) start quickly.
 */
export async function openOperatorDeps(): Promise<OpenedDeps> {
  const config = loadConfig();
  const [{ openDatabase }, { migrateToLatest }, { createLogger }, { createDeps }] =
    await Promise.all([
      import('../db/database.js'),
      import('../db/migrate.js'),
      import('../lib/logger.js'),
      import('../server.js'),
    ]);
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
    return {
      deps: createDeps(config, database, { logger: createLogger('silent') }),
      close: () => database.close(),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** Runs `fn` with {@link openOperatorDeps}, closing the database afterwards. */
export async function withOperatorDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T> {
  const opened = await openOperatorDeps();
  try {
    return await fn(opened.deps);
  } finally {
    await opened.close();
  }
}

/** Where an operator command writes; tests capture it. */
export interface OperatorIo {
  out(text: string): void;
  err(text: string): void;
  /** Where long streamed output (an export) goes, with backpressure; else through `out`. */
  stdout?: Writable;
}

export const processOperatorIo: OperatorIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdout: process.stdout,
};

/** How a command line program runs operator commands; tests replace each part. */
export interface OperatorOptions {
  open?: () => Promise<OpenedDeps>;
  io?: OperatorIo;
  exit?: (code: number) => void;
}

/**
 * The action of an operator command: opens the database (a bad setting is a usage error),
 * runs `run` (which returns an exit code), closes the database, and exits with the code unless
 * it is 0.
 */
export function operatorAction<Args extends unknown[]>(
  options: OperatorOptions,
  run: (deps: Deps, io: OperatorIo, ...args: Args) => Promise<number>,
): (...args: Args) => Promise<void> {
  const open = options.open ?? openOperatorDeps;
  const io = options.io ?? processOperatorIo;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return async (...args) => {
    let opened: OpenedDeps;
    try {
      opened = await open();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(`gantry: ${error.message}\n`);
      return exit(EXIT.usage);
    }
    let code: number;
    try {
      code = await run(opened.deps, io, ...args);
    } finally {
      await opened.close();
    }
    if (code !== EXIT.ok) exit(code);
  };
}
