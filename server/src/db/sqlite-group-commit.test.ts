import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, signUp, startTestGantry } from '../../test/harness.js';
import { verifyAuditChain } from '../audit/audit.service.js';
import { openDatabase } from './database.js';
import { GroupCommitDialect, type GroupCommitHooks } from './sqlite-group-commit.js';

interface TestDb {
  t: { id: string; v: number };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-gc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A group-committing Kysely on a WAL file, and a second connection to read what is durable. */
async function open(hooks: GroupCommitHooks = {}) {
  const path = join(dir, 'g.db');
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  // A long time cap: a batch commits only when the connection is idle (deterministic).
  const db = new Kysely<TestDb>({
    dialect: new GroupCommitDialect({ sqlite, hooks, maxDelayMs: 60_000 }),
  });
  await sql`create table t (id text primary key, v integer not null)`.execute(db);
  const other = new SQLite(path, { readonly: true });
  const visible = (id: string) =>
    other.prepare('select count(*) as n from t where id = ?').get(id) as { n: number };
  const count = () => (other.prepare('select count(*) as n from t').get() as { n: number }).n;
  return { db, other, visible: (id: string) => visible(id).n === 1, count };
}

function insertIn(db: Kysely<TestDb>, id: string, fail = false) {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('t').values({ id, v: 1 }).execute();
    await trx.updateTable('t').set({ v: 2 }).where('id', '=', id).execute();
    if (fail) throw new Error(`fail ${id}`);
    return id;
  });
}

describe('SQLite group commit', () => {
  it('commits concurrent transactions together, each durable when it resolves', async () => {
    const commits: number[] = [];
    const { db, other, visible } = await open({ afterCommit: (n) => commits.push(n) });
    const seen: boolean[] = [];
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    await Promise.all(
      ids.map((id) =>
        insertIn(db, id).then(() => {
          seen.push(visible(id));
        }),
      ),
    );
    expect(seen).toEqual(ids.map(() => true));
    expect(commits).toEqual([20]);
    await db.destroy();
    other.close();
  });

  it('rolls back a failing transaction alone, leaving the rest of its batch committed', async () => {
    const commits: number[] = [];
    const { db, other, visible } = await open({ afterCommit: (n) => commits.push(n) });
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e'].map((id) => insertIn(db, id, id === 'c')),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(commits).toEqual([4]);
    expect(['a', 'b', 'c', 'd', 'e'].map(visible)).toEqual([true, true, false, true, true]);
    const rows = await db.selectFrom('t').select(['id', 'v']).orderBy('id').execute();
    expect(rows).toEqual(['a', 'b', 'd', 'e'].map((id) => ({ id, v: 2 })));
    await db.destroy();
    other.close();
  });

  it('rejects every transaction of a batch whose COMMIT fails, and keeps none of it', async () => {
    let failNext = true;
    const { db, other, count } = await open({
      beforeCommit() {
        if (failNext) {
          failNext = false;
          throw new Error('disk on fire');
        }
      },
    });
    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => insertIn(db, id)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results)
      expect((r as PromiseRejectedResult).reason.message).toBe('disk on fire');
    expect(count()).toBe(0);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([]);
    // The driver recovers: the next transaction commits.
    await insertIn(db, 'z');
    expect(count()).toBe(1);
    await db.destroy();
    other.close();
  });

  it('resolves a write outside a transaction only after its COMMIT', async () => {
    const log: string[] = [];
    const { db, other, visible } = await open({ afterCommit: (n) => log.push(`commit ${n}`) });
    const inBatch = insertIn(db, 'a').then(() => log.push(`a ${visible('a')}`));
    const alone = db
      .insertInto('t')
      .values({ id: 'b', v: 1 })
      .execute()
      .then(() => log.push(`b ${visible('b')}`));
    await Promise.all([inBatch, alone]);
    expect(log).toEqual(['commit 1', 'a true', 'b true']);
    // With no batch open, alone.
    const updated = await db
      .updateTable('t')
      .set({ v: 5 })
      .where('id', '=', 'b')
      .execute()
      .then((r) => {
        log.push('updated');
        return r;
      });
    expect(updated[0]?.numUpdatedRows).toBe(1n);
    expect(log.slice(-2)).toEqual(['commit 0', 'updated']);
    expect(other.prepare("select v from t where id = 'b'").get()).toEqual({ v: 5 });
    await db.destroy();
    other.close();
  });

  it('commits the open batch on close', async () => {
    const { db, other, visible } = await open();
    const pending = insertIn(db, 'a');
    await db.destroy();
    await expect(pending).resolves.toBe('a');
    expect(visible('a')).toBe(true);
    other.close();
  });

  it('takes 200 audited changes in parallel over HTTP: all committed, chain intact', async () => {
    const commits: number[] = [];
    const path = join(dir, 'gantry.db');
    const database = openDatabase({
      sqlitePath: path,
      sqliteCommitHooks: { afterCommit: (n) => commits.push(n) },
    });
    const gantry = await startTestGantry('sqlite', {}, { database });
    const user = await signUp(gantry.app);
    const accountId = user.account.id;
    commits.length = 0;
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        user.request({
          method: 'PATCH',
          url: `/api/v1/accounts/${accountId}/audit-logs/settings`,
          payload: { retentionDays: 90 + (i % 50) },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 200));
    const events = await auditEvents(gantry, accountId);
    expect(events.filter((e) => e.action === 'audit.settings_update')).toHaveLength(200);
    expect(events.map((e) => Number(e.seq))).toEqual(events.map((_, i) => i + 1));
    expect((await verifyAuditChain(gantry.deps.db, accountId)).ok).toBe(true);
    // Grouped: far fewer COMMITs than transactions, and all of them on disk.
    expect(commits.reduce((a, b) => a + b, 0)).toBe(200);
    expect(commits.length).toBeLessThan(100);
    const other = new SQLite(path, { readonly: true });
    const durable = other
      .prepare(
        "select count(*) as n from audit_events where account_id = ? and action = 'audit.settings_update'",
      )
      .get(accountId) as { n: number };
    expect(durable.n).toBe(200);
    other.close();
    await gantry.close();
  });
});
