import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_teams.js';
import * as m0003 from './0003_pods.js';
import * as m0004 from './0004_billing.js';
import * as m0005 from './0005_audit.js';
import * as m0006 from './0006_apikeys.js';
import * as m0007 from './0007_user_events.js';
import * as m0008 from './0008_two_factor.js';
import * as m0009 from './0009_team_two_factor.js';
import * as m0010 from './0010_hosts.js';
import * as m0011 from './0011_mail.js';
import * as m0012 from './0012_connect.js';
import * as m0014 from './0014_audit_retention_pending.js';

/**
 * Every migration, in order. One set serves SQLite and PostgreSQL.
 * Modules add theirs here: 0002 teams, 0003 pods, 0004 billing, 0005 audit, 0006 api keys,
 * 0007 users' security events, 0008 two-factor sign-in, 0009 teams requiring it, 0010 GPU hosts,
 * GPU assignments and leases, 0011 mail (outbox, emailed links, verified addresses), 0012 Connect
 * origins and Pods that stop on their own, 0014 a shorter audit retention pending until its
 * delay has passed.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_teams': m0002,
  '0003_pods': m0003,
  '0004_billing': m0004,
  '0005_audit': m0005,
  '0006_apikeys': m0006,
  '0007_user_events': m0007,
  '0008_two_factor': m0008,
  '0009_team_two_factor': m0009,
  '0010_hosts': m0010,
  '0011_mail': m0011,
  '0012_connect': m0012,
  '0014_audit_retention_pending': m0014,
};
