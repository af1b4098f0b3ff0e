import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/harness.js';
import type { DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { acquireLease, releaseLease } from './lease.js';

describe.each(DIALECTS)('leases on %s', (dialect) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    await migrateToLatest(database);
  });
  afterAll(() => database?.close());

  it('one holder at a time; taken over once it lapses; given up on release', async () => {
    const db = database.db;
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(await acquireLease(db, 'meter', 'a', t0, 1000)).toBe(true);
    expect(await acquireLease(db, 'meter', 'b', at(10), 1000)).toBe(false);
    // The holder renews it.
    expect(await acquireLease(db, 'meter', 'a', at(900), 1000)).toBe(true);
    expect(await acquireLease(db, 'meter', 'b', at(1500), 1000)).toBe(false);
    // a was killed: once its lease lapses, b takes over, and a no longer holds it.
    expect(await acquireLease(db, 'meter', 'b', at(2000), 1000)).toBe(true);
    expect(await acquireLease(db, 'meter', 'a', at(2100), 1000)).toBe(false);
    await releaseLease(db, 'meter', 'b');
    expect(await acquireLease(db, 'meter', 'a', at(2200), 1000)).toBe(true);
    // Other leases are separate.
    expect(await acquireLease(db, 'hosts', 'b', at(2200), 1000)).toBe(true);
  });

  it('of many instances racing for a free lease, exactly one wins', async () => {
    const now = new Date('2026-02-01T00:00:00Z');
    const wins = await Promise.all(
      Array.from({ length: 8 }, (_, i) => acquireLease(database.db, 'race', `i${i}`, now, 1000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
