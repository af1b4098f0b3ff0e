import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0004 from './0004_billing.js';

/**
 * Every migration, in order. One set serves SQLite and PostgreSQL.
 * Modules add theirs here: 0002 teams, 0003 pods, 0004 billing, 0005 audit, 0006 api keys.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0004_billing': m0004,
};
