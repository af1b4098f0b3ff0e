import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { accept, buildTeam, invite } from '../../test/teams.js';

/** An invite carries its creator's authority and no more (issue: invites outliving an Admin). */
describe.each(DIALECTS)('invites carry their creator authority on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  const inviteRow = (id: string) =>
    gantry.deps.db.selectFrom('invites').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const systemRevokes = async (accountId: string) =>
    (await auditEvents(gantry, accountId)).filter(
      (e) => e.action === 'invite.revoke' && e.actor_type === 'system',
    );

  it('revokes a demoted Admin’s pending invites in the change, audited by system', async () => {
    const { owner, accountId, members } = await buildTeam(gantry, ['admin']);
    const admin = members[0]!;
    const theirs = await invite(admin, accountId, { role: 'admin', maxUses: 100 });
    const ownersOwn = await invite(owner, accountId, { role: 'dev' });
    const demoted = await owner.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${accountId}/members/${admin.user.id}`,
      payload: { role: 'basic' },
    });
    expect(demoted.statusCode).toBe(200);
    expect((await inviteRow(theirs.id)).revoked_at).not.toBeNull();
    expect((await inviteRow(ownersOwn.id)).revoked_at).toBeNull();
    const events = await systemRevokes(accountId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ resource_id: theirs.id, outcome: 'success' });
    expect(detailsOf(events[0]!)).toMatchObject({
      reason: 'creator_role_changed',
      createdBy: admin.user.id,
      role: 'admin',
    });
    // A new account cannot use it: 410, no membership.
    const stranger = await signUp(gantry.app);
    const answer = await accept(stranger, theirs.token);
    expect(answer.statusCode).toBe(410);
    expect(answer.json().error.code).toBe('invite_revoked');
    // The owner's invite still works.
    expect((await accept(stranger, ownersOwn.token)).statusCode).toBe(200);
  });

  it('keeps the invites of an Admin whose role changes to Admin again, and of other Admins', async () => {
    const { owner, accountId, members } = await buildTeam(gantry, ['admin', 'admin']);
    const [first, second] = members as [(typeof members)[0], (typeof members)[0]];
    const kept = await invite(second, accountId, { role: 'dev' });
    await owner.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${accountId}/members/${first.user.id}`,
      payload: { role: 'billing' },
    });
    expect((await inviteRow(kept.id)).revoked_at).toBeNull();
  });

  it('revokes a removed Admin’s invites: he cannot let himself back in', async () => {
    const { owner, accountId, members } = await buildTeam(gantry, ['admin']);
    const admin = members[0]!;
    const theirs = await invite(admin, accountId, { role: 'admin', maxUses: 100 });
    const removed = await owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${accountId}/members/${admin.user.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const back = await accept(admin, theirs.token);
    expect(back.statusCode).toBe(410);
    const memberships = await gantry.deps.db
      .selectFrom('memberships')
      .select('user_id')
      .where('account_id', '=', accountId)
      .execute();
    expect(memberships.map((m) => m.user_id)).not.toContain(admin.user.id);
    const events = await systemRevokes(accountId);
    expect(events.map((e) => detailsOf(e).reason)).toEqual(['creator_removed']);
  });

  it('revokes a departed Admin’s invites', async () => {
    const { accountId, members } = await buildTeam(gantry, ['admin']);
    const admin = members[0]!;
    const theirs = await invite(admin, accountId, { role: 'dev', maxUses: 5 });
    const left = await admin.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${accountId}/members/${admin.user.id}`,
    });
    expect(left.statusCode).toBe(204);
    expect((await accept(await signUp(gantry.app), theirs.token)).statusCode).toBe(410);
    const events = await systemRevokes(accountId);
    expect(events.map((e) => detailsOf(e).reason)).toEqual(['creator_left']);
  });

  it('revokes every pending invite on Delete Team, each audited by system', async () => {
    const { owner, accountId, members } = await buildTeam(gantry, ['admin']);
    const a = await invite(owner, accountId, { role: 'dev' });
    const b = await invite(members[0]!, accountId, { role: 'basic' });
    const deleted = await owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${accountId}/team`,
    });
    expect(deleted.statusCode).toBe(200);
    const events = await systemRevokes(accountId);
    expect(events.map((e) => e.resource_id).sort()).toEqual([a.id, b.id].sort());
    expect(events.every((e) => detailsOf(e).reason === 'team_deleted')).toBe(true);
  });

  it('re-checks the creator at acceptance, even when the invite row still looks pending', async () => {
    const { accountId, members } = await buildTeam(gantry, ['admin']);
    const admin = members[0]!;
    const theirs = await invite(admin, accountId, { role: 'admin' });
    // The role changed behind the services' back: acceptance asks the policy table again.
    await gantry.deps.db
      .updateTable('memberships')
      .set({ role: 'dev' })
      .where('account_id', '=', accountId)
      .where('user_id', '=', admin.user.id)
      .execute();
    const answer = await accept(await signUp(gantry.app), theirs.token);
    expect(answer.statusCode).toBe(410);
    expect(answer.json().error.code).toBe('invite_revoked');
  });
});
