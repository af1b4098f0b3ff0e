import { type Compilable, type CompiledQuery, createQueryId } from 'kysely';
import type { Executor } from './database.js';

type Parameter = { arg: number } | { value: unknown };

/** SQL texts of prepared queries: on PostgreSQL each runs as a named statement (see database.ts). */
const statementNames = new Map<string, string>();

/** The statement name of a prepared query's SQL text; undefined for any other SQL. */
export function preparedStatementName(text: string): string | undefined {
  return statementNames.get(text);
}

/** Stands for argument `i` while the query is compiled; never sent to a database. */
const placeholder = (i: number) => `\u0000gantry:arg:${i}\u0000`;

/**
 * A query built and compiled by Kysely once per database, then run with new arguments:
 * for the few reads on every request's path, where building and compiling the query
 * again costs more than running it. `build` is called once with placeholders for the
 * arguments, so it must build the same SQL whatever they are (no branching on them) and
 * only pass them on as values; each parameter of the compiled query is then either one
 * of the arguments or a constant of the query. On PostgreSQL the query runs as a named
 * prepared statement, parsed and planned once per connection.
 */
export function preparedQuery<Args extends string[], Row>(
  build: (db: Executor, ...args: Args) => Compilable<Row>,
): (db: Executor, ...args: Args) => Promise<Row[]> {
  // Per query executor's adapter: a transaction shares its database's; SQLite and PostgreSQL differ.
  const compiled = new WeakMap<
    object,
    { sql: string; parameters: Parameter[]; query: CompiledQuery['query'] }
  >();
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let template = compiled.get(adapter);
    if (!template) {
      const placeholders = args.map((_, i) => placeholder(i)) as Args;
      const query = build(db, ...placeholders).compile();
      template = {
        sql: query.sql,
        query: query.query,
        parameters: query.parameters.map((value) => {
          const arg = placeholders.indexOf(value as string);
          return arg >= 0 ? { arg } : { value };
        }),
      };
      if (placeholders.some((p) => template?.sql.includes(p))) {
        throw new Error('preparedQuery: an argument was written into the SQL text');
      }
      compiled.set(adapter, template);
      if (!statementNames.has(template.sql)) {
        statementNames.set(template.sql, `gantry_${statementNames.size + 1}`);
      }
    }
    const parameters = template.parameters.map((p) => ('arg' in p ? args[p.arg] : p.value));
    const query: CompiledQuery<Row> = {
      sql: template.sql,
      query: template.query,
      parameters,
      queryId: createQueryId(),
    };
    const result = await db.executeQuery(query);
    return result.rows;
  };
}
