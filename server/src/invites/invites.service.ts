import type { Static } from '@sinclair/typebox';
import { type AccountDto, toAccountDto } from '../accounts/accounts.service.js';
import { insertMembership, lockAccount } from '../accounts/accounts.store.js';
import { auditContextOf } from '../audit/audit.context.js';
import { SYSTEM_CONTEXT } from '../audit/audit.events.js';
import { findUserById, normalizeEmail } from '../auth/auth.store.js';
import type { Caller, Deps } from '../context.js';
import type { Executor } from '../db/database.js';
import type { AccountRow, InviteRow } from '../db/schema.js';
import { transact } from '../db/transaction.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import { hashToken, newToken, seal, unseal } from '../lib/secrets.js';
import { enqueueMail, mailConfigured } from '../mail/mail.outbox.js';
import { inviteMail, maskEmail } from '../mail/messages.js';
import { findMember } from '../members/members.store.js';
import {
  auditDenied,
  auditorOf,
  buildActor,
  inAccount,
  readAccount,
} from '../permissions/access.js';
import { can, type Role } from '../permissions/policy.js';
import type { InvitePreviewSchema, InviteSchema } from './invites.schemas.js';
import {
  consumeInviteUse,
  findInvite,
  findInviteByTokenHash,
  hasAccepted,
  type InviteWithCreator,
  insertAcceptance,
  insertInvite,
  isMemberByEmail,
  listPendingInvites,
  revokeInvite as revokeInviteRow,
  revokePendingInvitesOf,
} from './invites.store.js';

/** Roles as mail names them. */
const ROLE_NAMES: Record<Role, string> = {
  basic: 'Basic',
  billing: 'Billing',
  dev: 'Dev',
  admin: 'Admin',
};

/** The purpose the invite tokens are sealed under (a key of its own, derived from the secret). */
const SEAL_PURPOSE = 'invite';
export const DEFAULT_EXPIRES_IN_HOURS = 168;
export const DEFAULT_MAX_USES = 1;

export type InviteDto = Static<typeof InviteSchema>;

export type InvitePreviewDto = Static<typeof InvitePreviewSchema>;

function inviteUrl(deps: Deps, token: string): string {
  return `${deps.config.publicUrl}/invite/${token}`;
}

/** Maps an invite row to the API object; its link is unsealed to be shown again. */
export function toInviteDto(deps: Deps, row: InviteWithCreator): InviteDto {
  const token = unseal(deps.config.secret, SEAL_PURPOSE, row.token_sealed);
  return {
    id: row.id,
    role: row.role,
    url: token ? inviteUrl(deps, token) : null,
    email: row.email_normalized,
    expiresAt: row.expires_at,
    maxUses: Number(row.max_uses),
    uses: Number(row.uses),
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName: row.creator_name,
    createdByEmail: row.creator_email,
  };
}

/** Why an invite cannot be used any more, or null while it is pending. */
function notPendingError(row: InviteRow, now: Date): AppError | null {
  if (row.revoked_at !== null) return new AppError('invite_revoked', 'This invite was revoked');
  if (Date.parse(row.expires_at) <= now.getTime()) {
    return new AppError('invite_expired', 'This invite has expired');
  }
  if (Number(row.uses) >= Number(row.max_uses)) {
    return new AppError('invite_used_up', 'This invite has already been used');
  }
  return null;
}

export interface CreateInviteInput {
  role: Role;
  email?: string | undefined;
  expiresInHours?: number | undefined;
  maxUses?: number | undefined;
}

/**
 * Creates an invite link to a team (`members.manage`). The token is returned
 * inside the link; it is stored as a hash (to find it) and sealed (to show the
 * link again while pending).
 */
