import type { Static } from '@sinclair/typebox';
import type { Caller, Deps, Principal } from '../context.js';
import type { ApiKeyRow } from '../db/schema.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import type { ApiKeyAuthenticator } from '../http/authenticate.js';
import { DATE_TIME_EXPECTED } from '../http/schemas.js';
import { newId } from '../lib/ids.js';
import { hashToken, newToken, safeEqual } from '../lib/secrets.js';
import { type AccountOperation, inAccount, readAccount } from '../permissions/access.js';
import { can, KEY_CHANGE_NEEDS } from '../permissions/policy.js';
import type { ApiKeySchema, CreatedApiKeySchema } from './apikeys.schemas.js';
import {
  type ApiKeyWithCreator,
  countLiveApiKeys,
  findApiKey,
  findKeyForAuthentication,
  insertApiKey,
  listApiKeys as listApiKeyRows,
  updateApiKey,
} from './apikeys.store.js';
import { recordApiKeyUse } from './apikeys.usage.js';

/** Every secret starts with this, so scanners and people recognise a Gantry key. */
export const API_KEY_PREFIX = 'gnt_';
/** `gnt_` + 32 random bytes in base64url (256 bits). */
export const API_KEY_PATTERN = /^gnt_[A-Za-z0-9_-]{43}$/;
/** Characters of the random part kept in `prefix` for lists. */
const PREFIX_CHARS = 6;
/** The latest expiry a key may be given: a year (and a day, for leap years) ahead. */
export const MAX_KEY_LIFETIME_MS = 366 * 24 * 3600 * 1000;
/** Keys one member may hold in one account (not counting revoked ones). */
export const MAX_KEYS_PER_MEMBER = 100;

export type ApiKeyDto = Static<typeof ApiKeySchema>;

export type CreatedApiKeyDto = Static<typeof CreatedApiKeySchema>;

/** Maps a key row to the API object; never includes the secret or its hash. */
export function toApiKeyDto(row: ApiKeyWithCreator, now: Date): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    readOnly: row.read_only === 1,
    createdBy: row.user_id,
    createdByName: row.creator_name,
    createdByEmail: row.creator_email,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    disabled: row.disabled_at !== null,
    expired: row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime(),
  };
}

/**
 * The caller's keys in the account (`account.use`); with `apikeys.manage`,
 * every key of the account with its creator. Revoked keys are not listed.
 */
export function listApiKeys(deps: Deps, caller: Caller, accountId: string): Promise<ApiKeyDto[]> {
  return readAccount(
    deps,
    caller,
    accountId,
    { action: 'apikey.view', resource: 'apikey', needs: 'account.use' },
    async ({ db, actor, now }) => {
      const everyKey = can(actor, 'apikeys.manage');
      const rows = await listApiKeyRows(db, accountId, everyKey ? undefined : actor.userId);
      return rows.map((row) => toApiKeyDto(row, now));
    },
  );
}

export interface CreateApiKeyInput {
  name: string;
  readOnly?: boolean | undefined;
  expiresAt?: string | null | undefined;
}

function expiryOf(input: CreateApiKeyInput, now: Date): string | null {
  if (input.expiresAt === undefined || input.expiresAt === null) return null;
  const at = Date.parse(input.expiresAt);
  if (Number.isNaN(at)) throw invalidInput(`body/expiresAt must be ${DATE_TIME_EXPECTED}`);
  if (at <= now.getTime()) throw invalidInput('body/expiresAt must be in the future');
  if (at > now.getTime() + MAX_KEY_LIFETIME_MS) {
    throw invalidInput('body/expiresAt must be at most one year ahead');
  }
  return new Date(at).toISOString();
}

/**
 * Creates a key for the caller in the account (any member: `account.use`).
 * The secret is returned once; only its SHA-256 is stored.
 */
