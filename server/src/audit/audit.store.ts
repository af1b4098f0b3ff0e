import type { Db, Executor, RawHandle } from '../db/database.js';
import type { AuditEventRow } from '../db/schema.js';
import type { Outcome, ResourceType } from './audit.events.js';

/** Filters of the audit log query and export; every field optional, all combined with AND. */
export interface AuditFilters {
  /** Inclusive lower bound, normalized ISO 8601 UTC (`toISOString`). */
  from?: string | undefined;
  /** Exclusive upper bound, normalized ISO 8601 UTC. */
  to?: string | undefined;
  /** Matches the actor's user id (directly or through their API keys). */
  userId?: string | undefined;
  /** An exact action, or a prefix written `pod.*`. */
  action?: string | undefined;
  /** An action (or `pod.*` prefix) left out, e.g. the system's per-minute `billing.charge`. */
  excludeAction?: string | undefined;
  resourceType?: ResourceType | undefined;
  resourceId?: string | undefined;
  outcome?: Outcome | undefined;
}

/** Where a page starts and ends in the chain (both exclusive / inclusive bounds on seq). */
export interface SeqWindow {
  /** Only events with seq below this (the keyset cursor). */
  before?: number | undefined;
  /** Only events with seq up to this (an export's snapshot). */
  upTo?: number | undefined;
}

/**
 * Events of one account matching `filters`, newest first, at most `limit`.
 *
 * Every audit index ends with `seq`, so each filter shape is one index range scan
 * in seq order: account (+ user (+ action)) / action / resource type (+ id).
 * A date range is turned into a seq range (the writer keeps `time` non-decreasing
 * in `seq` per account): two O(log n) probes of the (account, time, seq) index as
 * scalar subqueries. The page query itself never constrains `time`, so neither
 * planner can prefer the time index over the user/action/resource index and then
 * sort (the trap with SQLite when `time` and `actor_user_id` are both constrained).
 */
export function selectEventPage(
  db: Executor,
  accountId: string,
  filters: AuditFilters,
  window: SeqWindow,
  limit: number,
): Promise<AuditEventRow[]> {
  return eventPageQuery(db, accountId, filters, window, limit).selectAll().execute();
}

/**
 * What an export reads of each event, in this order: the chain hashes stay out, and so does
 * `account_id`, which is the exported account's (one string less to build per row).
 */
export const EXPORT_COLUMNS = [
  'id',
  'seq',
  'time',
  'actor_type',
  'actor_id',
  'actor_user_id',
  'actor_email',
  'action',
  'resource_type',
  'resource_id',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
  'details',
] as const;

/** One exported event: the {@link EXPORT_COLUMNS} values, in order. */
export type ExportRow = [
  id: string,
  seq: number,
  time: string,
  actorType: string,
  actorId: string | null,
  actorUserId: string | null,
  actorEmail: string | null,
  action: string,
  resourceType: string,
  resourceId: string | null,
  outcome: string,
  ip: string | null,
  userAgent: string | null,
  requestId: string | null,
  details: string,
];

/** The database an export reads, with its raw handle (the services' `Deps`). */
export interface ExportSource {
  db: Db;
  raw: RawHandle;
}

/**
 * Like {@link selectEventPage} for exports: only {@link EXPORT_COLUMNS}, as arrays.
 * On SQLite the compiled query runs as a raw prepared statement returning arrays
 * (no row objects: an export reads millions of rows).
 */
export async function selectExportBatch(
  { db, raw }: ExportSource,
  accountId: string,
  filters: AuditFilters,
  window: SeqWindow,
  limit: number,
): Promise<ExportRow[]> {
  const query = eventPageQuery(db, accountId, filters, window, limit).select(EXPORT_COLUMNS);
  if (raw.dialect === 'sqlite') {
    const { sql, parameters } = query.compile();
    return raw.statements.prepareRaw(sql).all(...parameters) as ExportRow[];
  }
  const rows = await query.execute();
  return rows.map((r) => EXPORT_COLUMNS.map((c) => r[c]) as ExportRow);
}

function eventPageQuery(
  db: Executor,
  accountId: string,
  filters: AuditFilters,
  window: SeqWindow,
  limit: number,
) {
  let query = db.selectFrom('audit_events').where('account_id', '=', accountId);
  if (filters.from !== undefined) {
    const from = filters.from;
    query = query.where('seq', '>=', (eb) =>
      eb
        .selectFrom('audit_events as lo')
        .select('lo.seq')
        .where('lo.account_id', '=', accountId)
        .where('lo.time', '>=', from)
        .orderBy('lo.time', 'asc')
        .orderBy('lo.seq', 'asc')
        .limit(1),
    );
  }
  if (filters.to !== undefined) {
    const to = filters.to;
    query = query.where('seq', '<=', (eb) =>
      eb
        .selectFrom('audit_events as hi')
        .select('hi.seq')
        .where('hi.account_id', '=', accountId)
        .where('hi.time', '<', to)
        .orderBy('hi.time', 'desc')
        .orderBy('hi.seq', 'desc')
        .limit(1),
    );
  }
  if (filters.userId !== undefined) query = query.where('actor_user_id', '=', filters.userId);
  if (filters.action !== undefined) {
    if (filters.action.endsWith('.*')) {
      // `pod.*` → every action from "pod." up to (not including) "pod/", the next character.
      const prefix = filters.action.slice(0, -1);
      query = query.where('action', '>=', prefix).where('action', '<', `${prefix.slice(0, -1)}/`);
    } else {
      query = query.where('action', '=', filters.action);
    }
  }
  if (filters.excludeAction !== undefined) {
    const excluded = filters.excludeAction;
    if (excluded.endsWith('.*')) {
      const prefix = excluded.slice(0, -1);
      const end = `${prefix.slice(0, -1)}/`;
      query = query.where((eb) => eb.or([eb('action', '<', prefix), eb('action', '>=', end)]));
    } else {
      query = query.where('action', '!=', excluded);
    }
  }
  if (filters.resourceType !== undefined)
    query = query.where('resource_type', '=', filters.resourceType);
  if (filters.resourceId !== undefined) query = query.where('resource_id', '=', filters.resourceId);
  if (filters.outcome !== undefined) query = query.where('outcome', '=', filters.outcome);
  if (window.before !== undefined) query = query.where('seq', '<', window.before);
  if (window.upTo !== undefined) query = query.where('seq', '<=', window.upTo);
  return query.orderBy('seq', 'desc').limit(limit);
}

