import { hash } from 'node:crypto';
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
 */
export async function writeAuditEvent<A extends AuditAction>(
  trx: Executor,
  ctx: AuditContext,
  time: Date,
  input: AuditEventInput<A>,
): Promise<AuditEventRow> {
  let head = await trx
    .updateTable('audit_chain_heads')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('account_id', '=', input.accountId)
    .returning(['seq', 'hash', 'time'])
    .executeTakeFirst();
  if (!head) {
    await trx
      .insertInto('audit_chain_heads')
      .values({ account_id: input.accountId, seq: 1, hash: GENESIS_HASH, time: null })
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet((eb) => ({ seq: eb('audit_chain_heads.seq', '+', 1) })),
      )
      .execute();
    head = await trx
      .selectFrom('audit_chain_heads')
      .select(['seq', 'hash', 'time'])
      .where('account_id', '=', input.accountId)
      .executeTakeFirstOrThrow();
  }
  const now = time.toISOString();
  const at = head.time !== null && head.time > now ? head.time : now;

  const fields: HashedFields = {
    id: newId(),
    account_id: input.accountId,
    seq: Number(head.seq),
    time: at,
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
    prev_hash: head.hash,
  };
  const row: AuditEventRow = { ...fields, hash: computeEventHash(fields) };
  await trx.insertInto('audit_events').values(row).execute();
  await trx
    .updateTable('audit_chain_heads')
    .set({ hash: row.hash, time: at })
    .where('account_id', '=', input.accountId)
    .execute();
  return row;
}
