import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestGantry, type TestGantry } from '../../test/harness.js';
import { buildTeam, type TestTeam } from '../../test/teams.js';
import type { Caller, MemberOfAccount, PrefetchedMembership } from '../context.js';
import { inAccount, readAccount } from './access.js';

describe.each(DIALECTS)('the membership read with the session, on %s', (dialect) => {
  let gantry: TestGantry;
  let team: TestTeam;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
    team = await buildTeam(gantry, ['dev']);
  });
  afterAll(() => gantry?.close());

  const attempt = { action: 'account.view', resource: 'account', needs: 'account.use' } as const;
  // The dev member as a caller, with what the authentication hook would have read.
  const callerWith = (prefetched?: PrefetchedMembership): Caller => {
    const dev = team.members[0];
    if (!dev) throw new Error('no member');
    return {
      ip: null,
      userAgent: null,
      requestId: null,
      principal: {
        kind: 'session',
        userId: dev.user.id,
        email: dev.user.email,
        name: dev.user.name,
        sessionId: 'session',
      },
      prefetched,
    };
  };
  // A row that differs from the database (role billing; the member is a dev there).
  const billingRow = (): MemberOfAccount => ({
    id: team.accountId,
    name: 'Prefetched name',
    kind: 'team',
    owner_id: team.owner.user.id,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    require_two_factor_at: null,
    role: 'billing',
    two_factor_at: null,
  });
  const roleIn = (caller: Caller, run: typeof readAccount) =>
    run(gantry.deps, caller, team.accountId, attempt, async ({ actor }) => actor.role);

  it('stands for reading the membership again in a read of that account', async () => {
    const caller = callerWith({ accountId: team.accountId, row: billingRow() });
    expect(await roleIn(caller, readAccount)).toBe('billing');
    await readAccount(gantry.deps, caller, team.accountId, attempt, async ({ actor }) => {
      expect(actor.account.name).toBe('Prefetched name');
    });
    // Not a member when it was read: not found, whatever the database says now.
    const absent = callerWith({ accountId: team.accountId, row: undefined });
    await expect(roleIn(absent, readAccount)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('is not used for another account, without one, or inside a transaction', async () => {
    expect(await roleIn(callerWith(), readAccount)).toBe('dev');
    const elsewhere = callerWith({ accountId: team.owner.user.id, row: billingRow() });
    expect(await roleIn(elsewhere, readAccount)).toBe('dev');
    // A change reads the membership inside its own transaction.
    const prefetched = callerWith({ accountId: team.accountId, row: billingRow() });
    expect(await roleIn(prefetched, inAccount)).toBe('dev');
  });
});
