import { auditContextOf } from '../audit/audit.context.js';
import { writeAuditEvent } from '../audit/audit.writer.js';
import { grantWelcomeCredit } from '../billing/billing.service.js';
import type { Caller, Deps, RequestMeta } from '../context.js';
import type { Executor, Trx } from '../db/database.js';
import type { AccountRow, UserRow } from '../db/schema.js';
import { newId } from '../lib/ids.js';
import { readAccount } from '../permissions/access.js';
import {
  type AccountActor,
  authorize,
  type Permission,
  permissionsOf,
  type Role,
} from '../permissions/policy.js';
import {
  findAccount,
  insertAccount,
  insertMembership,
  listMembershipsOfUser,
} from './accounts.store.js';

export interface AccountDto {
  id: string;
  name: string;
  kind: 'personal' | 'team';
  ownerId: string;
  createdAt: string;
  updatedAt: string;
  role: Role;
  isOwner: boolean;
  permissions: Permission[];
}

/** Maps an account row and the caller's standing on it to the API object. */
export function toAccountDto(account: AccountRow, actor: AccountActor): AccountDto {
  return {
    id: account.id,
    name: account.name,
    kind: account.kind,
    ownerId: account.owner_id,
    createdAt: account.created_at,
    updatedAt: account.updated_at,
    role: actor.role,
    isOwner: actor.isOwner,
    permissions: permissionsOf(actor),
  };
}

function actorFor(account: AccountRow, userId: string, email: string, role: Role): AccountActor {
  return {
    accountId: account.id,
    accountKind: account.kind,
    userId,
    email,
    role,
    isOwner: account.owner_id === userId,
  };
}

/**
 * Creates a user's personal account, owned by them with the Admin role,
 * in the caller's transaction, and audits `account.create`; grants the welcome credit.
 */
export async function createPersonalAccount(
  deps: Deps,
  trx: Trx,
  user: UserRow,
  meta: RequestMeta,
): Promise<AccountDto> {
  const now = deps.clock.now();
  const account: AccountRow = {
    id: newId(),
    name: user.name,
    kind: 'personal',
    owner_id: user.id,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await insertAccount(trx, account);
  await insertMembership(trx, {
    account_id: account.id,
    user_id: user.id,
    role: 'admin',
    created_at: account.created_at,
  });
  const caller: Caller = {
    ...meta,
    principal: {
      kind: 'session',
      userId: user.id,
      email: user.email,
      name: user.name,
      sessionId: '',
    },
  };
  await writeAuditEvent(trx, auditContextOf(caller), now, {
    accountId: account.id,
    action: 'account.create',
    resource: { type: 'account', id: account.id },
    details: { name: account.name, kind: account.kind },
  });
  await grantWelcomeCredit(trx, deps, account.id, meta);
  return toAccountDto(account, actorFor(account, user.id, user.email, 'admin'));
}

export interface MembershipDto {
  account: AccountDto;
  role: Role;
  isOwner: boolean;
}

/** Every account the caller belongs to (an API key: only its own account). */
export async function listAccounts(
  deps: Deps,
  caller: Caller,
  db: Executor = deps.db,
): Promise<MembershipDto[]> {
  const { principal } = caller;
  const rows = await listMembershipsOfUser(
    db,
    principal.userId,
    principal.kind === 'apikey' ? principal.accountId : undefined,
  );
  return rows.map((row) => {
    const actor = actorFor(row, principal.userId, principal.email, row.role);
    if (principal.kind === 'apikey')
      actor.apiKey = { id: principal.keyId, readOnly: principal.readOnly };
    const account = toAccountDto(row, actor);
    return { account, role: account.role, isOwner: account.isOwner };
  });
}

/** One account with the caller's role and permissions (`account.use`). */
export function getAccount(deps: Deps, caller: Caller, accountId: string): Promise<AccountDto> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'account.view', resource: { type: 'account', id: accountId } },
    async (db, actor) => {
      authorize(actor, 'account.use');
      const account = await findAccount(db, accountId);
      if (!account) throw new Error(`membership without account ${accountId}`);
      return toAccountDto(account, actor);
    },
  );
}
