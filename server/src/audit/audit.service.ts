import { Readable } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import type { Caller, Deps } from '../context.js';
import type { Executor } from '../db/database.js';
import type { AuditEventRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, invalidInput } from '../errors.js';
import { hmac, safeEqual } from '../lib/secrets.js';
import {
  auditorOf,
  type BoundAudit,
  inAccount,
  type OperationContext,
  readAccount,
} from '../permissions/access.js';
import type { Role } from '../permissions/policy.js';
import {
  type AuditAction,
  type AuditContext,
  type Outcome,
  type ResourceType,
  SYSTEM_CONTEXT,
} from './audit.events.js';
import type { AuditActorSchema, AuditEventSchema, AuditSettingsSchema } from './audit.schemas.js';
import {
  type AuditFilters,
  deleteThrough,
  type ExportRow,
  type ExportSource,
  findChainHead,
  findLastSeqBefore,
  findLatestCheckpoint,
  findSettings,
  insertCheckpoint,
  listChainAccounts,
  listRetentionSettings,
  type RetentionSetting,
  selectActors,
  selectChainBatch,
  selectEventPage,
  selectExportBatch,
  selectOldest,
  upsertSettings,
} from './audit.store.js';
import { computeEventHash, GENESIS_HASH } from './audit.writer.js';

export type { AuditFilters } from './audit.store.js';

/** Rows read per round trip by export, verify and prune. */
export const AUDIT_BATCH_SIZE = 1000;
const DAY_MS = 86_400_000;

export type AuditEventDto = Static<typeof AuditEventSchema>;

/** Maps a stored event to the API object (`AuditEventSchema`), details parsed. */
export function toAuditEventDto(row: AuditEventRow): AuditEventDto {
  return {
    id: row.id,
    seq: Number(row.seq),
    time: row.time,
    accountId: row.account_id,
    actor: {
      type: row.actor_type,
      id: row.actor_id,
      userId: row.actor_user_id,
      email: row.actor_email,
    },
    // Stored only through writeAuditEvent, whose action is an AuditAction.
    action: row.action as AuditAction,
    resource: { type: row.resource_type, id: row.resource_id },
    outcome: row.outcome,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** Filters as they arrive from a query string (times as ISO 8601 text). */
export interface AuditFilterInput {
  from?: string | undefined;
  to?: string | undefined;
  userId?: string | undefined;
  action?: string | undefined;
  excludeAction?: string | undefined;
  resourceType?: ResourceType | undefined;
  resourceId?: string | undefined;
  outcome?: Outcome | undefined;
}

const ISO_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/** Parses an ISO 8601 date or date-time into the stored form; refuses impossible dates. */
export function parseIsoTime(field: string, value: string): string {
  const m = ISO_PARTS.exec(value);
  const [, y, mo, d, h = '0', mi = '0', s = '0', , zh = '0', zm = '0'] = m ?? [];
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const valid =
    m !== null &&
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) < 60 &&
    Number(zh) < 24 &&
    Number(zm) < 60;
  const ms = valid ? Date.parse(m[4] === undefined ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw invalidInput(`querystring/${field} must be an ISO 8601 date or date-time`);
  }
  return new Date(ms).toISOString();
}

/** Validates and normalizes filters: times to UTC, `from` not after `to`. */
export function parseFilters(input: AuditFilterInput): AuditFilters {
  const from = input.from === undefined ? undefined : parseIsoTime('from', input.from);
  const to = input.to === undefined ? undefined : parseIsoTime('to', input.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw invalidInput('querystring/from must not be after to');
  }
  return {
    from,
    to,
    userId: input.userId,
    action: input.action,
    excludeAction: input.excludeAction,
    resourceType: input.resourceType,
    resourceId: input.resourceId,
    outcome: input.outcome,
  };
}

/** An opaque keyset cursor: the last seq seen, signed for this account. */
export function encodeCursor(secret: string, accountId: string, seq: number): string {
  const payload = Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
  return `${payload}.${hmac(secret, 'audit-cursor', `${accountId}.${payload}`)}`;
}

/** Reads a cursor made by {@link encodeCursor}; 400 `invalid_cursor` when garbled or tampered. */
export function decodeCursor(secret: string, accountId: string, cursor: string): number {
  const invalid = new AppError(
    'invalid_cursor',
    'The cursor is invalid; start from the first page',
  );
  const [payload, mac, ...rest] = cursor.split('.');
  if (!payload || !mac || rest.length > 0) throw invalid;
  if (!safeEqual(mac, hmac(secret, 'audit-cursor', `${accountId}.${payload}`))) throw invalid;
  try {
    const { s } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s: unknown };
    if (typeof s === 'number' && Number.isSafeInteger(s) && s > 0) return s;
  } catch {
    // fall through
  }
  throw invalid;
}

