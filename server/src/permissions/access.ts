import { auditContextOf } from '../audit/audit.context.js';
import type { AuditAction, ResourceType } from '../audit/audit.events.js';
import { writeAuditEvent } from '../audit/audit.writer.js';
import type { Caller, Deps, MemberOfAccount } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import { preparedLookup } from '../db/prepared.js';
import type { AccountRow } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import type { AccountActor } from './policy.js';

/** The caller on one account, with the account as read in the same query. */
export interface LoadedActor extends AccountActor {
  account: AccountRow;
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
  db: Executor,
  caller: Caller,
  accountId: string,
): Promise<LoadedActor> {
  const { principal } = caller;
  if (principal.kind === 'apikey' && principal.accountId !== accountId) throw notFound('Account');
  return actorOf(caller, accountId, await membershipWithAccount(db, accountId, principal.userId));
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
  // Built as one literal, without rest or spread: V8 copies those property by property on its
  // slow path, which cost this (per-request) function several microseconds.
  const actor: LoadedActor = {
    account: {
      id: row.id,
      name: row.name,
      kind: row.kind,
      owner_id: row.owner_id,
      created_at: row.created_at,
      updated_at: row.updated_at,
      require_two_factor_at: row.require_two_factor_at,
    },
    accountId,
    accountKind: row.kind,
    userId: principal.userId,
    email: principal.email,
    role: row.role,
    isOwner: row.owner_id === principal.userId,
  };
  if (principal.kind === 'apikey') {
    actor.apiKey = { id: principal.keyId, readOnly: principal.readOnly };
  }
  return actor;
}

/** What is being attempted, so a denied attempt can be audited. */
export interface Attempt {
  action: AuditAction;
  resource: { type: ResourceType; id?: string | null };
}

/**
 * Runs `fn` as `caller` on `accountId` inside one transaction: the change and
 * its audit events commit together or not at all. `fn` must call
 * `authorize(actor, …)` before anything else; when that throws, the transaction
 * rolls back and the denied attempt is written in a transaction of its own.
 */
export async function inAccount<T>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  attempt: Attempt,
  fn: (trx: Trx, actor: LoadedActor) => Promise<T>,
): Promise<T> {
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const actor = await loadActor(trx, caller, accountId);
      return fn(trx, actor);
    });
  } catch (error) {
    await recordDenied(deps, caller, accountId, attempt, error);
    throw error;
  }
}

/**
 * Like {@link inAccount} for reads: no transaction is opened, but the same
 * actor resolution and denied-attempt auditing apply.
 */
export async function readAccount<T>(
  deps: Deps,
  caller: Caller,
  accountId: string,
  attempt: Attempt,
  fn: (db: Executor, actor: LoadedActor) => Promise<T>,
): Promise<T> {
  try {
    // A session's membership read with the session (same request, no transaction) stands for
    // reading it again here.
    const prefetched = caller.prefetched;
    const actor =
      prefetched !== undefined && prefetched.accountId === accountId
        ? actorOf(caller, accountId, prefetched.row)
        : await loadActor(deps.db, caller, accountId);
    return await fn(deps.db, actor);
  } catch (error) {
    await recordDenied(deps, caller, accountId, attempt, error);
    throw error;
  }
}

async function recordDenied(
  deps: Deps,
  caller: Caller,
  accountId: string,
  attempt: Attempt,
  error: unknown,
): Promise<void> {
  if (!(error instanceof AppError) || !error.extra.denied) return;
  const denied = error.extra.denied;
  await deps.db.transaction().execute((trx) =>
    writeAuditEvent(trx, auditContextOf(caller), deps.clock.now(), {
      accountId,
      action: attempt.action,
      resource: { type: attempt.resource.type, id: attempt.resource.id ?? null },
      outcome: 'denied',
      details: { permission: denied.permission, reason: error.message },
    }),
  );
}
