import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
} from 'node:fs';

/** A data file or folder whose mode is looser than it should be and could not be tightened. */
export interface LooseMode {
  path: string;
  /** The mode found, in octal (`644`). */
  mode: string;
  /** The mode it should have (`600`, `700`). */
  wanted: string;
  reason: string;
}

/** The SQLite database's own files: the database, its write-ahead log and shared memory. */
function sqliteFilesOf(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/**
 * Tightens `path` to `wanted` when group or others may do anything with it (a stricter mode is
 * left alone). Answers what could not be fixed, or undefined.
 */
function tighten(path: string, wanted: number): LooseMode | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined; // gone (a WAL removed at close): nothing to protect
  }
  if ((mode & 0o077) === 0) return undefined;
  try {
    chmodSync(path, wanted);
    return undefined;
  } catch (error) {
    return {
      path,
      mode: mode.toString(8),
      wanted: wanted.toString(8),
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Keeps the SQLite database private to the service's user: the data folder `0700` (created so,
 * and tightened when found looser) and the database with its WAL and SHM files `0600`. A new
 * database file is created `0600` before SQLite opens it, so it is never readable by others,
 * and SQLite gives the WAL and SHM files it creates the database file's mode. Call it before
 * opening the database and again once it is open (the WAL and SHM files exist then). Answers
 * every file or folder whose looser mode could not be fixed, for the caller to name in its log.
 */
export function secureSqliteFiles(path: string, dataDir: string | undefined): LooseMode[] {
  const problems: LooseMode[] = [];
  if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const folder = tighten(dataDir, 0o700);
    if (folder) problems.push(folder);
  }
  if (!existsSync(path)) {
    // O_EXCL: another process creating it at the same time keeps its own (checked below).
    try {
      closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    } catch {
      // created meanwhile by someone else: tightened below like any existing file
    }
  }
  for (const file of sqliteFilesOf(path)) {
    const problem = tighten(file, 0o600);
    if (problem) problems.push(problem);
  }
  return problems;
}