/**
 * Reads the account's audit log for `caller`: `audit.view` is authorized first, and a refused
 * attempt is audited as a denied `action`.
 */
function readAuditLog<A extends 'audit.view' | 'audit.export' | 'audit.verify', T>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  action: A,
  fn: (ctx: OperationContext<A, undefined, Executor>) => Promise<T>,
): Promise<T> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action, resource: 'audit', resourceId: accountId, needs: 'audit.view' },
    fn,
  );
}

export interface AuditPageInput extends AuditFilterInput {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface AuditPage {
  items: AuditEventDto[];
  nextCursor: string | null;
}

/** One page of an account's audit log, newest first (`audit.view`). */
export function listAuditEvents(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: AuditPageInput,
): Promise<AuditPage> {
  return readAuditLog(deps, caller, accountId, 'audit.view', async ({ db }) => {
    const filters = parseFilters(input);
    const limit = input.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw invalidInput('querystring/limit must be from 1 to 500');
    }
    const before =
      input.cursor === undefined
        ? undefined
        : decodeCursor(deps.config.secret, accountId, input.cursor);
    const rows = await selectEventPage(db, accountId, filters, { before }, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toAuditEventDto),
      nextCursor:
        more && last ? encodeCursor(deps.config.secret, accountId, Number(last.seq)) : null,
    };
  });
}

export type AuditActorDto = Static<typeof AuditActorSchema>;

/** The current and former members who appear as actors in the log (`audit.view`). */
export function listAuditActors(
  deps: Deps,
  caller: Caller,
  accountId: string,
): Promise<AuditActorDto[]> {
  return readAuditLog(deps, caller, accountId, 'audit.view', async ({ db }) => {
    const rows = await selectActors(db, accountId);
    return rows.map((row) => ({
      userId: row.userId as string,
      email: row.email,
      name: row.name ?? null,
      role: (row.role as Role | null) ?? null,
      isMember: row.role !== null && row.role !== undefined,
      lastSeenAt: row.lastSeenAt,
    }));
  });
}

// ---------------------------------------------------------------------------- export

export type ExportFormat = 'csv' | 'jsonl';

const CSV_COLUMNS = [
  'id',
  'seq',
  'time',
  'accountId',
  'actorType',
  'actorId',
  'actorUserId',
  'actorEmail',
  'action',
  'resourceType',
  'resourceId',
  'outcome',
  'ip',
  'userAgent',
  'requestId',
  'details',
];

