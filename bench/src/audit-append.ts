/**
 * The audited write path's serial part on PostgreSQL, without HTTP: concurrent transactions on
 * one account, each writing one event to its hash chain — the part of every audited change
 * that one account's writers take in turn, under the chain head's row lock. Two appends
 * measured in alternating rounds in one process:
 *   - three statements (the append before issue 19: bump the head and read it, insert the
 *     event hashed in JavaScript, store its hash in the head — three round trips under the lock);
 *   - `writeAuditEvent` as it is now (one statement: lock, bump, hash in SQL, insert).
 * Prints appends per second and the paired ratio per round. A fresh schema, dropped at the end.
 *
 * APPEND_ROUNDS (default 3), APPEND_SECONDS (3), APPEND_WRITERS (10 concurrent transactions),
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test).
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { AuditContext } from '../../server/src/audit/audit.events.js';
import { verifyAuditChain } from '../../server/src/audit/audit.service.js';
import {
  computeEventHash,
  GENESIS_HASH,
  writeAuditEvent,
} from '../../server/src/audit/audit.writer.js';
import { type Executor, openDatabase } from '../../server/src/db/database.js';
import { migrateToLatest } from '../../server/src/db/migrate.js';
import type { AuditEventRow } from '../../server/src/db/schema.js';
import { newId } from '../../server/src/lib/ids.js';

const ROUNDS = Number(process.env.APPEND_ROUNDS ?? 3);
const SECONDS = Number(process.env.APPEND_SECONDS ?? 3);
const WRITERS = Number(process.env.APPEND_WRITERS ?? 10);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const ctx: AuditContext = {
  actor: { type: 'system', id: null, userId: null, email: null },
  ip: '127.0.0.1',
  userAgent: 'bench',
  requestId: 'bench',
};

/** The append before issue 19, as it was: three statements under the head's row lock. */
async function appendInThreeStatements(trx: Executor, accountId: string, time: Date) {
  const head = await trx
    .updateTable('audit_chain_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('account_id', '=', accountId)
    .returning(['seq', 'hash', 'time'])
    .executeTakeFirstOrThrow();
  const now = time.toISOString();
  const at = head.time !== null && head.time > now ? head.time : now;
  const fields: Omit<AuditEventRow, 'hash'> = {
    id: newId(),
    account_id: accountId,
    seq: Number(head.seq),
    time: at,
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    actor_user_id: ctx.actor.userId,
    actor_email: ctx.actor.email,
    action: 'billing.update',
    resource_type: 'billing',
    resource_id: null,
    outcome: 'success',
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    request_id: ctx.requestId,
    details: '{"before":{},"after":{"bench":true}}',
    prev_hash: head.hash,
  };
  const row = { ...fields, hash: computeEventHash(fields) };
  await trx.insertInto('audit_events').values(row).execute();
  await trx
    .updateTable('audit_chain_heads')
    .set({ hash: row.hash, time: at })
    .where('account_id', '=', accountId)
    .execute();
}

type Append = (trx: Executor, accountId: string, time: Date) => Promise<unknown>;
const APPENDS: Array<[string, Append]> = [
  ['three statements (before)', appendInThreeStatements],
  [
    'one statement (writeAuditEvent)',
    (trx, accountId, time) =>
      writeAuditEvent(trx, ctx, time, {
        accountId,
        action: 'billing.update',
        resource: { type: 'billing', id: null },
        details: { before: {}, after: { bench: true } },
      }),
  ],
];

const schema = `bench_append_${process.pid}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`create schema ${schema}`);
const database = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, pgPoolSize: WRITERS });
try {
  await migrateToLatest(database);
  const db = database.db;
  const at = new Date().toISOString();
  const userId = newId();
  const accountId = newId();
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: 'bench@example.com',
      email_normalized: 'bench@example.com',
      name: 'Bench',
      password_hash: 'x',
      created_at: at,
      updated_at: at,
    })
    .execute();
  await db
    .insertInto('accounts')
    .values({
      id: accountId,
      name: 'Bench',
      kind: 'team',
      owner_id: userId,
      created_at: at,
      updated_at: at,
      require_two_factor_at: null,
    })
    .execute();
  await db
    .insertInto('audit_chain_heads')
    .values({ account_id: accountId, seq: 0, hash: GENESIS_HASH, time: null })
    .execute();

  /** Appends per second for `seconds`, with WRITERS transactions at a time. */
  const measure = async (append: Append, seconds: number) => {
    const end = performance.now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (performance.now() < end) {
          await db.transaction().execute((trx) => append(trx, accountId, new Date()));
          done++;
        }
      }),
    );
    return done / seconds;
  };
  for (const [, append] of APPENDS) await measure(append, 1);
  const rates: number[][] = APPENDS.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order)
      rates[i]?.push(await measure((APPENDS[i] as [string, Append])[1], SECONDS));
  }
  const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)] ?? 0;
  const ratios = (rates[1] ?? []).map((r, i) => r / ((rates[0] ?? [])[i] ?? 1));
  console.log(
    `# Audit append on PostgreSQL — ${new Date().toISOString()} — ${WRITERS} writers on one account, ${ROUNDS} alternating rounds × ${SECONDS} s`,
  );
  for (const [i, [name]] of APPENDS.entries()) {
    console.log(
      `${name}: ${median(rates[i] ?? []).toFixed(0)} appends/s (rounds: ${(rates[i] ?? []).map((r) => r.toFixed(0)).join(' ')})`,
    );
  }
  console.log(
    `one / three statements, paired: ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
  );
  const chain = await sql<{ n: string }>`select count(*) as n from audit_events`.execute(db);
  const verified = await verifyAuditChain(db, accountId);
  console.log(`events written: ${chain.rows[0]?.n}; the chain verifies: ${verified.ok}`);
} finally {
  await database.close();
  await admin.query(`drop schema ${schema} cascade`);
  await admin.end();
}
