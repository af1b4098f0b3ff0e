import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnOnTwoFactor } from '../../test/factories.js';
import {
  ABSENT_ID,
  auditEvents,
  DIALECTS,
  detailsOf,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';
import { buildTeam } from '../../test/teams.js';
import { type AccountActor, can, permissionsOf, ROLES, type Role } from '../permissions/policy.js';

const actorOf = (role: Role): AccountActor => ({
  accountId: 'a',
  accountKind: 'team',
  userId: 'u',
  email: 'u@example.com',
  role,
  isOwner: false,
});

describe.each(DIALECTS)('members on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry.close());

  it('lists members with role, owner flag and join time; a personal account lists its owner', async () => {
    const team = await buildTeam(gantry, ['dev']);
    const list = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/members`,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      items: [
        {
          userId: team.owner.user.id,
          email: team.owner.user.email,
          name: 'Owner',
          role: 'admin',
          isOwner: true,
          joinedAt: expect.any(String),
          twoFactor: false,
        },
        {
          userId: team.members[0]!.user.id,
          email: team.members[0]!.user.email,
          name: 'A dev',
          role: 'dev',
          isOwner: false,
          joinedAt: expect.any(String),
          twoFactor: false,
        },
      ],
      nextCursor: null,
    });

    // The dev turns on two-factor sign-in: their Admin sees it (a set-up not finished does not count).
    const dev = team.members[0]!;
    const members = async () =>
      (
        await team.owner.request({
          method: 'GET',
          url: `/api/v1/accounts/${team.accountId}/members`,
        })
      ).json().items as Array<{ userId: string; twoFactor: boolean }>;
    // A set-up not finished does not count.
    await dev.request({
      method: 'POST',
      url: '/api/v1/me/two-factor/setup',
      payload: { password: PASSWORD },
    });
    expect((await members()).map((m) => m.twoFactor)).toEqual([false, false]);
    await turnOnTwoFactor(dev);
    expect((await members()).map((m) => m.twoFactor)).toEqual([false, true]);

    const solo = await signUp(gantry.app);
    const personal = await solo.request({
      method: 'GET',
      url: `/api/v1/accounts/${solo.account.id}/members`,
    });
    expect(personal.statusCode).toBe(200);
    expect(personal.json().items).toMatchObject([{ userId: solo.user.id, isOwner: true }]);
  });

  it('lists the members to every role; invites and renaming as the policy table says', async () => {
    const team = await buildTeam(gantry, [...ROLES]);
    for (const [index, role] of ROLES.entries()) {
      const member = team.members[index]!;
      const members = await member.request({
        method: 'GET',
        url: `/api/v1/accounts/${team.accountId}/members`,
      });
      // Every member sees who is in the team and who owns it (read-only).
      expect(members.statusCode, `${role} GET members`).toBe(200);
      expect(
        members.json().items.find((m: { isOwner: boolean }) => m.isOwner)?.userId,
        `${role} sees the owner`,
      ).toBe(team.owner.user.id);
      const invites = await member.request({
        method: 'GET',
        url: `/api/v1/accounts/${team.accountId}/invites`,
      });
      expect(invites.statusCode, `${role} GET invites`).toBe(
        can(actorOf(role), 'members.manage') ? 200 : 403,
      );
      const rename = await member.request({
        method: 'PATCH',
        url: `/api/v1/accounts/${team.accountId}`,
        payload: { name: `Renamed by ${role}` },
      });
      expect(rename.statusCode, `${role} PATCH account`).toBe(
        can(actorOf(role), 'settings.manage') ? 200 : 403,
      );
      const account = await member.request({
        method: 'GET',
        url: `/api/v1/accounts/${team.accountId}`,
      });
      expect(account.json().role).toBe(role);
      expect(account.json().permissions.sort()).toEqual(permissionsOf(actorOf(role)).sort());
    }
    const outsider = await signUp(gantry.app);
    const peek = await outsider.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/members`,
    });
    expect(peek.statusCode).toBe(404);
    const events = await auditEvents(gantry, team.accountId);
    const deniedViews = events.filter((e) => e.action === 'member.view' && e.outcome === 'denied');
    expect(deniedViews).toEqual([]);
  });

  it('changes a role with effect on the very next request, and audits before/after', async () => {
    const team = await buildTeam(gantry, ['admin', 'dev']);
    const [admin, dev] = team.members as [(typeof team.members)[0], (typeof team.members)[0]];
    const url = `/api/v1/accounts/${team.accountId}/members/${dev.user.id}`;

    const before = await dev.request({ method: 'GET', url: `/api/v1/accounts/${team.accountId}` });
    expect(before.json().permissions).toContain('pods.create');

    const changed = await admin.request({ method: 'PATCH', url, payload: { role: 'basic' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ userId: dev.user.id, role: 'basic', isOwner: false });

    const after = await dev.request({ method: 'GET', url: `/api/v1/accounts/${team.accountId}` });
    expect(after.json().role).toBe('basic');
    expect(after.json().permissions).not.toContain('pods.create');

    // Promote to Admin: the very next request may manage members.
    await admin.request({ method: 'PATCH', url, payload: { role: 'admin' } });
    const nowAdmin = await dev.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/invites`,
    });
    expect(nowAdmin.statusCode).toBe(200);
    // ... and demoted again, the next one may not.
    await admin.request({ method: 'PATCH', url, payload: { role: 'billing' } });
    const notAdmin = await dev.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/invites`,
    });
    expect(notAdmin.statusCode).toBe(403);

    const events = await auditEvents(gantry, team.accountId);
    const changes = events.filter((e) => e.action === 'member.role_change');
    expect(changes.map((e) => detailsOf(e))).toMatchObject([
      { before: { role: 'dev' }, after: { role: 'basic' } },
      { before: { role: 'basic' }, after: { role: 'admin' } },
      { before: { role: 'admin' }, after: { role: 'billing' } },
    ]);
    expect(changes[0]).toMatchObject({
      resource_type: 'member',
      resource_id: dev.user.id,
      actor_user_id: admin.user.id,
      outcome: 'success',
    });
  });

  it("protects the owner's role and membership, refuses bad input, and 403s a Dev", async () => {
    const team = await buildTeam(gantry, ['admin', 'dev']);
    const [admin, dev] = team.members as [(typeof team.members)[0], (typeof team.members)[0]];
    const ownerUrl = `/api/v1/accounts/${team.accountId}/members/${team.owner.user.id}`;
    const devUrl = `/api/v1/accounts/${team.accountId}/members/${dev.user.id}`;
    const eventCount = (await auditEvents(gantry, team.accountId)).length;

    for (const caller of [admin, team.owner]) {
      const demote = await caller.request({
        method: 'PATCH',
        url: ownerUrl,
        payload: { role: 'basic' },
      });
      expect(demote.statusCode).toBe(409);
      expect(demote.json().error.code).toBe('owner_protected');
    }
    const remove = await admin.request({ method: 'DELETE', url: ownerUrl });
    expect(remove.statusCode).toBe(409);
    expect(remove.json().error.code).toBe('owner_protected');
    const leave = await team.owner.request({ method: 'DELETE', url: ownerUrl });
    expect(leave.statusCode).toBe(409);
    expect(leave.json().error.code).toBe('owner_protected');

    for (const payload of [{ role: 'owner' }, { role: 'ADMIN' }, { role: 'dev', extra: 1 }, {}]) {
      const bad = await admin.request({ method: 'PATCH', url: devUrl, payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const malformed = await admin.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${team.accountId}/members/not-a-uuid`,
      payload: { role: 'dev' },
    });
    expect(malformed.statusCode).toBe(400);
    const absent = await admin.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${team.accountId}/members/${ABSENT_ID}`,
      payload: { role: 'dev' },
    });
    expect(absent.statusCode).toBe(404);
    expect((await auditEvents(gantry, team.accountId)).length).toBe(eventCount);

    const byDev = await dev.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${team.accountId}/members/${admin.user.id}`,
      payload: { role: 'basic' },
    });
    expect(byDev.statusCode).toBe(403);
    const devRemoves = await dev.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.accountId}/members/${admin.user.id}`,
    });
    expect(devRemoves.statusCode).toBe(403);
    const anonymous = await gantry.app.inject({ method: 'DELETE', url: devUrl });
    expect(anonymous.statusCode).toBe(401);
    const outsider = await signUp(gantry.app);
    const fromOutside = await outsider.request({
      method: 'PATCH',
      url: devUrl,
      payload: { role: 'admin' },
    });
    expect(fromOutside.statusCode).toBe(404);

    const events = await auditEvents(gantry, team.accountId);
    const denied = events.filter((e) => e.outcome === 'denied');
    expect(denied.map((e) => [e.action, e.actor_user_id, e.resource_id])).toEqual([
      ['member.role_change', dev.user.id, admin.user.id],
      ['member.remove', dev.user.id, admin.user.id],
    ]);
    expect(detailsOf(denied[0]!)).toMatchObject({ permission: 'members.manage' });
    const stillAdmin = await admin.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}`,
    });
    expect(stillAdmin.json().role).toBe('admin');
  });

  it('removes a member, who gets 404 on the next request; a member can leave', async () => {
    const team = await buildTeam(gantry, ['dev', 'basic']);
    const [dev, basic] = team.members as [(typeof team.members)[0], (typeof team.members)[0]];

    const removed = await team.owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.accountId}/members/${dev.user.id}`,
    });
    expect(removed.statusCode).toBe(204);
    const gone = await dev.request({ method: 'GET', url: `/api/v1/accounts/${team.accountId}` });
    expect(gone.statusCode).toBe(404);
    const twice = await team.owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.accountId}/members/${dev.user.id}`,
    });
    expect(twice.statusCode).toBe(404);

    // Leaving needs no permission beyond membership (a Basic lacks members.manage).
    const left = await basic.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${team.accountId}/members/${basic.user.id}`,
    });
    expect(left.statusCode).toBe(204);
    const after = await basic.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(after.json().items.map((a: { id: string }) => a.id)).toEqual([basic.account.id]);

    const events = await auditEvents(gantry, team.accountId);
    const remove = events.find((e) => e.action === 'member.remove')!;
    expect(remove).toMatchObject({ resource_id: dev.user.id, actor_user_id: team.owner.user.id });
    expect(detailsOf(remove)).toEqual({ email: dev.user.email, role: 'dev' });
    const leave = events.find((e) => e.action === 'member.leave')!;
    expect(leave).toMatchObject({ resource_id: basic.user.id, actor_user_id: basic.user.id });
    expect(detailsOf(leave)).toEqual({ email: basic.user.email, role: 'basic' });
  });
});