/** A cell holding one of these is quoted: a quote, a separator (`,` or `;`), a tab or a line break. */
const CSV_SPECIAL = /[",;\t\r\n]/;
/** A cell a spreadsheet would run as a formula: `= + - @`, tab or CR first, after any spaces. */
const CSV_FORMULA = /^ *[=+\-@\t\r]/;

/**
 * One CSV cell. Quoted when it holds a quote, a comma or semicolon (the separator in many
 * locales), a tab or a line break. A cell that starts with `= + - @`, tab or carriage return,
 * after any leading spaces, is prefixed with `'` and quoted, so a spreadsheet never evaluates
 * it as a formula, whatever separator it splits on.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (CSV_FORMULA.test(value)) return `"'${value.replaceAll('"', '""')}"`;
  return CSV_SPECIAL.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * One CSV record of `accountId`'s event. Fields Gantry generates itself (ids, seq, time,
 * codes) need no escaping; details are a JSON object, so always quoted.
 */
function csvLine(r: ExportRow, accountId: string): string {
  return `${r[0]},${r[1]},${r[2]},${accountId},${r[3]},${csvCell(r[4])},${csvCell(r[5])},${csvCell(r[6])},${r[7]},${r[8]},${csvCell(r[9])},${r[10]},${csvCell(r[11])},${csvCell(r[12])},${csvCell(r[13])},"${r[14].replaceAll('"', '""')}"\r\n`;
}

const q = JSON.stringify;
/**
 * One JSON Lines record: the event DTO, with the stored (already JSON) details spliced in.
 * Fields Gantry generates itself (ids, seq, time, codes) need no escaping, as in CSV.
 */
function jsonLine(r: ExportRow, accountId: string): string {
  return `{"id":"${r[0]}","seq":${r[1]},"time":"${r[2]}","accountId":"${accountId}","actor":{"type":"${r[3]}","id":${q(r[4])},"userId":${q(r[5])},"email":${q(r[6])}},"action":"${r[7]}","resource":{"type":"${r[8]}","id":${q(r[9])}},"outcome":"${r[10]}","ip":${q(r[11])},"userAgent":${q(r[12])},"requestId":${q(r[13])},"details":${r[14]}}\n`;
}

/**
 * Rows per export batch: one query and one chunk of text each. On SQLite a small batch, so a
 * batch's rows and text die young (500 rows ≈ 1.25× the events per CPU second of 2,000, the
 * difference being garbage collection); on PostgreSQL each batch is a round trip, so more.
 */
export const EXPORT_BATCH_SIZE = { sqlite: 500, postgres: 2000 } as const;

/**
 * The matching events newest first, up to `upTo`, as text chunks of one batch each:
 * pages by keyset, so memory stays flat however many rows there are.
 */
export async function* renderAuditExport(
  source: ExportSource,
  accountId: string,
  filters: AuditFilters,
  format: ExportFormat,
  upTo: number,
  batchSize = EXPORT_BATCH_SIZE[source.raw.dialect],
): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  const line = format === 'csv' ? csvLine : jsonLine;
  let before: number | undefined;
  for (;;) {
    const rows = await selectExportBatch(source, accountId, filters, { before, upTo }, batchSize);
    if (rows.length > 0) {
      let chunk = '';
      for (const row of rows) chunk += line(row, accountId);
      yield chunk;
    }
    const last = rows.at(-1);
    if (rows.length < batchSize || !last) return;
    before = Number(last[1]);
  }
}

export interface AuditExport {
  filename: string;
  contentType: string;
  stream: Readable;
}

/**
 * Writes the `audit.export` event with `record` (in its own transaction), then returns the
 * export as a stream that ends with the events up to that one.
 */
export async function startAuditExport(
  deps: Deps,
  record: BoundAudit<'audit.export'>,
  accountId: string,
  filters: AuditFilters,
  format: ExportFormat,
): Promise<AuditExport> {
  const event = await record({ format, filters: definedOnly(filters) });
  const date = deps.clock.now().toISOString().slice(0, 10);
  const generator = renderAuditExport(deps, accountId, filters, format, Number(event.seq));
  return {
    filename: `audit-${accountId}-${date}.${format}`,
    contentType:
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    stream: Readable.from(generator, { objectMode: false }),
  };
}

/** Streams the filtered log as CSV or JSON Lines (`audit.view`); the export is audited. */
export function exportAuditEvents(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: AuditFilterInput & { format?: ExportFormat | undefined },
): Promise<AuditExport> {
  return readAuditLog(deps, caller, accountId, 'audit.export', async ({ audit }) => {
    const filters = parseFilters(input);
    return startAuditExport(deps, audit, accountId, filters, input.format ?? 'csv');
  });
}