/** Events of one account in chain order after `afterSeq`, at most `limit`. */
export function selectChainBatch(
  db: Executor,
  accountId: string,
  afterSeq: number,
  upTo: number,
  limit: number,
): Promise<AuditEventRow[]> {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upTo)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** The account's chain head: seq and hash of its newest event. */
export function findChainHead(db: Executor, accountId: string) {
  return db
    .selectFrom('audit_chain_heads')
    .select(['seq', 'hash'])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

/** Every account that has an audit chain. */
export async function listChainAccounts(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_chain_heads')
    .select('account_id')
    .orderBy('account_id')
    .execute();
  return rows.map((r) => r.account_id);
}

/** The newest prune checkpoint of an account: where its remaining chain starts. */
export function findLatestCheckpoint(db: Executor, accountId: string) {
  return db
    .selectFrom('audit_checkpoints')
    .select(['seq', 'hash', 'pruned_at'])
    .where('account_id', '=', accountId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The people who appear as actors in an account's log, with the email of their
 * most recent event and, when they still exist, their current name and whether
 * they are a member now.
 */
export async function selectActors(db: Executor, accountId: string) {
  const latest = db
    .selectFrom('audit_events')
    .select(({ fn }) => ['actor_user_id', fn.max('seq').as('last_seq')])
    .where('account_id', '=', accountId)
    .where('actor_user_id', 'is not', null)
    .groupBy('actor_user_id')
    .as('latest');
  return db
    .selectFrom(latest)
    .innerJoin('audit_events as e', (join) =>
      join.on('e.account_id', '=', accountId).onRef('e.seq', '=', 'latest.last_seq'),
    )
    .leftJoin('users as u', 'u.id', 'latest.actor_user_id')
    .leftJoin('memberships as m', (join) =>
      join.on('m.account_id', '=', accountId).onRef('m.user_id', '=', 'latest.actor_user_id'),
    )
    .select([
      'latest.actor_user_id as userId',
      'e.actor_email as email',
      'e.time as lastSeenAt',
      'u.name as name',
      'm.role as role',
    ])
    .orderBy('e.actor_email')
    .execute();
}

/** An account's retention setting as stored: the current value and a pending shorter one. */
export interface RetentionSetting {
  retentionDays: number | null;
  pendingRetentionDays: number | null;
  pendingEffectiveAt: string | null;
}

export function findSettings(db: Executor, accountId: string) {
  return db
    .selectFrom('audit_settings')
    .select(['retention_days', 'pending_retention_days', 'pending_effective_at', 'updated_at'])
    .where('account_id', '=', accountId)
    .executeTakeFirst();
}

export async function upsertSettings(
  db: Executor,
  accountId: string,
  setting: RetentionSetting,
  updatedAt: string,
  updatedBy: string | null,
): Promise<void> {
  const values = {
    retention_days: setting.retentionDays,
    pending_retention_days: setting.pendingRetentionDays,
    pending_effective_at: setting.pendingEffectiveAt,
    updated_at: updatedAt,
    updated_by: updatedBy,
  };
  await db
    .insertInto('audit_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(values))
    .execute();
}

/** Accounts with a retention setting of their own, current or pending. */
export function listRetentionSettings(db: Executor) {
  return db
    .selectFrom('audit_settings')
    .select(['account_id', 'retention_days', 'pending_retention_days', 'pending_effective_at'])
    .where((eb) =>
      eb.or([eb('retention_days', 'is not', null), eb('pending_retention_days', 'is not', null)]),
    )
    .execute();
}

/** Seq of the newest event strictly older than `cutoff` (time is non-decreasing in seq). */
export async function findLastSeqBefore(
  db: Executor,
  accountId: string,
  cutoff: string,
): Promise<number | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('seq')
    .where('account_id', '=', accountId)
    .where('time', '<', cutoff)
    .orderBy('time', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.seq) : null;
}

/** The oldest `limit` events up to `throughSeq`: seq and hash only. */
export function selectOldest(db: Executor, accountId: string, throughSeq: number, limit: number) {
  return db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('account_id', '=', accountId)
    .where('seq', '<=', throughSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute();
}

/** Deletes an account's events up to and including `throughSeq`; returns how many. */
export async function deleteThrough(
  db: Executor,
  accountId: string,
  throughSeq: number,
): Promise<number> {
  const result = await db
    .deleteFrom('audit_events')
    .where('account_id', '=', accountId)
    .where('seq', '<=', throughSeq)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertCheckpoint(
  db: Executor,
  checkpoint: { account_id: string; seq: number; hash: string; pruned_at: string; deleted: number },
): Promise<void> {
  await db
    .insertInto('audit_checkpoints')
    .values(checkpoint)
    .onConflict((oc) => oc.columns(['account_id', 'seq']).doNothing())
    .execute();
}
