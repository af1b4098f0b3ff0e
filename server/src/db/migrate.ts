import {
  type DatabaseIntrospector,
  Kysely,
  type MigrationResultSet,
  Migrator,
  PostgresDialect,
  sql,
  type TableMetadata,
} from 'kysely';
import type { DatabaseHandle } from './database.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest({ db, pgSchema, raw }: DatabaseHandle): Promise<string[]> {
  const pool = raw.dialect === 'postgres' ? raw.pool : undefined;
  const migrator = new Migrator({
    db: pool && pgSchema ? new SchemaMigrationDb(pool, pgSchema) : db,
    // Kysely looks for its bookkeeping tables in every schema unless told which one.
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
    provider: { getMigrations: async () => migrations },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String(result.error)}`);
  }
  return (result.results ?? []).map((r) => r.migrationName);
}

/**
 * What Kysely's Migrator asks of the database — does the schema exist, which tables does it
 * hold — answered for one PostgreSQL schema from the catalog. Kysely's own introspector reads
 * every table of every schema and calls `has_schema_privilege` by name, which fails
 * ("schema … does not exist") when another client drops a schema during the scan, as the
 * test suite does with its schema per test database.
 */
class SchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<{ name: string }[]> {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}
    `.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${this.schema} and c.relkind in ('r', 'p', 'v', 'm')
    `.execute(this.db);
    return rows.map((row) => ({
      name: row.name,
      schema: this.schema,
      isView: row.kind === 'v' || row.kind === 'm',
      columns: [],
    }));
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

/**
 * Gantry's PostgreSQL pool seen through a Kysely whose introspection is a
 * {@link SchemaIntrospector}, for the Migrator only. It shares the database handle's pool, so
 * it is never destroyed (that would end the pool); closing the handle ends both.
 */
class SchemaMigrationDb extends Kysely<Database> {
  readonly #schema: string;

  constructor(pool: ConstructorParameters<typeof PostgresDialect>[0]['pool'], schema: string) {
    super({ dialect: new PostgresDialect({ pool }) });
    this.#schema = schema;
  }

  override get introspection(): DatabaseIntrospector {
    return new SchemaIntrospector(this, this.#schema);
  }
}
