import { auditContextOf } from '../audit/audit.context.js';
import type {
  AuditAction,
  AuditContext,
  AuditDetails,
  DeniedDetails,
  ResourceType,
} from '../audit/audit.events.js';
import { writeAuditEvent } from '../audit/audit.writer.js';
import type { Caller, Deps, MemberOfAccount, Principal } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import { type LookupSource, preparedLookup } from '../db/prepared.js';
import type { AccountRow, AuditEventRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import {
  type AccountActor,
  authorizeNeeds,
  type Needs,
  type ResourceFacts,
  type Role,
} from './policy.js';

/** The caller on one account, with the account as read in the same query. */
export interface LoadedActor extends AccountActor {
  account: AccountRow;
}

/**
 * The one builder of an {@link AccountActor}: `principal` holding `role` on `account`.
 * Built as one literal, without rest or spread: V8 copies those property by property on its
 * slow path, which cost this (per-request) function several microseconds.
 */
export function buildActor(principal: Principal, account: AccountRow, role: Role): LoadedActor {
  const actor: LoadedActor = {
    account: {
      id: account.id,
      name: account.name,
      kind: account.kind,
      owner_id: account.owner_id,
      created_at: account.created_at,
      updated_at: account.updated_at,
      require_two_factor_at: account.require_two_factor_at,
    },
    accountId: account.id,
    accountKind: account.kind,
    userId: principal.userId,
    email: principal.email,
    role,
    isOwner: account.owner_id === principal.userId,
  };
  if (principal.kind === 'apikey') {
    actor.apiKey = { id: principal.keyId, readOnly: principal.readOnly };
  }
  return actor;
}

// Read on every account-scoped request: compiled once.
const membershipWithAccount = preparedLookup((db: Executor, accountId: string, userId: string) =>
  db
    .selectFrom('memberships as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .leftJoin('user_two_factor as t', 't.user_id', 'm.user_id')
    .selectAll('a')
    .select(['m.role', 't.enabled_at as two_factor_at'])
    .where('m.account_id', '=', accountId)
    .where('m.user_id', '=', userId),
);

/**
 * Resolves what the caller is on one account. Not a member — or an API key of
 * another account — is "not found", so an account's existence never leaks.
 */
export async function loadActor(
  source: LookupSource,
  caller: Caller,
  accountId: string,
): Promise<LoadedActor> {
  const { principal } = caller;
  if (principal.kind === 'apikey' && principal.accountId !== accountId) throw notFound('Account');
  return actorOf(
    caller,
    accountId,
    await membershipWithAccount(source, accountId, principal.userId),
  );
}

/**
 * The actor of `caller` on `accountId`, from its membership row (undefined: not a member). A
 * member without two-factor sign-in on a team that requires it is refused (403) whatever they
 * attempt, by session or by API key, until they turn it on.
 */
function actorOf(caller: Caller, accountId: string, row: MemberOfAccount | undefined): LoadedActor {
  const { principal } = caller;
  if (!row || (principal.kind === 'apikey' && principal.accountId !== accountId)) {
    throw notFound('Account');
  }
  if (row.require_two_factor_at !== null && row.kind === 'team' && row.two_factor_at === null) {
    throw new AppError(
      'two_factor_required_by_team',
      `${row.name} requires two-factor sign-in: turn it on under Settings → Two-factor sign-in`,
    );
  }
  return buildActor(principal, row, row.role);
}

/**
 * An account operation, declared once: what it is (the audit action and the resource type it
 * acts on), and what the caller needs for it. {@link inAccount} and {@link readAccount}
 * authorize it before the body runs and record a refused attempt as a `denied` event.
 */
export interface AccountOperation<A extends AuditAction, S = undefined> {
  action: A;
  resource: ResourceType;
  /** The resource's id when the request names it (a path parameter); null for a creation. */
  resourceId?: string | null;
  /** What the caller must hold (policy.ts): a permission, `'owner'`, a list, or by creator. */
  needs: Needs;
  /** For `'owner'`: what only the owner can do, as the refusal says it ("delete the team"). */
  ownerOnly?: string;
  /**
   * The resource acted on, loaded (404 when absent) after the needs that hold whoever created
   * it, and before those that depend on it (`'own'` grants, {@link NeedsByCreator}); the body
   * gets it as `subject`.
   */
  subject?: {
    load(db: Executor, actor: LoadedActor): Promise<S>;
    facts(subject: S): ResourceFacts;
  };
}

/** Options of one audit event beyond its details: another resource id, or its outcome. */
export interface AuditOptions {
  /** The id of the resource when it is known only in the body (a created resource). */
  resourceId?: string | null;
  outcome?: 'success' | 'failure';
}

/** Writes the operation's audit event: caller, time, account, action and resource filled in. */
export type BoundAudit<A extends AuditAction> = (
  details: AuditDetails<A>,
  options?: AuditOptions,
) => Promise<AuditEventRow>;

/** What the body of an account operation gets. */
export interface OperationContext<A extends AuditAction, S, E extends Executor> {
  /** The transaction of a change; the database for a read. */
  db: E;
  actor: LoadedActor;
  /** The operation's time: read once, recorded by its audit event. */
  now: Date;
  subject: S;
  audit: BoundAudit<A>;
}

/**
 * The audit writer of `action` on `accountId` by `ctx` at `now`, in `trx`: what operations and
 * jobs use instead of calling {@link writeAuditEvent} with the same facts again.
 */
export function auditorOf<A extends AuditAction>(
  trx: Executor,
  ctx: AuditContext,
  now: Date,
  accountId: string,
  action: A,
  resource: ResourceType,
  resourceId: string | null = null,
): BoundAudit<A> {
  return (details, options = {}) =>
    writeAuditEvent<A>(trx, ctx, now, {
      accountId,
      action,
      resource: { type: resource, id: options.resourceId ?? resourceId },
      outcome: options.outcome ?? 'success',
      details,
    });
}

async function authorized<A extends AuditAction, S>(
  db: Executor,
  actor: LoadedActor,
  op: AccountOperation<A, S>,
): Promise<S> {
  authorizeNeeds(actor, op.needs, undefined, op.ownerOnly);
  if (!op.subject) return undefined as S;
  const subject = await op.subject.load(db, actor);
  authorizeNeeds(actor, op.needs, op.subject.facts(subject), op.ownerOnly);
  return subject;
}

/**
 * Runs a change as `caller` on `accountId` inside one transaction: the operation is
 * authorized first, and the body's changes and its audit events commit together or not at
 * all. A refused attempt rolls back and is written as a `denied` event in a transaction of
 * its own. A deadlock or serialization failure re-runs the whole transaction
 * ({@link transact}), so the body must not act outside the database.
 *
 * Lock order (PostgreSQL), the same in every account write: the account row first when the
 * body needs it (`lockAccount`: `FOR NO KEY UPDATE`, or `FOR SHARE`), then the rows it
 * changes, and the audit chain head last — by writing the audit event at the end of the body.
 */
export async function inAccount<A extends AuditAction, S = undefined, T = void>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  op: AccountOperation<A, S>,
  fn: (ctx: OperationContext<A, S, Trx>) => Promise<T>,
): Promise<T> {
  try {
    return await transact(deps.db, (trx) =>
      inAccountWithin(trx, caller, accountId, deps.clock.now(), op, fn),
    );
  } catch (error) {
    await recordDenied(deps, caller, accountId, op, error);
    throw error;
  }
}

/**
 * An account operation inside a transaction the caller already runs (a change to the user
 * that carries changes to their accounts along), at that transaction's time `now`. Authorized
 * and audited as {@link inAccount}; a refusal throws and rolls back the caller's transaction.
 */
export async function inAccountWithin<A extends AuditAction, S = undefined, T = void>(
  trx: Trx,
  caller: Caller,
  accountId: string,
  now: Date,
  op: AccountOperation<A, S>,
  fn: (ctx: OperationContext<A, S, Trx>) => Promise<T>,
): Promise<T> {
  const actor = await loadActor(trx, caller, accountId);
  const subject = await authorized(trx, actor, op);
  const ctx = auditContextOf(caller);
  const audit = auditorOf(trx, ctx, now, accountId, op.action, op.resource, op.resourceId);
  return fn({ db: trx, actor, now, subject, audit });
}

/**
 * Like {@link inAccount} for reads: no transaction is opened, but the same authorization and
 * denied-attempt auditing apply. `audit` writes its event in a transaction of its own (a read
 * that is recorded: an export, a verification).
 */
export async function readAccount<A extends AuditAction, S = undefined, T = void>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  op: AccountOperation<A, S>,
  fn: (ctx: OperationContext<A, S, Executor>) => Promise<T>,
): Promise<T> {
  try {
    // A session's membership read with the session (same request, no transaction) stands for
    // reading it again here.
    const prefetched = caller.prefetched;
    const actor =
      prefetched !== undefined && prefetched.accountId === accountId
        ? actorOf(caller, accountId, prefetched.row)
        : await loadActor(deps, caller, accountId);
    const subject = await authorized(deps.db, actor, op);
    const now = deps.clock.now();
    const ctx = auditContextOf(caller);
    const audit: BoundAudit<A> = (details, options) =>
      transact(deps.db, (trx) =>
        auditorOf(
          trx,
          ctx,
          now,
          accountId,
          op.action,
          op.resource,
          op.resourceId,
        )(details, options),
      );
    return await fn({ db: deps.db, actor, now, subject, audit });
  } catch (error) {
    await recordDenied(deps, caller, accountId, op, error);
    throw error;
  }
}

/**
 * Writes a refused attempt at `op` on `accountId` by `caller`, in a transaction of its own
 * (the attempt's own transaction, if any, rolled back).
 */
export function auditDenied(
  deps: Deps,
  caller: Caller,
  accountId: string,
  op: Pick<AccountOperation<AuditAction, unknown>, 'action' | 'resource' | 'resourceId'>,
  details: DeniedDetails,
): Promise<AuditEventRow> {
  return transact(deps.db, (trx) =>
    writeAuditEvent(trx, auditContextOf(caller), deps.clock.now(), {
      accountId,
      action: op.action,
      resource: { type: op.resource, id: op.resourceId ?? null },
      outcome: 'denied',
      details,
    }),
  );
}

async function recordDenied(
  deps: Deps,
  caller: Caller,
  accountId: string,
  op: AccountOperation<AuditAction, unknown>,
  error: unknown,
): Promise<void> {
  if (!(error instanceof AppError) || !error.extra.denied) return;
  await auditDenied(deps, caller, accountId, op, {
    permission: error.extra.denied.permission,
    reason: error.message,
  });
}
