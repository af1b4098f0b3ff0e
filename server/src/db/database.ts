import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { type LooseMode, secureSqliteFiles } from './file-modes.js';
import { preparedStatementName } from './prepared.js';
import type { Database } from './schema.js';
import { GroupCommitDialect, type GroupCommitHooks } from './sqlite-group-commit.js';
import { StatementCache } from './statements.js';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or a transaction on it: what store functions take. */
export type Executor = Db | Trx;
export type DialectName = 'sqlite' | 'postgres';

/**
 * The driver-level handle below Kysely, for the few hot paths that run SQL themselves
 * (`preparedLookup`, the audit export): the better-sqlite3 connection with its one statement
 * cache, or the pg pool.
 */
export type RawHandle =
  | { dialect: 'sqlite'; sqlite: SQLite.Database; statements: StatementCache }
  | { dialect: 'postgres'; pool: pg.Pool };

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  raw: RawHandle;
  /** The PostgreSQL schema Gantry's tables live in (search_path), when not the default. */
  pgSchema?: string;
  /**
   * SQLite only: data files or the data folder found with a looser mode than `0600` / `0700`
   * that could not be tightened at open, for the caller to name in its log.
   */
  looseModes?: LooseMode[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; when absent, SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  /** SQLite file, or ':memory:'. Defaults to `<dataDir>/gantry.db`. */
  sqlitePath?: string;
  dataDir?: string;
  /** PostgreSQL schema to use (tests isolate themselves in one). */
  pgSchema?: string;
  pgPoolSize?: number;
  /** SQLite only: hooks around each group COMMIT (tests observe and fail commits). */
  sqliteCommitHooks?: GroupCommitHooks;
}

const INT8_OID = 20;
/** Money and counters are bigint columns well inside 2^53: read them as numbers. */
const PG_TYPES = new pg.TypeOverrides();
PG_TYPES.setTypeParser(INT8_OID, 'text', Number);

/**
 * A pg client that runs the SQL of {@link preparedLookup}s as named statements (parsed and
 * planned once per connection, as a hand-written server would) and any other query as before.
 * Only those few fixed texts are named, so a connection never accumulates statements.
 */
class PreparingClient extends pg.Client {
  // pg's query() has many overloads; this forwards every call, naming prepared queries' SQL.
  override query(...args: unknown[]): never {
    const [config, values] = args;
    const name = typeof config === 'string' ? preparedStatementName(config) : undefined;
    const forwarded =
      name !== undefined && Array.isArray(values)
        ? [{ name, text: config, values }, ...args.slice(2)]
        : args;
    return Reflect.apply(super.query, this, forwarded) as never;
  }
}

/** Opens the configured database with Gantry's connection settings. */
export function openDatabase(options: OpenOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      Client: PreparingClient,
      connectionString: options.databaseUrl,
      max: options.pgPoolSize ?? 10,
      options: options.pgSchema ? `-c search_path=${options.pgSchema}` : undefined,
      types: PG_TYPES,
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      raw: { dialect: 'postgres', pool },
      ...(options.pgSchema ? { pgSchema: options.pgSchema } : {}),
      close: () => db.destroy(),
    };
  }

  const dataDir = options.sqlitePath === undefined ? (options.dataDir ?? './data') : undefined;
  const path = options.sqlitePath ?? join(dataDir ?? './data', 'gantry.db');
  const onDisk = path !== ':memory:';
  // The data folder (`0700`) only when the database lives in it: a path given directly may be
  // in a folder Gantry does not own.
  if (onDisk && dataDir === undefined) mkdirSync(join(path, '..'), { recursive: true });
  if (onDisk) secureSqliteFiles(path, dataDir);
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  // The WAL and SHM files exist now: check them (and report what stayed loose) once.
  const looseModes = onDisk ? secureSqliteFiles(path, dataDir) : [];
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // FULL: a committed change (and its audit event) survives power loss, not only a crash.
  sqlite.pragma('synchronous = FULL');
  // A 64 MiB page cache (the default is 2 MiB) for audit pages and exports over millions of rows.
  sqlite.pragma('cache_size = -65536');
  // Group commit: concurrent transactions share one COMMIT (one WAL fsync), each resolving
  // only once it is durable (see sqlite-group-commit.ts).
  const statements = new StatementCache(sqlite);
  const db = new Kysely<Database>({
    dialect: new GroupCommitDialect({
      sqlite,
      prepare: (text) => statements.prepare(text),
      ...(options.sqliteCommitHooks ? { hooks: options.sqliteCommitHooks } : {}),
    }),
  });
  return {
    db,
    dialect: 'sqlite',
    raw: { dialect: 'sqlite', sqlite, statements },
    ...(looseModes.length > 0 ? { looseModes } : {}),
    close: () => db.destroy(),
  };
}

/** True when the database answers a trivial query. */
export async function isDatabaseReady(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
