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

export interface Database {
  users: UsersTable;
  accounts: AccountsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
  pods: PodsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type PodRow = Selectable<PodsTable>;
export type PodUpdate = Updateable<PodsTable>;
