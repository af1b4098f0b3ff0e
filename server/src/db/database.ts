import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or a transaction on it: what store functions take. */
export type Executor = Db | Trx;
export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  dialect: DialectName;
  /** The PostgreSQL schema Gantry's tables live in (search_path), when not the default. */
  pgSchema?: string;
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
}

const INT8_OID = 20;

/** Opens the configured database with Gantry's connection settings. */
export function openDatabase(options: OpenOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.pgPoolSize ?? 10,
      options: options.pgSchema ? `-c search_path=${options.pgSchema}` : undefined,
      // Money and counters are bigint columns well inside 2^53: read them as numbers.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      ...(options.pgSchema ? { pgSchema: options.pgSchema } : {}),
      close: () => db.destroy(),
    };
  }

  const path = options.sqlitePath ?? join(options.dataDir ?? './data', 'gantry.db');
  if (path !== ':memory:') mkdirSync(join(path, '..'), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // FULL: a committed change (and its audit event) survives power loss, not only a crash.
  sqlite.pragma('synchronous = FULL');
  // A 64 MiB page cache (the default is 2 MiB) for audit pages and exports over millions of rows.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  SQLITE_HANDLES.set(db, sqlite);
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

const SQLITE_HANDLES = new WeakMap<Executor, SQLite.Database>();
const STATEMENT_CACHE_SIZE = 500;

/**
 * The better-sqlite3 connection behind a SQLite `db`, for the few hot paths that
 * read with a raw prepared statement (audit export); undefined on PostgreSQL and
 * for transactions.
 */
export function sqliteHandleOf(db: Executor): SQLite.Database | undefined {
  return SQLITE_HANDLES.get(db);
}

/**
 * Kysely prepares every query anew; Gantry's queries are a small fixed set, so
 * the prepared statements are kept by SQL text (oldest dropped past the limit).
 * Kysely holds its single connection for one query or stream at a time, so a
 * cached statement is never used twice at once.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): SQLite.Statement {
      const cached = statements.get(text);
      if (cached) return cached;
      const statement = sqlite.prepare(text);
      if (statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      statements.set(text, statement);
      return statement;
    },
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