export function createInvite(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: CreateInviteInput,
): Promise<InviteDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    { action: 'invite.create', resource: 'invite', resourceId: null, needs: 'members.manage' },
    async ({ db: trx, actor, now, audit }) => {
      const account = await lockAccount(trx, deps.dialect, accountId, 'share');
      if (!account) throw notFound('Account');
      if (account.kind !== 'team') {
        throw new AppError(
          'not_a_team',
          'A personal account cannot invite; convert it to a team account first',
        );
      }
      const email = input.email === undefined ? null : normalizeEmail(input.email);
      if (email && !mailConfigured(deps) && !deps.config.manualEmailVerification) {
        // Binding means nothing without verified addresses.
        throw new AppError(
          'mail_not_configured',
          'Gantry sends no mail here, so an invite cannot be bound to an email; leave the email out and send the link yourself',
        );
      }
      if (email && (await isMemberByEmail(trx, accountId, email))) {
        throw new AppError('already_member', 'A user with this email is already a member');
      }
      const hours = input.expiresInHours ?? DEFAULT_EXPIRES_IN_HOURS;
      const token = newToken(32);
      const row: InviteRow = {
        id: newId(),
        account_id: accountId,
        role: input.role,
        email_normalized: email,
        token_hash: hashToken(token),
        token_sealed: seal(deps.config.secret, SEAL_PURPOSE, token),
        expires_at: new Date(now.getTime() + hours * 3600_000).toISOString(),
        max_uses: input.maxUses ?? DEFAULT_MAX_USES,
        uses: 0,
        created_at: now.toISOString(),
        created_by: actor.userId,
        revoked_at: null,
      };
      await insertInvite(trx, row);
      const created = await findInvite(trx, accountId, row.id);
      if (!created) throw new Error(`invite ${row.id} vanished`);
      if (email) {
        // Mailed to its address in the same change: the same link the Admin can copy.
        await enqueueMail(
          deps,
          trx,
          'invite',
          email,
          inviteMail(deps, {
            teamName: account.name,
            role: ROLE_NAMES[row.role],
            inviterName: created.creator_name,
            expiresAt: row.expires_at,
            url: inviteUrl(deps, token),
          }),
        );
      }
      // Last: the audit append takes the account's chain-head lock, held until COMMIT.
      await audit(
        {
          role: row.role,
          email: row.email_normalized,
          expiresAt: row.expires_at,
          maxUses: row.max_uses,
        },
        { resourceId: row.id },
      );
      return toInviteDto(deps, created);
    },
  );
}

/** The account's pending invites with their links (`members.manage`). */
export function listInvites(deps: Deps, caller: Caller, accountId: string): Promise<InviteDto[]> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'invite.view', resource: 'invite', needs: 'members.manage' },
    async ({ db, now }) => {
      const rows = await listPendingInvites(db, accountId, now.toISOString());
      return rows.map((row) => toInviteDto(deps, row));
    },
  );
}

/** Revokes a pending invite (`members.manage`); 410 when it is no longer pending. */
export function revokeInvite(
  deps: Deps,
  caller: Caller,
  accountId: string,
  inviteId: string,
): Promise<void> {
  return inAccount(
    deps,
    caller,
    accountId,
    { action: 'invite.revoke', resource: 'invite', resourceId: inviteId, needs: 'members.manage' },
    async ({ db: trx, now, audit }) => {
      const invite = await findInvite(trx, accountId, inviteId);
      if (!invite) throw notFound('Invite');
      const revoked = await revokeInviteRow(trx, accountId, inviteId, now.toISOString());
      if (!revoked) {
        const latest = (await findInvite(trx, accountId, inviteId)) ?? invite;
        throw notPendingError(latest, now) ?? new AppError('conflict', 'The invite changed');
      }
      await audit({
        role: invite.role,
        email: invite.email_normalized,
        uses: Number(invite.uses),
        before: { revokedAt: null },
        after: { revokedAt: now.toISOString() },
      });
    },
  );
}

/** Why a member's invites stopped carrying authority. */
export type InviteRevokeReason =
  | 'creator_role_changed'
  | 'creator_removed'
  | 'creator_left'
  | 'team_deleted';

/**
 * True when `userId`, as a member of `account` with `role` (null: no longer a member), may
 * manage its members, decided by the policy table itself.
 */
function holdsMembersManage(
  account: Pick<AccountRow, 'id' | 'kind' | 'owner_id'>,
  userId: string,
  role: Role | null,
): boolean {
  if (role === null) return false;
  return can(
    {
      accountId: account.id,
      accountKind: account.kind,
      userId,
      email: '',
      role,
      isOwner: userId === account.owner_id,
    },
    'members.manage',
  );
}

/**
 * An invite carries its creator's authority and no more: once `userId` no longer holds
 * `members.manage` on `account` (now `role`, or null when they are no member any more), every
 * pending invite they created is revoked, in `trx` — the transaction of the change that took the
 * permission away — each with an `invite.revoke` event by `system` naming `reason`. Returns the
 * revoked invites' ids (none while they still hold it).
 */
export async function revokeInvitesOfFormerManager(
  deps: Deps,
  trx: Executor,
  account: Pick<AccountRow, 'id' | 'kind' | 'owner_id'>,
  userId: string,
  role: Role | null,
  reason: InviteRevokeReason,
): Promise<string[]> {
  if (holdsMembersManage(account, userId, role)) return [];
  return revokeWithReason(deps, trx, account.id, userId, reason);
}

/**
 * Revokes the pending invites of `accountId` (those `createdBy` created, or all when null),
 * each with an `invite.revoke` event by `system` naming `reason`; returns their ids.
 */