function definedOnly(filters: AuditFilters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------- verify

export interface VerifyResult {
  ok: boolean;
  /** Events examined. */
  checked: number;
  /** The first event whose link is broken (edited, out of place, or after a gap). */
  firstBrokenId: string | null;
  firstBrokenSeq: number | null;
  reason:
    | 'hash_mismatch'
    | 'prev_hash_mismatch'
    | 'seq_gap'
    | 'missing_tail'
    | 'head_mismatch'
    | null;
  /** The prune checkpoint the chain was verified from (0: from the genesis). */
  startedAfterSeq: number;
}

/**
 * Walks an account's chain in seq order, in batches: every event's hash is
 * recomputed, its prev_hash must be the previous event's hash (or the prune
 * checkpoint's), seqs must be consecutive, and the last event must be the chain
 * head. Events appended while verifying (after the head read first) are not checked.
 */
export async function verifyAuditChain(
  db: Executor,
  accountId: string,
  batchSize = AUDIT_BATCH_SIZE,
): Promise<VerifyResult> {
  const head = await findChainHead(db, accountId);
  const checkpoint = await findLatestCheckpoint(db, accountId);
  const startedAfterSeq = checkpoint ? Number(checkpoint.seq) : 0;
  let expectedSeq = startedAfterSeq + 1;
  let prevHash = checkpoint ? checkpoint.hash : GENESIS_HASH;
  let checked = 0;
  const result = (
    reason: VerifyResult['reason'],
    row?: { id: string; seq: number } | null,
    seq?: number,
  ): VerifyResult => ({
    ok: reason === null,
    checked,
    firstBrokenId: row?.id ?? null,
    firstBrokenSeq: row ? Number(row.seq) : (seq ?? null),
    reason,
    startedAfterSeq,
  });
  const upTo = head ? Number(head.seq) : Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = await selectChainBatch(db, accountId, expectedSeq - 1, upTo, batchSize);
    for (const row of rows) {
      checked += 1;
      if (Number(row.seq) !== expectedSeq) return result('seq_gap', row);
      if (row.prev_hash !== prevHash) return result('prev_hash_mismatch', row);
      if (computeEventHash(row) !== row.hash) return result('hash_mismatch', row);
      prevHash = row.hash;
      expectedSeq += 1;
    }
    if (rows.length < batchSize) break;
  }
  if (!head) return result(checked === 0 ? null : 'head_mismatch', null, expectedSeq);
  if (expectedSeq - 1 !== Number(head.seq)) return result('missing_tail', null, expectedSeq);
  if (prevHash !== head.hash) return result('head_mismatch', null, expectedSeq - 1);
  return result(null);
}

/** Verifies the account's chain (`audit.view`), then records `audit.verify` at its end. */
export function verifyAuditLog(
  deps: Deps,
  caller: Caller,
  accountId: string,
): Promise<VerifyResult> {
  return readAuditLog(deps, caller, accountId, 'audit.verify', async ({ db, audit }) => {
    const outcome = await verifyAuditChain(db, accountId);
    await audit({ ...outcome }, { outcome: outcome.ok ? 'success' : 'failure' });
    return outcome;
  });
}

// ---------------------------------------------------------------------------- retention

export type AuditSettingsDto = Static<typeof AuditSettingsSchema>;

/** How long a shorter retention waits before it applies: 7 days to notice and undo it. */
export const RETENTION_SHORTENING_DELAY_MS = 7 * DAY_MS;

interface StoredRetention {
  retention_days: number | null;
  pending_retention_days: number | null;
  pending_effective_at: string | null;
}

/**
 * The account's own retention at `now`, and what is still pending: a pending shorter value
 * whose time has come is the current one.
 */