export function createApiKey(
  deps: Deps,
  caller: Caller,
  accountId: string,
  input: CreateApiKeyInput,
): Promise<CreatedApiKeyDto> {
  return inAccount(
    deps,
    caller,
    accountId,
    { action: 'apikey.create', resource: 'apikey', resourceId: null, needs: 'account.use' },
    async ({ db: trx, actor, now, audit }) => {
      const name = input.name.trim();
      if (name.length === 0) throw invalidInput('body/name must not be blank');
      const expiresAt = expiryOf(input, now);
      if ((await countLiveApiKeys(trx, accountId, actor.userId)) >= MAX_KEYS_PER_MEMBER) {
        throw new AppError(
          'api_key_limit_reached',
          `You already hold ${MAX_KEYS_PER_MEMBER} keys in this account; revoke one first`,
        );
      }
      const secret = `${API_KEY_PREFIX}${newToken(32)}`;
      const row: ApiKeyRow = {
        id: newId(),
        account_id: accountId,
        user_id: actor.userId,
        name,
        prefix: secret.slice(0, API_KEY_PREFIX.length + PREFIX_CHARS),
        secret_hash: hashToken(secret),
        read_only: input.readOnly ? 1 : 0,
        created_at: now.toISOString(),
        last_used_at: null,
        expires_at: expiresAt,
        disabled_at: null,
        revoked_at: null,
      };
      await insertApiKey(trx, row);
      await audit(
        { after: { name, prefix: row.prefix, readOnly: row.read_only === 1, expiresAt } },
        { resourceId: row.id },
      );
      const creator = await findApiKey(trx, accountId, row.id);
      if (!creator) throw new Error(`api key ${row.id} vanished`);
      return { ...toApiKeyDto(creator, now), secret };
    },
  );
}

/**
 * A change to an existing key ({@link KEY_CHANGE_NEEDS}: your own needs membership, another
 * member's `apikeys.manage`; a read-only key changes no key), on the key as loaded (404 when
 * it is not the account's).
 */
function keyChange<A extends 'apikey.disable' | 'apikey.enable' | 'apikey.revoke'>(
  action: A,
  accountId: string,
  keyId: string,
): AccountOperation<A, ApiKeyWithCreator> {
  return {
    action,
    resource: 'apikey',
    resourceId: keyId,
    needs: KEY_CHANGE_NEEDS,
    subject: {
      async load(db) {
        const key = await findApiKey(db, accountId, keyId);
        if (!key) throw notFound('API key');
        return key;
      },
      facts: (key) => ({ createdBy: key.user_id }),
    },
  };
}

/** Disables (`disabled: true`) or re-enables a key; no change, no event. */
export function setApiKeyDisabled(
  deps: Deps,
  caller: Caller,
  accountId: string,
  keyId: string,
  disabled: boolean,
): Promise<ApiKeyDto> {
  const action = disabled ? 'apikey.disable' : 'apikey.enable';
  return inAccount(
    deps,
    caller,
    accountId,
    keyChange(action, accountId, keyId),
    async ({ db: trx, now, subject: key, audit }) => {
      if ((key.disabled_at !== null) === disabled) return toApiKeyDto(key, now);
      const disabledAt = disabled ? now.toISOString() : null;
      await updateApiKey(trx, accountId, keyId, { disabled_at: disabledAt });
      await audit({
        name: key.name,
        prefix: key.prefix,
        createdBy: key.user_id,
        before: { disabled: !disabled },
        after: { disabled },
      });
      return toApiKeyDto({ ...key, disabled_at: disabledAt }, now);
    },
  );
}

/** Revokes a key for good: it stops working at once and leaves the list. */
export function revokeApiKey(
  deps: Deps,
  caller: Caller,
  accountId: string,
  keyId: string,
): Promise<void> {
  return inAccount(
    deps,
    caller,
    accountId,
    keyChange('apikey.revoke', accountId, keyId),
    async ({ db: trx, now, subject: key, audit }) => {
      await updateApiKey(trx, accountId, keyId, { revoked_at: now.toISOString() });
      await audit({ name: key.name, prefix: key.prefix, createdBy: key.user_id });
    },
  );
}

/**
 * Resolves `Authorization: Bearer gnt_…` to its principal, or null (401) when
 * the key is malformed, unknown, disabled, expired or revoked, or when its
 * creator is no longer a member of the key's account. Every request reads the
 * key afresh, so disabling or revoking takes effect on the next request.
 */
export const authenticateApiKey: ApiKeyAuthenticator = async (
  deps: Deps,
  secret: string,
): Promise<Principal | null> => {
  if (!API_KEY_PATTERN.test(secret)) return null;
  const secretHash = hashToken(secret);
  const key = await findKeyForAuthentication(deps.db, secretHash);
  if (!key || !safeEqual(key.secret_hash, secretHash)) return null;
  if (key.revoked_at !== null || key.disabled_at !== null) return null;
  const now = deps.clock.now();
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now.getTime()) return null;
  recordApiKeyUse(deps, key.id, key.last_used_at, now);
  return {
    kind: 'apikey',
    userId: key.user_id,
    email: key.email,
    name: key.name,
    keyId: key.id,
    accountId: key.account_id,
    readOnly: key.read_only === 1,
  };
};
