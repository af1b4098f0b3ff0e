import type { PodUsage } from './billing/pod-usage.js';
import type { Config } from './config.js';
import type { Db, DialectName, RawHandle } from './db/database.js';
import type { AccountRow, MembershipRow } from './db/schema.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Catalog } from './pods/catalog.js';
import type { PodBilling } from './pods/pod-billing.js';
import type { RuntimeDriver } from './pods/runtime/driver.js';

/** Everything a service function needs besides its caller and input. */
export interface Deps {
  db: Db;
  dialect: DialectName;
  /** The driver below `db` (the database handle's), for the few hot paths that use it. */
  raw: RawHandle;
  clock: Clock;
  config: Config & { secret: string };
  logger: Logger;
  /** GPU types and templates Pods are made from (built-ins + GANTRY_CATALOG). */
  catalog: Catalog;
  /** Runs Pod workloads (`local`: child processes). */
  runtime: RuntimeDriver;
  /** Billing as the Pods module sees it (guards, charge to a stop), wired in `server.ts`. */
  podBilling: PodBilling;
  /** Pods as billing sees them (live spend, names, the meter's Pods), wired in `server.ts`. */
  podUsage: PodUsage;
}

/** The authenticated identity behind a request. */
export type Principal =
  | { kind: 'session'; userId: string; email: string; name: string; sessionId: string }
  | {
      kind: 'apikey';
      userId: string;
      email: string;
      name: string;
      keyId: string;
      /** API keys belong to one account and never reach another. */
      accountId: string;
      readOnly: boolean;
    };

/** Facts about the request that audit events record. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** An account with the role one member holds on it: what authorization reads. */
export interface MemberOfAccount extends AccountRow {
  role: MembershipRow['role'];
  /** Since when the member signs in with two factors; null: they do not. */
  two_factor_at: string | null;
}

/**
 * The caller's membership on the account a request's path names, read in the same query as
 * the session (one database round trip for an account-scoped request). `row` is undefined
 * when the caller is no member of that account. Only reads outside a transaction use it
 * (`readAccount`); a change reads the membership again inside its transaction. It is as old as
 * the request: a service that changed a membership and then read the same account again in one
 * request would see the old row (none does: each route calls one service function).
 */
export interface PrefetchedMembership {
  accountId: string;
  row: MemberOfAccount | undefined;
}

/** A signed-in caller: who, and from where. */
export interface Caller extends RequestMeta {
  principal: Principal;
  /** Set for HTTP requests authenticated by a session on an `/accounts/:accountId` path. */
  prefetched?: PrefetchedMembership | undefined;
}

/** A caller signed in with a session (a person in a browser), not an API key. */
export interface SessionCaller extends Caller {
  principal: Extract<Principal, { kind: 'session' }>;
}
