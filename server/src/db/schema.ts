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
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
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
export type AuditEventRow = Selectable<AuditEventsTable>;
export type BillingAccountRow = Selectable<BillingAccountsTable>;
export type BillingTransactionRow = Selectable<BillingTransactionsTable>;
export type PodMeterRow = Selectable<PodMetersTable>;
