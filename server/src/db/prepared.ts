import { type Compilable, type CompiledQuery, createQueryId, PostgresAdapter } from 'kysely';
import type { Db, Executor, RawHandle } from './database.js';

/**
 * Where a lookup runs: the database with its raw handle (the services' `Deps`, or a
 * `DatabaseHandle`), which takes the fast path; or a transaction (or any other executor),
 * through Kysely.
 */
export type LookupSource = Executor | { db: Db; raw: RawHandle };

type Parameter = { arg: number } | { value: unknown };

interface Template {
  sql: string;
  name: string;
  parameters: Parameter[];
  query: CompiledQuery['query'];
}

/** SQL texts of prepared lookups: on PostgreSQL each runs as a named statement (see database.ts). */
const statementNames = new Map<string, string>();

/** The statement name of a prepared lookup's SQL text; undefined for any other SQL. */
export function preparedStatementName(text: string): string | undefined {
  return statementNames.get(text);
}

/** Stands for argument `i` while the query is compiled; never sent to a database. */
const placeholder = (i: number) => `\u0000gantry:arg:${i}\u0000`;

/**
 * A one-row read built and compiled by Kysely once per database, then run with new
 * arguments, answering its first row: for the few reads on every request's path, where
 * building and compiling the query again costs more than running it. `build` is called once
 * with placeholders for the arguments, so it must build the same SQL whatever they are (no
 * branching on them) and only pass them on as values; each parameter of the compiled query
 * is then either one of the arguments or a constant of the query.
 *
 * Called with the database itself (not a transaction), the query skips Kysely's executor:
 * - on PostgreSQL it runs on the pool as a named prepared statement (parsed and planned
 *   once per connection), as Kysely would run it on any pooled connection;
 * - on SQLite, while no transaction is open on the connection, it runs synchronously on a
 *   better-sqlite3 statement prepared once (`get`: it stops at the first row). While
 *   another request holds the connection in a transaction it goes through Kysely and waits,
 *   so it never reads that transaction's uncommitted rows.
 *
 * Inside a transaction it runs in the transaction. So `build` must be a read (a select).
 */
export function preparedLookup<Args extends string[], Row>(
  build: (db: Executor, ...args: Args) => Compilable<Row>,
): (source: LookupSource, ...args: Args) => Promise<Row | undefined> {
  // The compiled query per dialect (a transaction compiles as its database does).
  const compiled: Partial<Record<RawHandle['dialect'], Template>> = {};
  return async (source, ...args) => {
    const raw = 'raw' in source ? source.raw : undefined;
    const db: Executor = 'raw' in source ? source.db : source;
    if (raw?.dialect === 'sqlite' && !raw.sqlite.inTransaction) {
      const { sql, parameters } = templateOf(db, args);
      const statement = raw.statements.prepare(sql);
      if (!statement.reader || !statement.readonly)
        throw new Error('preparedLookup: only reads run on SQLite directly');
      return statement.get(parameterValues(parameters, args)) as Row | undefined;
    }
    const template = templateOf(db, args);
    const values = parameterValues(template.parameters, args);
    if (raw?.dialect === 'postgres') {
      const result = await raw.pool.query({ name: template.name, text: template.sql, values });
      return result.rows[0] as Row | undefined;
    }
    const query: CompiledQuery<Row> = {
      sql: template.sql,
      query: template.query,
      parameters: values,
      queryId: createQueryId(),
    };
    const result = await db.executeQuery(query);
    return result.rows[0];
  };

  function templateOf(db: Executor, args: Args): Template {
    const dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
    let template = compiled[dialect];
    if (!template) {
      const placeholders = args.map((_, i) => placeholder(i)) as Args;
      const query = build(db, ...placeholders).compile();
      if (placeholders.some((p) => query.sql.includes(p))) {
        throw new Error('preparedLookup: an argument was written into the SQL text');
      }
      let name = statementNames.get(query.sql);
      if (name === undefined) {
        name = `gantry_${statementNames.size + 1}`;
        statementNames.set(query.sql, name);
      }
      template = {
        sql: query.sql,
        name,
        query: query.query,
        parameters: query.parameters.map((value) => {
          const arg = placeholders.indexOf(value as string);
          return arg >= 0 ? { arg } : { value };
        }),
      };
      compiled[dialect] = template;
    }
    return template;
  }
}

function parameterValues(parameters: Parameter[], args: string[]): unknown[] {
  const values = new Array<unknown>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const p = parameters[i] as Parameter;
    values[i] = 'arg' in p ? args[p.arg] : p.value;
  }
  return values;
}
