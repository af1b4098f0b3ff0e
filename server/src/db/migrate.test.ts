import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { newToken } from '../lib/secrets.js';
import { openDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';

const PG_URL = process.env.TEST_DATABASE_URL;

describe('migrateToLatest', () => {
  it('applies every migration once on SQLite', async () => {
    const handle = openDatabase({ sqlitePath: ':memory:' });
    try {
      expect(await migrateToLatest(handle)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(handle)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  describe.skipIf(!PG_URL)('on PostgreSQL', () => {
    const schemaName = () =>
      `m_${newToken(6)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, 'x')}`;

    async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        return await fn(admin);
      } finally {
        await admin.end();
      }
    }

    it('migrates its own schema while other schemas are being dropped', async () => {
      // Other clients' schemas, each with tables, dropped one after another while Gantry
      // migrates fresh schemas: Kysely's own introspection scanned every schema and failed
      // on one dropped mid-scan ("schema … does not exist").
      const others = Array.from({ length: 32 }, schemaName);
      await withAdmin(async (admin) => {
        for (const schema of others) {
          const tables = Array.from(
            { length: 15 },
            (_, i) => `create table ${schema}.t${i} (id serial primary key, a text, b int);`,
          );
          await admin.query(`create schema ${schema}; ${tables.join(' ')}`);
        }
      });
      const mine = Array.from({ length: 6 }, schemaName);
      const dropping = withAdmin(async (admin) => {
        for (const schema of others) await admin.query(`drop schema ${schema} cascade`);
      });
      try {
        for (const schema of mine) {
          await withAdmin((admin) => admin.query(`create schema ${schema}`));
          const handle = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 2 });
          try {
            expect(await migrateToLatest(handle)).toEqual(Object.keys(migrations));
            expect(await migrateToLatest(handle)).toEqual([]);
          } finally {
            await handle.close();
          }
        }
      } finally {
        await dropping;
        await withAdmin((admin) =>
          admin.query(mine.map((schema) => `drop schema if exists ${schema} cascade;`).join(' ')),
        );
      }
    }, 120_000);

    it("ignores another schema's migration bookkeeping", async () => {
      const [done, fresh] = [schemaName(), schemaName()];
      await withAdmin((admin) => admin.query(`create schema ${done}; create schema ${fresh}`));
      try {
        for (const schema of [done, fresh]) {
          const handle = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: 2 });
          try {
            // The second schema is migrated in full although the first has every migration.
            expect(await migrateToLatest(handle)).toEqual(Object.keys(migrations));
          } finally {
            await handle.close();
          }
        }
      } finally {
        await withAdmin((admin) =>
          admin.query(`drop schema ${done} cascade; drop schema ${fresh} cascade`),
        );
      }
    }, 60_000);
  });
});
