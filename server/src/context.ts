import type { Config } from './config.js';
import type { Db, DialectName } from './db/database.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Catalog } from './pods/catalog.js';
import type { RuntimeDriver } from './pods/runtime/driver.js';

/** Everything a service function needs besides its caller and input. */
export interface Deps {
  db: Db;
  dialect: DialectName;
  clock: Clock;
  config: Config & { secret: string };
  logger: Logger;
  /** GPU types and templates Pods are made from (built-ins + GANTRY_CATALOG). */
  catalog: Catalog;
  /** Runs Pod workloads (`local`: child processes). */
  runtime: RuntimeDriver;
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

/** A signed-in caller: who, and from where. */
export interface Caller extends RequestMeta {
  principal: Principal;
}

/** A caller signed in with a session (a person in a browser), not an API key. */
export interface SessionCaller extends Caller {
  principal: Extract<Principal, { kind: 'session' }>;
}
