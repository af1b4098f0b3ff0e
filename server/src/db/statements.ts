import type SQLite from 'better-sqlite3';

/** Distinct SQL texts whose prepared statement is kept (least recently used goes first). */
export const STATEMENT_CACHE_SIZE = 500;
/** Longer SQL (multi-row inserts, long `in` lists) is rarely repeated: not kept. */
const CACHED_SQL_MAX_LENGTH = 4096;

/**
 * The one cache of prepared better-sqlite3 statements of a SQLite database, keyed by SQL
 * text: Kysely's driver (every query), the hot lookups (`preparedLookup`) and the audit
 * export's raw-array reads all prepare through it. Compiling a statement costs more than
 * running the small reads of a request, so each text is compiled once and kept (bounded, least
 * recently used first out).
 *
 * A statement is reusable once `all`/`run`/`get` return; one still iterating (a streamed query)
 * is busy, so a fresh statement is prepared for that call instead. Raw statements (rows as
 * arrays, for exports of millions of rows) are kept apart: better-sqlite3's raw mode is a
 * setting of the statement object.
 */
export class StatementCache {
  readonly #sqlite: SQLite.Database;
  readonly #size: number;
  readonly #rows = new Map<string, SQLite.Statement>();
  readonly #arrays = new Map<string, SQLite.Statement>();

  constructor(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE) {
    this.#sqlite = sqlite;
    this.#size = size;
  }

  /** A statement answering rows as objects. */
  prepare(text: string): SQLite.Statement {
    return this.#take(this.#rows, text, false);
  }

  /** A statement answering rows as arrays of column values (`raw` mode). */
  prepareRaw(text: string): SQLite.Statement {
    return this.#take(this.#arrays, text, true);
  }

  /** How many statements are kept (tests). */
  get size(): number {
    return this.#rows.size + this.#arrays.size;
  }

  #take(cache: Map<string, SQLite.Statement>, text: string, raw: boolean): SQLite.Statement {
    const cached = cache.get(text);
    if (cached) {
      if (cached.busy) return this.#compile(text, raw);
      // Most recently used goes last.
      cache.delete(text);
      cache.set(text, cached);
      return cached;
    }
    const statement = this.#compile(text, raw);
    if (text.length <= CACHED_SQL_MAX_LENGTH) {
      cache.set(text, statement);
      if (cache.size > this.#size) cache.delete(cache.keys().next().value as string);
    }
    return statement;
  }

  #compile(text: string, raw: boolean): SQLite.Statement {
    const statement = this.#sqlite.prepare(text);
    return raw && statement.reader ? statement.raw(true) : statement;
  }
}