export async function revokeWithReason(
  deps: Deps,
  trx: Executor,
  accountId: string,
  createdBy: string | null,
  reason: InviteRevokeReason,
): Promise<string[]> {
  const now = deps.clock.now();
  const revoked = await revokePendingInvitesOf(trx, accountId, createdBy, now.toISOString());
  for (const invite of revoked) {
    await auditorOf(
      trx,
      SYSTEM_CONTEXT,
      now,
      accountId,
      'invite.revoke',
      'invite',
      invite.id,
    )({
      reason,
      createdBy: invite.created_by,
      role: invite.role,
      email: invite.email_normalized,
      uses: Number(invite.uses),
      before: { revokedAt: null },
      after: { revokedAt: now.toISOString() },
    });
  }
  return revoked.map((r) => r.id);
}

async function pendingInviteByToken(deps: Deps, token: string) {
  const invite = await findInviteByTokenHash(deps.db, hashToken(token));
  if (!invite) throw notFound('Invite');
  const gone = notPendingError(invite, deps.clock.now());
  if (gone) throw gone;
  return invite;
}

/**
 * What an invite link offers, for anyone holding it (no sign-in): the team's
 * name, the role, the expiry and the inviter's name — nothing else.
 */
export async function previewInvite(deps: Deps, token: string): Promise<InvitePreviewDto> {
  const invite = await pendingInviteByToken(deps, token);
  return {
    accountName: invite.account_name,
    role: invite.role,
    expiresAt: invite.expires_at,
    inviterName: invite.creator_name,
    status: 'pending',
    emailBound: invite.email_normalized !== null,
    email: invite.email_normalized,
  };
}

/**
 * Joins a team through an invite link. Atomic: the use is taken by a
 * conditional UPDATE in the same transaction that inserts the membership and
 * its audit event, so an invite for N people admits exactly N however many
 * accept at once.
 */
export async function acceptInvite(
  deps: Deps,
  caller: Caller,
  token: string,
): Promise<{ account: AccountDto; role: Role }> {
  const invite = await pendingInviteByToken(deps, token);
  const { principal } = caller;
  const ctx = auditContextOf(caller);
  if (invite.email_normalized !== null) {
    // Only the verified owner of the address may accept: an address typed in, by sign-up or
    // by a change of email, proves nothing.
    const user = await findUserById(deps.db, principal.userId);
    const expected = maskEmail(invite.email_normalized);
    const refusal =
      user?.email_normalized !== invite.email_normalized
        ? new AppError(
            'invite_email_mismatch',
            `This invite is for ${expected}; sign in with that address to accept it`,
          )
        : user.email_verified_at === null
          ? new AppError(
              'email_not_verified',
              `This invite is for ${expected}; verify that address (the link mailed to it) to accept it`,
            )
          : null;
    if (refusal) {
      await auditDenied(
        deps,
        caller,
        invite.account_id,
        { action: 'invite.accept', resource: 'invite', resourceId: invite.id },
        { reason: refusal.code, role: invite.role },
      );
      throw refusal;
    }
  }

  try {
    return await transact(deps.db, async (trx) => {
      // A share lock: joins run side by side, but never inside a Delete Team.
      const account = await lockAccount(trx, deps.dialect, invite.account_id, 'share');
      if (!account) throw notFound('Invite');
      if (await findMember(trx, account.id, principal.userId)) {
        throw new AppError('already_member', 'You are already a member of this team');
      }
      if (await hasAccepted(trx, invite.id, principal.userId)) {
        throw new AppError('invite_already_accepted', 'You have already used this invite');
      }
      if (account.kind !== 'team') throw new AppError('invite_revoked', 'This invite was revoked');
      // The invite carries its creator's authority: gone with it, whatever the rows say.
      const creator = await findMember(trx, account.id, invite.created_by);
      if (!holdsMembersManage(account, invite.created_by, creator?.role ?? null)) {
        throw new AppError('invite_revoked', 'This invite was revoked');
      }
      const now = deps.clock.now();
      if (!(await consumeInviteUse(trx, invite.id, now.toISOString()))) {
        const latest = await findInviteByTokenHash(trx, invite.token_hash);
        throw (latest && notPendingError(latest, now)) ?? notFound('Invite');
      }
      await insertMembership(trx, {
        account_id: account.id,
        user_id: principal.userId,
        role: invite.role,
        created_at: now.toISOString(),
      });
      await insertAcceptance(trx, {
        invite_id: invite.id,
        user_id: principal.userId,
        account_id: account.id,
        accepted_at: now.toISOString(),
      });
      await auditorOf(
        trx,
        ctx,
        now,
        account.id,
        'invite.accept',
        'invite',
        invite.id,
      )({
        role: invite.role,
        userId: principal.userId,
      });
      const dto = toAccountDto(account, buildActor(principal, account, invite.role));
      return { account: dto, role: invite.role };
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The same person joining twice at once: the membership key decides.
    if (await findMember(deps.db, invite.account_id, principal.userId)) {
      throw new AppError('already_member', 'You are already a member of this team');
    }
    throw error;
  }
}
