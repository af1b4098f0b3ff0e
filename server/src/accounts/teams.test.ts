import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABSENT_ID,
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { buildTeam, convertToTeam, invite } from '../../test/teams.js';

describe.each(DIALECTS)('team lifecycle on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry.close());

  it('converts a personal account to a team, one-way, and audits it', async () => {
    const owner = await signUp(gantry.app, { name: 'Grace' });
    const url = `/api/v1/accounts/${owner.account.id}/convert`;
    const converted = await owner.request({
      method: 'POST',
      url,
      payload: { teamName: '  Compilers  ' },
    });
    expect(converted.statusCode).toBe(200);
    expect(converted.json()).toMatchObject({
      id: owner.account.id,
      kind: 'team',
      name: 'Compilers',
      role: 'admin',
      isOwner: true,
    });
    expect(converted.json().permissions).toContain('members.manage');

    const again = await owner.request({ method: 'POST', url, payload: { teamName: 'Twice' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_team');

    const events = await auditEvents(gantry, owner.account.id);
    const convert = events.filter((e) => e.action === 'account.convert');
    expect(convert).toHaveLength(1);
    expect(convert[0]).toMatchObject({ outcome: 'success', actor_user_id: owner.user.id });
    expect(detailsOf(convert[0]!)).toEqual({
      before: { kind: 'personal', name: 'Grace' },
      after: { kind: 'team', name: 'Compilers' },
    });
  });

  it.each([
    ['blank after trimming', { teamName: '   ' }],
    ['empty', { teamName: '' }],
    ['too long', { teamName: 'x'.repeat(65) }],
    ['control characters', { teamName: 'A\u0007B' }],
    ['unknown field', { teamName: 'Ok', kind: 'team' }],
    ['missing name', {}],
    ['wrong type', { teamName: 7 }],
  ])('refuses to convert with %s (400) and changes nothing', async (_case, payload) => {
    const owner = await signUp(gantry.app);
    const response = await owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${owner.account.id}/convert`,
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
    const account = await owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}`,
    });
    expect(account.json().kind).toBe('personal');
    const events = await auditEvents(gantry, owner.account.id);
    expect(events.map((e) => e.action)).toEqual(['account.create', 'billing.credit']);
  });

  it('answers 401 signed out, 404 for an account that is not mine, 400 for a malformed id', async () => {
    const owner = await signUp(gantry.app);
    const stranger = await signUp(gantry.app);
    const anonymous = await gantry.app.inject({
      method: 'POST',
      url: `/api/v1/accounts/${owner.account.id}/convert`,
      payload: { teamName: 'X' },
    });
    expect(anonymous.statusCode).toBe(401);
    for (const request of [
      { method: 'POST' as const, url: 'convert', payload: { teamName: 'X' } },
      { method: 'PATCH' as const, url: '', payload: { name: 'X' } },
      { method: 'DELETE' as const, url: 'team' },
      { method: 'POST' as const, url: 'transfer-ownership', payload: { userId: stranger.user.id } },
    ]) {
      const path = request.url ? `/${request.url}` : '';
      const other = await stranger.request({
        ...request,
        url: `/api/v1/accounts/${owner.account.id}${path}`,
      });
      expect(other.statusCode, `${request.method} ${request.url}`).toBe(404);
      const malformed = await stranger.request({ ...request, url: `/api/v1/accounts/nope${path}` });
      expect(malformed.statusCode).toBe(400);
    }
    const events = await auditEvents(gantry, owner.account.id);
    expect(events.map((e) => e.action)).toEqual(['account.create', 'billing.credit']);
  });

  it('renames with settings.manage, audits before/after, and denies a Dev with a 403 audited attempt', async () => {
    const team = await buildTeam(gantry, ['dev']);
    const url = `/api/v1/accounts/${team.accountId}`;
    const renamed = await team.owner.request({
      method: 'PATCH',
      url,
      payload: { name: 'Rocket Science' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Rocket Science', kind: 'team' });

    const tooLong = await team.owner.request({
      method: 'PATCH',
      url,
      payload: { name: 'y'.repeat(65) },
    });
    expect(tooLong.statusCode).toBe(400);
    const badBody = await team.owner.request({
      method: 'PATCH',
      url,
      payload: { name: 'Ok', kind: 'personal' },
    });
    expect(badBody.statusCode).toBe(400);

    const dev = team.members[0]!;
    const denied = await dev.request({ method: 'PATCH', url, payload: { name: 'Mine now' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');

    const events = await auditEvents(gantry, team.accountId);
    const updates = events.filter((e) => e.action === 'account.update');
    expect(updates.map((e) => e.outcome)).toEqual(['success', 'denied']);
    expect(detailsOf(updates[0]!)).toEqual({
      before: { name: 'Team Rocket' },
      after: { name: 'Rocket Science' },
    });
    expect(updates[1]).toMatchObject({ actor_user_id: dev.user.id, resource_type: 'account' });
    expect(detailsOf(updates[1]!)).toMatchObject({ permission: 'settings.manage' });
    const now = await team.owner.request({ method: 'GET', url });
    expect(now.json().name).toBe('Rocket Science');
  });

  it('lets a personal account be renamed by its owner', async () => {
    const owner = await signUp(gantry.app, { name: 'Solo' });
    const renamed = await owner.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${owner.account.id}`,
      payload: { name: 'Solo Lab' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Solo Lab', kind: 'personal' });
  });

  it('transfers ownership to an Admin only, by the owner only; the team keeps exactly one owner', async () => {
    const team = await buildTeam(gantry, ['admin', 'dev']);
    const [admin, dev] = team.members as [(typeof team.members)[0], (typeof team.members)[0]];
    const url = `/api/v1/accounts/${team.accountId}/transfer-ownership`;

    const byAdmin = await admin.request({
      method: 'POST',
      url,
      payload: { userId: admin.user.id },
    });
    expect(byAdmin.statusCode).toBe(403);
    const toDev = await team.owner.request({
      method: 'POST',
      url,
      payload: { userId: dev.user.id },
    });
    expect(toDev.statusCode).toBe(409);
    expect(toDev.json().error.code).toBe('not_an_admin');
    const toStranger = await team.owner.request({
      method: 'POST',
      url,
      payload: { userId: ABSENT_ID },
    });
    expect(toStranger.statusCode).toBe(404);
    const toSelf = await team.owner.request({
      method: 'POST',
      url,
      payload: { userId: team.owner.user.id },
    });
    expect(toSelf.statusCode).toBe(409);
    expect(toSelf.json().error.code).toBe('already_owner');
    const malformed = await team.owner.request({ method: 'POST', url, payload: { userId: 'x' } });
    expect(malformed.statusCode).toBe(400);

    const moved = await team.owner.request({
      method: 'POST',
      url,
      payload: { userId: admin.user.id },
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ ownerId: admin.user.id, isOwner: false, role: 'admin' });

    const members = await admin.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/members`,
    });
    const owners = members.json().items.filter((m: { isOwner: boolean }) => m.isOwner);
    expect(owners.map((m: { userId: string }) => m.userId)).toEqual([admin.user.id]);
    // The former owner is now an ordinary Admin: they can be demoted, and can no longer transfer.
    const again = await team.owner.request({
      method: 'POST',
      url,
      payload: { userId: team.owner.user.id },
    });
    expect(again.statusCode).toBe(403);

    const events = await auditEvents(gantry, team.accountId);
    const transfers = events.filter((e) => e.action === 'ownership.transfer');
    expect(transfers.map((e) => e.outcome)).toEqual(['denied', 'success', 'denied']);
    expect(detailsOf(transfers[1]!)).toMatchObject({
      before: { ownerId: team.owner.user.id },
      after: { ownerId: admin.user.id },
    });
  });

  it('deletes a team (owner only): members lose access at once, invites are revoked, history stays', async () => {
    const team = await buildTeam(gantry, ['admin', 'dev']);
    const [admin, dev] = team.members as [(typeof team.members)[0], (typeof team.members)[0]];
    const pending = await invite(team.owner, team.accountId, { role: 'basic', maxUses: 5 });
    const url = `/api/v1/accounts/${team.accountId}/team`;

    const byAdmin = await admin.request({ method: 'DELETE', url });
    expect(byAdmin.statusCode).toBe(403);
    const byDev = await dev.request({ method: 'DELETE', url });
    expect(byDev.statusCode).toBe(403);

    const deleted = await team.owner.request({ method: 'DELETE', url });
    expect(deleted.statusCode).toBe(200);
    // Named after its owner again, as a personal account is at sign-up.
    expect(deleted.json()).toMatchObject({
      id: team.accountId,
      kind: 'personal',
      name: 'Owner',
      isOwner: true,
    });

    for (const member of [admin, dev]) {
      const gone = await member.request({
        method: 'GET',
        url: `/api/v1/accounts/${team.accountId}`,
      });
      expect(gone.statusCode).toBe(404);
      const list = await member.request({ method: 'GET', url: '/api/v1/accounts' });
      expect(list.json().items.map((a: { id: string }) => a.id)).not.toContain(team.accountId);
    }
    const preview = await gantry.app.inject({ url: `/api/v1/invites/${pending.token}` });
    expect(preview.statusCode).toBe(410);
    expect(preview.json().error.code).toBe('invite_revoked');
    const members = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/members`,
    });
    expect(members.json().items).toHaveLength(1);
    const reread = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}`,
    });
    expect(reread.json()).toMatchObject({ kind: 'personal', name: 'Owner' });

    const twice = await team.owner.request({ method: 'DELETE', url });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('not_a_team');
    const cannotInvite = await team.owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${team.accountId}/invites`,
      payload: { role: 'dev' },
    });
    expect(cannotInvite.statusCode).toBe(409);
    expect(cannotInvite.json().error.code).toBe('not_a_team');

    const events = await auditEvents(gantry, team.accountId);
    expect(events.map((e) => e.action)).toContain('invite.accept');
    const deletes = events.filter((e) => e.action === 'account.delete_team');
    expect(deletes.map((e) => e.outcome)).toEqual(['denied', 'denied', 'success']);
    expect(detailsOf(deletes[0]!)).toMatchObject({ permission: 'owner' });
    expect(detailsOf(deletes[2]!)).toEqual({
      before: { kind: 'team', name: 'Team Rocket' },
      after: { kind: 'personal', name: 'Owner' },
      removedMemberIds: [admin.user.id, dev.user.id].sort(),
      revokedInviteIds: [pending.id],
    });
  });

  it('keeps ownership-only actions from a personal account: delete team is 409, transfer is 409', async () => {
    const owner = await signUp(gantry.app);
    const del = await owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${owner.account.id}/team`,
    });
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('not_a_team');
    const other = await signUp(gantry.app);
    const transfer = await owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${owner.account.id}/transfer-ownership`,
      payload: { userId: other.user.id },
    });
    expect(transfer.statusCode).toBe(409);
    // A converted team of someone else does not become reachable through conversion.
    await convertToTeam(owner, 'Mine');
    const peek = await other.request({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}`,
    });
    expect(peek.statusCode).toBe(404);
  });
});