function retentionAt(row: StoredRetention | undefined, now: Date): RetentionSetting {
  const own = row?.retention_days === undefined ? null : numberOrNull(row.retention_days);
  const pending = numberOrNull(row?.pending_retention_days ?? null);
  const at = row?.pending_effective_at ?? null;
  if (pending === null || at === null) {
    return { retentionDays: own, pendingRetentionDays: null, pendingEffectiveAt: null };
  }
  if (at <= now.toISOString()) {
    return { retentionDays: pending, pendingRetentionDays: null, pendingEffectiveAt: null };
  }
  return { retentionDays: own, pendingRetentionDays: pending, pendingEffectiveAt: at };
}

function numberOrNull(value: number | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * The retention pruning applies: the account's own (null: forever), raised to the operator's
 * minimum and capped by the operator's maximum (config keeps the maximum ≥ the minimum).
 */
function effectiveRetention(own: number | null, deps: Deps): number | null {
  const max = deps.config.auditMaxRetentionDays;
  if (own === null) return max ?? null;
  const floored = Math.max(own, deps.config.auditMinRetentionDays);
  return max === undefined ? floored : Math.min(floored, max);
}

function toSettingsDto(
  deps: Deps,
  setting: RetentionSetting,
  updatedAt: string | null,
): AuditSettingsDto {
  return {
    retentionDays: setting.retentionDays,
    minRetentionDays: deps.config.auditMinRetentionDays,
    maxRetentionDays: deps.config.auditMaxRetentionDays ?? null,
    effectiveRetentionDays: effectiveRetention(setting.retentionDays, deps),
    pendingRetentionDays: setting.pendingRetentionDays,
    pendingEffectiveAt: setting.pendingEffectiveAt,
    updatedAt,
  };
}

async function settingsDto(deps: Deps, db: Executor, accountId: string): Promise<AuditSettingsDto> {
  const row = await findSettings(db, accountId);
  return toSettingsDto(deps, retentionAt(row, deps.clock.now()), row?.updated_at ?? null);
}

/** The account's audit retention, with a pending shorter one (`audit.view`). */
export function getAuditSettings(
  deps: Deps,
  caller: Caller,
  accountId: string,
): Promise<AuditSettingsDto> {
  return readAuditLog(deps, caller, accountId, 'audit.view', async ({ db }) => {
    return settingsDto(deps, db, accountId);
  });
}

/**
 * Sets the account's audit retention in days, or null to keep events forever
 * (`settings.manage`), within the operator's minimum and maximum. A longer retention applies at
 * once (and cancels a pending shorter one); a shorter one is pending for
 * {@link RETENTION_SHORTENING_DELAY_MS} (asking again for the same pending value keeps its date),
 * so an Admin cannot have evidence pruned at once. Either way the change is audited, a pending
 * one with the time it applies from.
 */
export function updateAuditSettings(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: { retentionDays: number | null },
): Promise<AuditSettingsDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    {
      action: 'audit.settings_update',
      resource: 'audit',
      resourceId: accountId,
      needs: 'settings.manage',
    },
    async ({ db: trx, actor, now, audit }) => {
      const { auditMinRetentionDays: min, auditMaxRetentionDays: max } = deps.config;
      const wanted = input.retentionDays;
      if (wanted !== null && wanted < min) {
        throw invalidInput(`body/retentionDays must be at least ${min} (the operator's minimum)`);
      }
      if (wanted !== null && max !== undefined && wanted > max) {
        throw invalidInput(`body/retentionDays must be at most ${max} (the operator's maximum)`);
      }
      const current = retentionAt(await findSettings(trx, accountId), now);
      const shortens =
        wanted !== null && (current.retentionDays === null || wanted < current.retentionDays);
      const next: RetentionSetting = shortens
        ? {
            retentionDays: current.retentionDays,
            pendingRetentionDays: wanted,
            pendingEffectiveAt:
              current.pendingRetentionDays === wanted && current.pendingEffectiveAt !== null
                ? current.pendingEffectiveAt
                : new Date(now.getTime() + RETENTION_SHORTENING_DELAY_MS).toISOString(),
          }
        : { retentionDays: wanted, pendingRetentionDays: null, pendingEffectiveAt: null };
      await upsertSettings(trx, accountId, next, now.toISOString(), actor.userId);
      await audit({
        before: {
          retentionDays: current.retentionDays,
          ...(current.pendingRetentionDays === null
            ? {}
            : {
                pendingRetentionDays: current.pendingRetentionDays,
                pendingEffectiveAt: current.pendingEffectiveAt,
              }),
        },
        after: { retentionDays: wanted },
        effectiveAt: next.pendingEffectiveAt ?? now.toISOString(),
      });
      return toSettingsDto(deps, next, now.toISOString());
    },
  );
}

