import { hash } from 'node:crypto';
import { PostgresAdapter, sql } from 'kysely';
import type { Executor } from '../db/database.js';
import type { AuditEventRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import type {
  AuditAction,
  AuditContext,
  AuditDetails,
  DeniedDetails,
  ResourceType,
} from './audit.events.js';

/** The hash before an account's first event. */
export const GENESIS_HASH = '0'.repeat(64);
/** Details larger than this (as JSON) are replaced by a truncation marker. */
export const MAX_DETAILS_BYTES = 16 * 1024;

/** One event to append: its details typed by its action, or a refused attempt's. */
export type AuditEventInput<A extends AuditAction = AuditAction> = {
  accountId: string;
  action: A;
  resource: { type: ResourceType; id: string | null };
} & (
  | { outcome?: 'success' | 'failure'; details: AuditDetails<A> }
  | { outcome: 'denied'; details: DeniedDetails }
);

type HashedFields = Omit<AuditEventRow, 'hash'>;

/** The fields of an event that the chain head does not decide (all but seq, time, prev_hash). */
type OwnFields = Omit<HashedFields, 'seq' | 'time' | 'prev_hash'>;

/**
 * The canonical content an event's hash covers, every field in a fixed order: the JSON array
 * `[id, account_id, seq, time, actor_type, actor_id, actor_user_id, actor_email, action,
 * resource_type, resource_id, outcome, ip, user_agent, request_id, details, prev_hash]`, built
 * as `prefix + seq + ',"' + time + '",' + middle + ',"' + prev_hash + '"]'` — seq is an integer,
 * time an ISO-8601 text and prev_hash hex, none of which JSON escapes — so PostgreSQL can build
 * the same text around the head's values (see {@link appendOnPostgres}).
 */
function canonicalParts(event: OwnFields): { prefix: string; middle: string } {
  const prefix = `[${JSON.stringify(event.id)},${JSON.stringify(event.account_id)},`;
  const middle = JSON.stringify([
    event.actor_type,
    event.actor_id,
    event.actor_user_id,
    event.actor_email,
    event.action,
    event.resource_type,
    event.resource_id,
    event.outcome,
    event.ip,
    event.user_agent,
    event.request_id,
    event.details,
  ]).slice(1, -1);
  return { prefix, middle };
}

/** The canonical content an event's hash covers: every field, in a fixed order. */
export function computeEventHash(event: HashedFields): string {
  const canonical = JSON.stringify([
    event.id,
    event.account_id,
    Number(event.seq),
    event.time,
    event.actor_type,
    event.actor_id,
    event.actor_user_id,
    event.actor_email,
    event.action,
    event.resource_type,
    event.resource_id,
    event.outcome,
    event.ip,
    event.user_agent,
    event.request_id,
    event.details,
    event.prev_hash,
  ]);
  return hash('sha256', canonical, 'hex');
}

function boundedDetails(details: object | undefined): string {
  const json = JSON.stringify(details ?? {});
  if (Buffer.byteLength(json) <= MAX_DETAILS_BYTES) return json;
  return JSON.stringify({ truncated: true, originalBytes: Buffer.byteLength(json) });
}

/**
 * Appends one event to the account's hash chain, in the caller's transaction.
 * The chain head row is updated first, so concurrent writers for one account
 * queue on its row lock (PostgreSQL) or the writer lock (SQLite).
 * The recorded time never goes backwards within an account (a writer that read
 * the clock before a concurrent one got the lock records the later time), so
 * `time` is non-decreasing in `seq` and date ranges become seq ranges.
 *
 * On PostgreSQL the append is one statement — one round trip from taking the head's row lock
 * to the event being written — and the lock is then held only until the caller commits: call
 * it last in the transaction. On SQLite (in process, one writer at a time) it is three.
 */
export async function writeAuditEvent<A extends AuditAction>(
  trx: Executor,
  ctx: AuditContext,
  time: Date,
  input: AuditEventInput<A>,
): Promise<AuditEventRow> {
  const own: OwnFields = {
    id: newId(),
    account_id: input.accountId,
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    actor_user_id: ctx.actor.userId,
    actor_email: ctx.actor.email,
    action: input.action,
    resource_type: input.resource.type,
    resource_id: input.resource.id,
    outcome: input.outcome ?? 'success',
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    request_id: ctx.requestId,
    details: boundedDetails(input.details),
  };
  const now = time.toISOString();
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    const appended = await appendOnPostgres(trx, own, now);
    if (appended) return appended;
    // The account's first event: make its head (seq 0, genesis), then append as usual.
    await trx
      .insertInto('audit_chain_heads')
      .values({ account_id: input.accountId, seq: 0, hash: GENESIS_HASH, time: null })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
    const first = await appendOnPostgres(trx, own, now);
    if (!first) throw new Error(`audit chain head of ${input.accountId} vanished`);
    return first;
  }
  return appendOnSqlite(trx, own, now);
}

