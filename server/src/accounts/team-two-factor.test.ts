import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey, turnOnTwoFactor } from '../../test/factories.js';
import {
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { buildTeam } from '../../test/teams.js';

describe.each(DIALECTS)('a team requiring two-factor sign-in on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry.close());

  const setRequirement = (user: TestUser, accountId: string, requireTwoFactor: boolean) =>
    user.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${accountId}/security`,
      payload: { requireTwoFactor },
    });

  it('shuts out members without two factors, by session and API key, until they turn it on', async () => {
    const team = await buildTeam(gantry, ['dev', 'basic']);
    const [dev, basic] = team.members as [TestUser, TestUser];
    const base = `/api/v1/accounts/${team.accountId}`;
    const devKey = await buildApiKey(dev, team.accountId);
    const asDevKey = asApiKey(gantry.app, devKey.secret);

    // Whoever turns it on must use two factors themselves.
    const first = await setRequirement(team.owner, team.accountId, true);
    expect(first.statusCode).toBe(409);
    expect(first.json().error.code).toBe('enable_two_factor_first');
    await turnOnTwoFactor(team.owner);
    const on = await setRequirement(team.owner, team.accountId, true);
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ id: team.accountId, requireTwoFactor: true });
    const event = (await auditEvents(gantry, team.accountId)).at(-1);
    expect(event?.action).toBe('account.update');
    expect(detailsOf(event as { details: string })).toEqual({
      before: { requireTwoFactor: false },
      after: { requireTwoFactor: true },
    });

    // Reads (the membership read with the session) and changes (read in their transaction).
    for (const [who, request] of [
      ['dev session', dev.request],
      ['dev API key', asDevKey],
      ['basic session', basic.request],
    ] as const) {
      const read = await request({ method: 'GET', url: base });
      expect(read.statusCode, who).toBe(403);
      expect(read.json().error.code, who).toBe('two_factor_required_by_team');
      expect(read.json().error.message, who).toContain('requires two-factor sign-in');
      const pods = await request({ method: 'GET', url: `${base}/pods` });
      expect(pods.statusCode, who).toBe(403);
    }
    const change = await dev.request({
      method: 'POST',
      url: `${base}/api-keys`,
      payload: { name: 'blocked' },
    });
    expect(change.json().error.code).toBe('two_factor_required_by_team');
    // They still see the team among their accounts, marked, and their own account is theirs.
    const me = (await dev.request({ method: 'GET', url: '/api/v1/me' })).json();
    const membership = me.memberships.find(
      (m: { account: { id: string } }) => m.account.id === team.accountId,
    );
    expect(membership.account.requireTwoFactor).toBe(true);
    const own = await dev.request({ method: 'GET', url: `/api/v1/accounts/${dev.account.id}` });
    expect(own.statusCode).toBe(200);
    expect(own.json().requireTwoFactor).toBe(false);
    // The owner, who uses two factors, goes on.
    expect((await team.owner.request({ method: 'GET', url: `${base}/pods` })).statusCode).toBe(200);

    // The dev turns it on: in again, by session and by key.
    await turnOnTwoFactor(dev);
    expect((await dev.request({ method: 'GET', url: base })).statusCode).toBe(200);
    expect((await asDevKey({ method: 'GET', url: `${base}/pods` })).statusCode).toBe(200);

    // Off again: the basic member is back.
    expect((await setRequirement(team.owner, team.accountId, false)).json()).toMatchObject({
      requireTwoFactor: false,
    });
    expect((await basic.request({ method: 'GET', url: base })).statusCode).toBe(200);
  });

  it('is for teams, set by those with settings.manage, and the same value again changes nothing', async () => {
    const solo = await signUp(gantry.app, { name: 'Solo' });
    await turnOnTwoFactor(solo);
    const personal = await setRequirement(solo, solo.account.id, true);
    expect(personal.statusCode).toBe(409);
    expect(personal.json().error.code).toBe('not_a_team');

    const team = await buildTeam(gantry, ['dev']);
    const [dev] = team.members as [TestUser];
    await turnOnTwoFactor(dev);
    const denied = await setRequirement(dev, team.accountId, true);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
    // Someone else's team is not found, whatever they may do on their own account.
    const outsider = await setRequirement(solo, team.accountId, true);
    expect(outsider.statusCode).toBe(404);
    expect(outsider.json().error.code).toBe('not_found');

    await turnOnTwoFactor(team.owner);
    expect((await setRequirement(team.owner, team.accountId, true)).statusCode).toBe(200);
    const events = (await auditEvents(gantry, team.accountId)).length;
    expect((await setRequirement(team.owner, team.accountId, true)).statusCode).toBe(200);
    expect(await auditEvents(gantry, team.accountId)).toHaveLength(events);
  });
});
