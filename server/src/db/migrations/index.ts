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
import * as m0014 from './0014_audit_retention_pending.js';

/**
 * Every migration, in order. One set serves SQLite and PostgreSQL.
 * Modules add theirs here: 0002 teams, 0003 pods, 0004 billing, 0005 audit, 0006 api keys,
 * 0007 users' security events, 0008 two-factor sign-in, 0009 teams requiring it, 0014 a
 * shorter audit retention pending until its delay has passed.
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
  '0014_audit_retention_pending': m0014,
};
