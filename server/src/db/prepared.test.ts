import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/harness.js';
import type { DatabaseHandle, Executor } from './database.js';
import { migrateToLatest } from './migrate.js';
import { preparedLookup } from './prepared.js';
import { StatementCache } from './statements.js';

const teamsNamed = preparedLookup((db: Executor, name: string, ownerId: string) =>
  db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', name)
    .where('kind', '=', 'team')
    .where('owner_id', '=', ownerId)
    .orderBy('id'),
);

describe.each(DIALECTS)('preparedLookup on %s', (dialect) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    await migrateToLatest(database);
    const at = new Date(0).toISOString();
    const account = (id: string, name: string, kind: 'personal' | 'team', owner_id: string) => ({
      id,
      name,
      kind,
      owner_id,
      created_at: at,
      updated_at: at,
    });
    const user = (id: string) => ({
      id,
      email: `${id}@example.com`,
      email_normalized: `${id}@example.com`,
      name: id,
      password_hash: 'x',
      created_at: at,
      updated_at: at,
    });
    await database.db
      .insertInto('users')
      .values([user('u1'), user('u2')])
      .execute();
    await database.db
      .insertInto('accounts')
      .values([
        account('a1', 'Alpha', 'team', 'u1'),
        account('a2', 'Alpha', 'personal', 'u1'),
        account('a3', 'Beta', 'team', 'u1'),
        account('a4', 'Alpha', 'team', 'u2'),
      ])
      .execute();
  });
  afterAll(() => database?.close());

  it('runs the compiled query with each call’s arguments, keeping its constants', async () => {
    const { db } = database;
    expect(await teamsNamed(database, 'Alpha', 'u1')).toEqual({ id: 'a1', name: 'Alpha' });
    expect(await teamsNamed(database, 'Beta', 'u1')).toEqual({ id: 'a3', name: 'Beta' });
    expect(await teamsNamed(database, 'Alpha', 'u2')).toEqual({ id: 'a4', name: 'Alpha' });
    expect(await teamsNamed(database, 'Gamma', 'u1')).toBeUndefined();
    // Inside a transaction too, seeing its own writes.
    const inTrx = await db.transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ name: 'Gamma' }).where('id', '=', 'a3').execute();
      const rows = await teamsNamed(trx, 'Gamma', 'u1');
      await trx.updateTable('accounts').set({ name: 'Beta' }).where('id', '=', 'a3').execute();
      return rows;
    });
    expect(inTrx).toEqual({ id: 'a3', name: 'Gamma' });
  });

  it('answers the first row when several match', async () => {
    const firstTeam = preparedLookup((db: Executor, ownerId: string) =>
      db
        .selectFrom('accounts')
        .select('id')
        .where('owner_id', '=', ownerId)
        .where('kind', '=', 'team')
        .orderBy('id', 'desc'),
    );
    expect(await firstTeam(database, 'u1')).toEqual({ id: 'a3' });
  });

  it('never sees another transaction’s uncommitted writes', async () => {
    const { db } = database;
    let outside: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('accounts').set({ name: 'Delta' }).where('id', '=', 'a3').execute();
      outside = teamsNamed(database, 'Delta', 'u1');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await trx.updateTable('accounts').set({ name: 'Beta' }).where('id', '=', 'a3').execute();
    });
    expect(await outside).toBeUndefined();
    expect(await teamsNamed(database, 'Beta', 'u1')).toEqual({ id: 'a3', name: 'Beta' });
  });

  it.runIf(dialect === 'sqlite')('runs only reads on the raw SQLite connection', async () => {
    const writer = preparedLookup((db: Executor, id: string) =>
      db.updateTable('accounts').set({ name: 'Beta' }).where('id', '=', id).returning('id'),
    );
    await expect(writer(database, 'a3')).rejects.toThrow(/only reads/);
  });

  it.runIf(dialect === 'postgres')('runs on the pool as a named statement', async () => {
    if (database.raw.dialect !== 'postgres') throw new Error('no pool');
    const { pool } = database.raw;
    const query = vi.spyOn(pool, 'query');
    try {
      expect(await teamsNamed(database, 'Beta', 'u1')).toEqual({ id: 'a3', name: 'Beta' });
      expect(query).toHaveBeenCalledWith(
        expect.objectContaining({ name: expect.stringMatching(/^gantry_\d+$/) }),
      );
    } finally {
      query.mockRestore();
    }
  });

  it.runIf(dialect === 'postgres')('runs as a named statement on PostgreSQL', async () => {
    // One connection, so the statement list read is the connection's that ran the query.
    await database.db.connection().execute(async (conn) => {
      await teamsNamed(conn, 'Alpha', 'u1');
      await teamsNamed(conn, 'Beta', 'u1');
      const { rows } = await sql<{
        statement: string;
      }>`select statement from pg_prepared_statements`.execute(conn);
      expect(rows.filter((r) => r.statement.includes('"owner_id" = $3'))).toHaveLength(1);
    });
  });

  it('refuses a query that writes an argument into the SQL text', async () => {
    const inlined = preparedLookup((db: Executor, name: string) =>
      db.selectFrom('accounts').select('id').where('name', '=', sql.lit(name)),
    );
    await expect(inlined(database, 'Alpha')).rejects.toThrow(/written into the SQL text/);
  });
});

describe('the SQLite statement cache', () => {
  it('reuses a statement per SQL text, but not one that is still iterating', () => {
    const raw = new SQLite(':memory:');
    const db = new StatementCache(raw);
    raw.exec('create table t (n integer); insert into t values (1), (2), (3);');
    const text = 'select n from t order by n';
    const first = db.prepare(text);
    expect(db.prepare(text)).toBe(first);
    const iterator = first.iterate([]);
    expect(iterator.next().value).toEqual({ n: 1 });
    // `first` is busy until its iteration ends: the same SQL gets a statement of its own.
    const other = db.prepare(text);
    expect(other).not.toBe(first);
    expect(other.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect([...iterator]).toEqual([{ n: 2 }, { n: 3 }]);
    expect(db.prepare(text)).toBe(first);
    raw.close();
  });

  it('keeps at most 500 statements, dropping the least recently used', () => {
    const raw = new SQLite(':memory:');
    const db = new StatementCache(raw);
    const hot = db.prepare('select 0');
    const cold = db.prepare('select 1');
    for (let i = 2; i <= 600; i++) {
      db.prepare(`select ${i}`);
      if (i % 200 === 0) expect(db.prepare('select 0')).toBe(hot);
    }
    expect(db.prepare('select 0')).toBe(hot);
    expect(db.prepare('select 1')).not.toBe(cold);
    expect(db.prepare(`select 1 -- ${'x'.repeat(5000)}`)).not.toBe(
      db.prepare(`select 1 -- ${'x'.repeat(5000)}`),
    );
    raw.close();
  });

  it('keeps raw (array) statements apart from row statements of the same SQL', () => {
    const raw = new SQLite(':memory:');
    const db = new StatementCache(raw);
    raw.exec('create table t (n integer); insert into t values (1);');
    expect(db.prepareRaw('select n from t').all()).toEqual([[1]]);
    expect(db.prepare('select n from t').all()).toEqual([{ n: 1 }]);
    expect(db.prepareRaw('select n from t')).toBe(db.prepareRaw('select n from t'));
    raw.close();
  });
});