/**
 * One statement: lock the head and read it (`old`), bump it (seq + 1, time never earlier than
 * the head's, the new hash computed by SQL from the previous one — `sha256` over the canonical
 * text of {@link canonicalParts}), and insert the event from what the update returned, with the
 * previous hash from `old`. Under READ COMMITTED the locking read waits for a concurrent
 * appender and then reads the head it committed, so every value comes from the newest head.
 * Answers undefined when the account has no head yet.
 */
async function appendOnPostgres(
  trx: Executor,
  own: OwnFields,
  now: string,
): Promise<AuditEventRow | undefined> {
  const { prefix, middle } = canonicalParts(own);
  // ISO-8601 texts compare as times byte by byte (C collation), as JavaScript's `>` does.
  const at = sql<string>`(case when old.time is not null and old.time collate "C" > ${now} then old.time else ${now}::text end)`;
  const result = await sql<Pick<AuditEventRow, 'seq' | 'time' | 'hash' | 'prev_hash'>>`
    with old as (
      select seq, hash, time from audit_chain_heads
      where account_id = ${own.account_id}
      for no key update
    ), head as (
      update audit_chain_heads as h set
        seq = old.seq + 1,
        time = ${at},
        hash = encode(sha256(convert_to(
          ${prefix}::text || (old.seq + 1)::text || ',"' || ${at} || '",' || ${middle}::text
            || ',"' || old.hash || '"]', 'UTF8')), 'hex')
      from old
      where h.account_id = ${own.account_id}
      returning h.seq, h.time, h.hash, old.hash as prev_hash
    )
    insert into audit_events (id, account_id, seq, time, actor_type, actor_id, actor_user_id,
      actor_email, action, resource_type, resource_id, outcome, ip, user_agent, request_id,
      details, prev_hash, hash)
    select ${own.id}, ${own.account_id}, seq, time, ${own.actor_type}, ${own.actor_id},
      ${own.actor_user_id}, ${own.actor_email}, ${own.action}, ${own.resource_type},
      ${own.resource_id}, ${own.outcome}, ${own.ip}, ${own.user_agent}, ${own.request_id},
      ${own.details}, prev_hash, hash
    from head
    returning seq, time, hash, prev_hash`.execute(trx);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...own,
    seq: Number(row.seq),
    time: row.time,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** Three statements in process: bump the head, insert the event hashed here, store its hash. */
async function appendOnSqlite(trx: Executor, own: OwnFields, now: string): Promise<AuditEventRow> {
  let head = await trx
    .updateTable('audit_chain_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('account_id', '=', own.account_id)
    .returning(['seq', 'hash', 'time'])
    .executeTakeFirst();
  if (!head) {
    await trx
      .insertInto('audit_chain_heads')
      .values({ account_id: own.account_id, seq: 1, hash: GENESIS_HASH, time: null })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet((eb) => ({ seq: eb('audit_chain_heads.seq', '+', 1) })),
      )
      .execute();
    head = await trx
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash', 'time'])
      .where('account_id', '=', own.account_id)
      .executeTakeFirstOrThrow();
  }
  const at = head.time !== null && head.time > now ? head.time : now;
  const fields: HashedFields = { ...own, seq: Number(head.seq), time: at, prev_hash: head.hash };
  const row: AuditEventRow = { ...fields, hash: computeEventHash(fields) };
  await trx.insertInto('audit_events').values(row).execute();
  await trx
    .updateTable('audit_chain_heads')
    .set({ hash: row.hash, time: at })
    .where('account_id', '=', own.account_id)
    .execute();
  return row;
}
