import type { Insertable, Selectable, Updateable } from 'kysely';

/**
 * Column conventions shared by SQLite and PostgreSQL:
 * ids are UUIDv7 text; times are ISO 8601 UTC text (fixed width, so they sort);
 * money is integer micro-units (bigint); flags are nullable timestamps.
 */
export interface UsersTable {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface AccountsTable {
  id: string;
  name: string;
  kind: 'personal' | 'team';
  owner_id: string;
  created_at: string;
  updated_at: string;
  /** Since when the team requires two-factor sign-in of its members; null: not required. */
  require_two_factor_at: string | null;
}

export interface MembershipsTable {
  account_id: string;
  user_id: string;
  role: 'basic' | 'billing' | 'dev' | 'admin';
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

/** A user's security event (sign-in, sign-out, session revocation, profile or password change). */
export interface UserEventsTable {
  id: string;
  user_id: string;
  action: string;
  /** The session that acted, when one did. */
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** A JSON object, or null. */
  details: string | null;
  created_at: string;
}

export interface UserTwoFactorTable {
  user_id: string;
  /** The TOTP secret (base32), sealed under the instance secret. */
  secret_sealed: string;
  /** Null while set-up waits for the first code. */
  enabled_at: string | null;
  /** The time step of the last code accepted. */
  last_step: number | null;
  created_at: string;
}

export interface UserRecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_start: string;
  blocked_until: string | null;
}

export interface AuditEventsTable {
  id: string;
  account_id: string;
  seq: number;
  time: string;
  actor_type: 'user' | 'apikey' | 'system' | 'operator';
  actor_id: string | null;
  actor_user_id: string | null;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: 'success' | 'denied' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadsTable {
  account_id: string;
  seq: number;
  hash: string;
  /** Time of the newest event (0005); null before the first event after that migration. */
  time: string | null;
}

export interface AuditSettingsTable {
  account_id: string;
  /** Days to keep events; null keeps them forever (within the operator's maximum). */
  retention_days: number | null;
  /** A shorter retention waiting for its delay to pass (null: none pending). */
  pending_retention_days: number | null;
  /** When the pending retention applies (ISO time; null: none pending). */
  pending_effective_at: string | null;
  updated_at: string;
  updated_by: string | null;
}

export interface AuditCheckpointsTable {
  account_id: string;
  /** Seq of the last event deleted by a prune batch. */
  seq: number;
  /** Hash of that event: the prev_hash the first remaining event must carry. */
  hash: string;
  pruned_at: string;
  deleted: number;
}

export interface InvitesTable {
  id: string;
  account_id: string;
  role: 'basic' | 'billing' | 'dev' | 'admin';
  /** Set when only the user with this email may accept. */
  email_normalized: string | null;
  token_hash: string;
  /** The token, sealed under a key derived from the instance secret. */
  token_sealed: string;
  expires_at: string;
  max_uses: number;
  uses: number;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

export interface InviteAcceptancesTable {
  invite_id: string;
  user_id: string;
  account_id: string;
  accepted_at: string;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  /** The creator: the key acts as this user, capped by their current role. */
  user_id: string;
  name: string;
  /** The first characters of the secret (`gnt_ab12cd`), shown in lists. */
  prefix: string;
  secret_hash: string;
  /** 1 when the key may only read; better-sqlite3 cannot bind booleans. */
  read_only: number;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  disabled_at: string | null;
  revoked_at: string | null;
}

export interface PodsTable {
  id: string;
  account_id: string;
  name: string;
  status: 'provisioning' | 'starting' | 'running' | 'exited' | 'error' | 'terminated';
  gpu_type: string;
  gpu_count: number;
  template_id: string;
  /** Micro-units per hour for the whole Pod (GPU price × count), fixed at creation. */
  price_per_hour: number;
  /** The Pod's environment variables, as a JSON object of strings. */
  env: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  stopped_at: string | null;
  terminated_at: string | null;
  last_error: string | null;
}

export type BillingKind = 'credit' | 'usage' | 'refund' | 'adjustment';

export interface BillingAccountsTable {
  account_id: string;
  /** Micro-units; always the sum of the account's billing_transactions amounts. */
  balance: number;
  spend_limit_per_hour: number;
  low_balance_threshold: number;
  billing_email: string | null;
  company_name: string | null;
  address: string | null;
  country_code: string | null;
  tax_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Append-only ledger (the database refuses updates and deletes). */
export interface BillingTransactionsTable {
  id: string;
  account_id: string;
  kind: BillingKind;
  /** Micro-units: credits positive, usage negative. */
  amount: number;
  balance_after: number;
  time: string;
  actor_type: 'user' | 'apikey' | 'system' | 'operator';
  actor_id: string | null;
  actor_email: string | null;
  note: string | null;
  /** The payment provider a credit came through. */
  provider: string | null;
  pod_id: string | null;
  period_start: string | null;
  period_end: string | null;
  /** Running time a usage charge covers. */
  duration_ms: number | null;
  created_at: string;
}

/** How far each Pod's running time is charged (one row per Pod that ever ran). */
export interface PodMetersTable {
  pod_id: string;
  account_id: string;
  metered_until: string;
  price_per_hour: number;
  metered_ms: number;
  charged: number;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  accounts: AccountsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  user_events: UserEventsTable;
  user_two_factor: UserTwoFactorTable;
  user_recovery_codes: UserRecoveryCodesTable;
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
  invites: InvitesTable;
  invite_acceptances: InviteAcceptancesTable;
  api_keys: ApiKeysTable;
  audit_settings: AuditSettingsTable;
  audit_checkpoints: AuditCheckpointsTable;
  pods: PodsTable;
  billing_accounts: BillingAccountsTable;
  billing_transactions: BillingTransactionsTable;
  pod_meters: PodMetersTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type UserEventRow = Selectable<UserEventsTable>;
export type UserTwoFactorRow = Selectable<UserTwoFactorTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type InviteAcceptanceRow = Selectable<InviteAcceptancesTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type PodRow = Selectable<PodsTable>;
export type PodUpdate = Updateable<PodsTable>;
export type BillingAccountRow = Selectable<BillingAccountsTable>;
export type BillingTransactionRow = Selectable<BillingTransactionsTable>;
export type PodMeterRow = Selectable<PodMetersTable>;