export interface PruneResult {
  accountId: string;
  retentionDays: number;
  cutoff: string;
  deleted: number;
  /** Seq of the last event deleted (the new checkpoint), or null when nothing was due. */
  throughSeq: number | null;
}

export interface PruneOptions {
  /** Only this account. */
  accountId?: string;
  batchSize?: number;
  /** Who the `audit.prune` event names; the system by default. */
  context?: AuditContext;
}

/**
 * Deletes every event older than its account's retention (own setting capped by
 * the operator's maximum), oldest first in batches, each batch in a transaction
 * that also records a checkpoint (seq and hash of its last deleted event) so the
 * remaining chain still verifies. Each account that lost events gets an
 * `audit.prune` event.
 */
export async function pruneAuditEvents(
  deps: Deps,
  now: Date = deps.clock.now(),
  options: PruneOptions = {},
): Promise<PruneResult[]> {
  const max = deps.config.auditMaxRetentionDays;
  const own = new Map(
    (await listRetentionSettings(deps.db)).map((s) => [
      s.account_id,
      retentionAt(s, now).retentionDays,
    ]),
  );
  const accounts = max === undefined ? [...own.keys()] : await listChainAccounts(deps.db);
  const results: PruneResult[] = [];
  for (const accountId of accounts) {
    if (options.accountId !== undefined && accountId !== options.accountId) continue;
    const days = effectiveRetention(own.get(accountId) ?? null, deps);
    if (days === null) continue;
    results.push(await pruneAccount(deps, accountId, days, now, options));
  }
  return results;
}

async function pruneAccount(
  deps: Deps,
  accountId: string,
  retentionDays: number,
  now: Date,
  options: PruneOptions,
): Promise<PruneResult> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  const result: PruneResult = { accountId, retentionDays, cutoff, deleted: 0, throughSeq: null };
  const through = await findLastSeqBefore(deps.db, accountId, cutoff);
  if (through === null) return result;
  const batchSize = options.batchSize ?? AUDIT_BATCH_SIZE;
  for (;;) {
    const deleted = await transact(deps.db, async (trx) => {
      const oldest = await selectOldest(trx, accountId, through, batchSize);
      const last = oldest.at(-1);
      if (!last) return 0;
      const count = await deleteThrough(trx, accountId, Number(last.seq));
      await insertCheckpoint(trx, {
        account_id: accountId,
        seq: Number(last.seq),
        hash: last.hash,
        pruned_at: now.toISOString(),
        deleted: count,
      });
      result.throughSeq = Number(last.seq);
      return count;
    });
    result.deleted += deleted;
    if (deleted === 0) break;
  }
  if (result.deleted > 0) {
    const ctx = options.context ?? SYSTEM_CONTEXT;
    await transact(deps.db, (trx) =>
      auditorOf(
        trx,
        ctx,
        deps.clock.now(),
        accountId,
        'audit.prune',
        'audit',
        accountId,
      )({
        retentionDays,
        cutoff,
        deleted: result.deleted,
        throughSeq: result.throughSeq,
      }),
    );
  }
  return result;
}
