import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABSENT_ID,
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.js';
import { accept, buildTeam, convertToTeam, invite } from '../../test/teams.js';
import { verifyEmailByOperator } from '../auth/email.service.js';
import { ManualClock } from '../lib/clock.js';
import { hashToken, newToken } from '../lib/secrets.js';

const HOUR = 3600_000;

describe.each(DIALECTS)('invites on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    // No mail here: the operator verifies addresses by hand, so invites may be bound.
    gantry = await startTestGantry(dialect, { GANTRY_MANUAL_EMAIL_VERIFICATION: '1' }, { clock });
  });
  afterAll(() => gantry.close());

  const countInvites = async () =>
    Number(
      (
        await gantry.deps.db
          .selectFrom('invites')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const membershipsOf = (accountId: string) =>
    gantry.deps.db
      .selectFrom('memberships')
      .select(['user_id', 'role'])
      .where('account_id', '=', accountId)
      .execute();

  it('runs the seed flow: convert, invite a Dev, preview, join, role change, removal', async () => {
    const owner = await signUp(gantry.app, { name: 'Olivia Owner' });
    await convertToTeam(owner, 'Render Farm');
    const created = await owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${owner.account.id}/invites`,
      payload: { role: 'dev' },
    });
    expect(created.statusCode).toBe(201);
    const inv = created.json();
    expect(inv).toMatchObject({
      role: 'dev',
      email: null,
      maxUses: 1,
      uses: 0,
      createdBy: owner.user.id,
      createdByName: 'Olivia Owner',
    });
    expect(inv.url).toMatch(/^http:\/\/gantry\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(inv.expiresAt) - clock.now().getTime()).toBe(168 * HOUR);
    const token = inv.url.split('/invite/')[1] as string;

    // Stored only as a hash plus a sealed copy; the token itself is nowhere in the row.
    const row = await gantry.deps.db
      .selectFrom('invites')
      .selectAll()
      .where('id', '=', inv.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // The link can be copied again from the pending list.
    const pending = await owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}/invites`,
    });
    expect(pending.json()).toEqual({ items: [inv], nextCursor: null });

    const preview = await gantry.app.inject({ url: `/api/v1/invites/${token}` });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toEqual({
      accountName: 'Render Farm',
      role: 'dev',
      expiresAt: inv.expiresAt,
      inviterName: 'Olivia Owner',
      status: 'pending',
      emailBound: false,
      email: null,
    });

    const joiner = await signUp(gantry.app, { name: 'Jo' });
    const anonymous = await gantry.app.inject({
      method: 'POST',
      url: `/api/v1/invites/${token}/accept`,
    });
    expect(anonymous.statusCode).toBe(401);
    const joined = await accept(joiner, token);
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({
      role: 'dev',
      account: {
        id: owner.account.id,
        name: 'Render Farm',
        kind: 'team',
        role: 'dev',
        isOwner: false,
      },
    });
    expect(joined.json().account.permissions).toContain('pods.create');
    expect(joined.json().account.permissions).not.toContain('billing.view');

    const accounts = await joiner.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(accounts.json().items).toContainEqual(
      expect.objectContaining({ id: owner.account.id, role: 'dev', kind: 'team' }),
    );
    const usedUp = await gantry.app.inject({ url: `/api/v1/invites/${token}` });
    expect(usedUp.statusCode).toBe(410);
    expect(usedUp.json().error.code).toBe('invite_used_up');
    const emptied = await owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}/invites`,
    });
    expect(emptied.json().items).toEqual([]);

    const teamUrl = `/api/v1/accounts/${owner.account.id}`;
    await owner.request({
      method: 'PATCH',
      url: `${teamUrl}/members/${joiner.user.id}`,
      payload: { role: 'basic' },
    });
    const asBasic = await joiner.request({ method: 'GET', url: teamUrl });
    expect(asBasic.json()).toMatchObject({ role: 'basic' });
    expect(asBasic.json().permissions).not.toContain('pods.create');

    await owner.request({ method: 'DELETE', url: `${teamUrl}/members/${joiner.user.id}` });
    expect((await joiner.request({ method: 'GET', url: teamUrl })).statusCode).toBe(404);

    const events = await auditEvents(gantry, owner.account.id);
    expect(events.map((e) => e.action)).toEqual([
      'account.create',
      'billing.credit',
      'account.convert',
      'invite.create',
      'invite.accept',
      'member.role_change',
      'member.remove',
    ]);
    const acceptEvent = events[4]!;
    expect(acceptEvent).toMatchObject({
      actor_user_id: joiner.user.id,
      resource_type: 'invite',
      resource_id: inv.id,
      outcome: 'success',
    });
    expect(detailsOf(acceptEvent)).toMatchObject({ role: 'dev' });
    expect(detailsOf(events[3]!)).toMatchObject({ role: 'dev', maxUses: 1, email: null });
    expect(events.map((e) => e.details).join()).not.toContain(token);
  });

  it.each([
    ['unknown role', { role: 'owner' }],
    ['missing role', {}],
    ['bad email', { role: 'dev', email: 'not an email' }],
    ['expiry too short', { role: 'dev', expiresInHours: 0 }],
    ['expiry too long', { role: 'dev', expiresInHours: 721 }],
    ['fractional expiry', { role: 'dev', expiresInHours: 1.5 }],
    ['no uses', { role: 'dev', maxUses: 0 }],
    ['too many uses', { role: 'dev', maxUses: 101 }],
    ['uses as text', { role: 'dev', maxUses: '3' }],
    ['unknown field', { role: 'dev', accountId: ABSENT_ID }],
  ])('refuses an invite with %s (400) and writes nothing', async (_case, payload) => {
    const team = await buildTeam(gantry);
    const before = await countInvites();
    const response = await team.owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${team.accountId}/invites`,
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
    expect(await countInvites()).toBe(before);
  });

  it('checks who may invite: 401, 403 for a Dev (audited), 404 for another account, 409 personal', async () => {
    const team = await buildTeam(gantry, ['dev']);
    const dev = team.members[0]!;
    const url = `/api/v1/accounts/${team.accountId}/invites`;
    const before = await countInvites();
    expect(
      (await gantry.app.inject({ method: 'POST', url, payload: { role: 'dev' } })).statusCode,
    ).toBe(401);
    const byDev = await dev.request({ method: 'POST', url, payload: { role: 'admin' } });
    expect(byDev.statusCode).toBe(403);
    const devList = await dev.request({ method: 'GET', url });
    expect(devList.statusCode).toBe(403);
    const outsider = await signUp(gantry.app);
    expect(
      (await outsider.request({ method: 'POST', url, payload: { role: 'dev' } })).statusCode,
    ).toBe(404);
    const personal = await outsider.request({
      method: 'POST',
      url: `/api/v1/accounts/${outsider.account.id}/invites`,
      payload: { role: 'dev' },
    });
    expect(personal.statusCode).toBe(409);
    expect(personal.json().error.code).toBe('not_a_team');
    const personalList = await outsider.request({
      method: 'GET',
      url: `/api/v1/accounts/${outsider.account.id}/invites`,
    });
    expect(personalList.json()).toEqual({ items: [], nextCursor: null });
    const bound = await team.owner.request({
      method: 'POST',
      url,
      payload: { role: 'dev', email: dev.user.email.toUpperCase() },
    });
    expect(bound.statusCode).toBe(409);
    expect(bound.json().error.code).toBe('already_member');
    expect(await countInvites()).toBe(before);

    const events = await auditEvents(gantry, team.accountId);
    const denied = events.filter((e) => e.outcome === 'denied');
    expect(denied.map((e) => [e.action, e.actor_user_id, e.resource_type, e.resource_id])).toEqual([
      ['invite.create', dev.user.id, 'invite', null],
      ['invite.view', dev.user.id, 'invite', null],
    ]);
    expect(detailsOf(denied[0]!)).toMatchObject({ permission: 'members.manage' });
  });

  it('revokes a pending invite; another account cannot; a revoked invite is 410', async () => {
    const team = await buildTeam(gantry, ['dev']);
    const other = await buildTeam(gantry);
    const inv = await invite(team.owner, team.accountId, { role: 'basic' });
    const url = `/api/v1/accounts/${team.accountId}/invites/${inv.id}`;

    const fromOther = await other.owner.request({
      method: 'DELETE',
      url: `/api/v1/accounts/${other.accountId}/invites/${inv.id}`,
    });
    expect(fromOther.statusCode).toBe(404);
    expect((await other.owner.request({ method: 'DELETE', url })).statusCode).toBe(404);
    expect((await team.members[0]!.request({ method: 'DELETE', url })).statusCode).toBe(403);
    expect(
      (
        await team.owner.request({
          method: 'DELETE',
          url: `/api/v1/accounts/${team.accountId}/invites/nope`,
        })
      ).statusCode,
    ).toBe(400);

    const revoked = await team.owner.request({ method: 'DELETE', url });
    expect(revoked.statusCode).toBe(204);
    const again = await team.owner.request({ method: 'DELETE', url });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('invite_revoked');

    const preview = await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` });
    expect(preview.statusCode).toBe(410);
    expect(preview.json().error.code).toBe('invite_revoked');
    const joiner = await signUp(gantry.app);
    const late = await accept(joiner, inv.token);
    expect(late.statusCode).toBe(410);
    expect(late.json().error.code).toBe('invite_revoked');
    expect(await membershipsOf(team.accountId)).toHaveLength(2);

    const events = await auditEvents(gantry, team.accountId);
    const revokes = events.filter((e) => e.action === 'invite.revoke');
    expect(revokes.map((e) => e.outcome)).toEqual(['denied', 'success']);
    expect(detailsOf(revokes[1]!)).toMatchObject({
      role: 'basic',
      before: { revokedAt: null },
      after: { revokedAt: expect.any(String) },
    });
  });

  it('previews without leaking: 400 malformed tokens, 404 unknown, nothing about members', async () => {
    for (const bad of ['short', `${'a'.repeat(42)}!`, 'a'.repeat(44), `${'a'.repeat(42)}%20`]) {
      const response = await gantry.app.inject({ url: `/api/v1/invites/${bad}` });
      expect(response.statusCode, bad).toBe(400);
      const post = await gantry.app.inject({
        method: 'POST',
        url: `/api/v1/invites/${bad}/accept`,
      });
      expect([400, 401]).toContain(post.statusCode);
    }
    const unknown = await gantry.app.inject({ url: `/api/v1/invites/${newToken(32)}` });
    expect(unknown.statusCode).toBe(404);
    const user = await signUp(gantry.app);
    const badAccept = await user.request({ method: 'POST', url: '/api/v1/invites/short/accept' });
    expect(badAccept.statusCode).toBe(400);
    const unknownAccept = await accept(user, newToken(32));
    expect(unknownAccept.statusCode).toBe(404);

    const team = await buildTeam(gantry, ['admin']);
    const inv = await invite(team.owner, team.accountId, { role: 'billing' });
    const preview = await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` });
    expect(Object.keys(preview.json()).sort()).toEqual(
      ['accountName', 'email', 'emailBound', 'expiresAt', 'inviterName', 'role', 'status'].sort(),
    );
    expect(preview.body).not.toContain(team.owner.user.email);
    expect(preview.body).not.toContain(team.accountId);
  });

  it('expires invites by the clock: preview and accept answer 410 invite_expired', async () => {
    const team = await buildTeam(gantry);
    const inv = await invite(team.owner, team.accountId, { role: 'dev', expiresInHours: 1 });
    const joiner = await signUp(gantry.app);
    clock.advance(HOUR - 1000);
    expect((await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` })).statusCode).toBe(200);
    clock.advance(1000);
    const preview = await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` });
    expect(preview.statusCode).toBe(410);
    expect(preview.json().error.code).toBe('invite_expired');
    const late = await accept(joiner, inv.token);
    expect(late.statusCode).toBe(410);
    expect(late.json().error.code).toBe('invite_expired');
    const list = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/invites`,
    });
    expect(list.json().items).toEqual([]);
    expect(await membershipsOf(team.accountId)).toHaveLength(1);
  });

  it('binds an invite to an email: another user gets 403 (audited), the right one joins', async () => {
    const team = await buildTeam(gantry);
    const email = uniqueEmail('Bound');
    const inv = await invite(team.owner, team.accountId, { role: 'admin', email });
    expect(inv.email).toBe(email.toLowerCase());
    expect(
      (await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` })).json().emailBound,
    ).toBe(true);
    const intruder = await signUp(gantry.app);
    const refused = await accept(intruder, inv.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('invite_email_mismatch');
    const rightful = await signUp(gantry.app, { email: email.toUpperCase() });
    // The address alone proves nothing: it must be verified (here by the operator).
    const unverified = await accept(rightful, inv.token);
    expect(unverified.statusCode).toBe(403);
    expect(unverified.json().error).toMatchObject({ code: 'email_not_verified' });
    expect(unverified.json().error.message).toContain(`${email[0]!.toLowerCase()}••••@example.com`);
    await verifyEmailByOperator(gantry.deps, email);
    const joined = await accept(rightful, inv.token);
    expect(joined.statusCode).toBe(200);
    expect(joined.json().role).toBe('admin');

    const events = await auditEvents(gantry, team.accountId);
    const accepts = events.filter((e) => e.action === 'invite.accept');
    expect(accepts.map((e) => [e.outcome, e.actor_user_id])).toEqual([
      ['denied', intruder.user.id],
      ['denied', rightful.user.id],
      ['success', rightful.user.id],
    ]);
  });

  it('refuses a member joining again (409, role unchanged, no use consumed)', async () => {
    const team = await buildTeam(gantry, ['billing']);
    const member = team.members[0]!;
    const inv = await invite(team.owner, team.accountId, { role: 'admin', maxUses: 2 });
    const again = await accept(member, inv.token);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_member');
    const owner = await accept(team.owner, inv.token);
    expect(owner.statusCode).toBe(409);
    const account = await member.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}`,
    });
    expect(account.json().role).toBe('billing');
    const list = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/invites`,
    });
    expect(list.json().items[0]).toMatchObject({ id: inv.id, uses: 0, maxUses: 2 });
  });

  it('refuses API keys for accepting (a session is required)', async () => {
    const team = await buildTeam(gantry);
    const inv = await invite(team.owner, team.accountId, { role: 'dev' });
    const response = await gantry.app.inject({
      method: 'POST',
      url: `/api/v1/invites/${inv.token}/accept`,
      headers: { authorization: `Bearer gnt_${newToken(16)}` },
    });
    expect(response.statusCode).toBe(401);
  });

  it('admits exactly maxUses people however many accept at once', async () => {
    const people: TestUser[] = [];
    for (let i = 0; i < 10; i += 1) people.push(await signUp(gantry.app, { name: `P${i}` }));
    for (const maxUses of [1, 3]) {
      const team = await buildTeam(gantry);
      const inv = await invite(team.owner, team.accountId, { role: 'dev', maxUses });
      const results = await Promise.all(people.map((p) => accept(p, inv.token)));
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(maxUses);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 410)).toBe(true);
      expect(results.filter((r) => r.statusCode === 410).map((r) => r.json().error.code)).toEqual(
        Array(10 - maxUses).fill('invite_used_up'),
      );
      const members = await membershipsOf(team.accountId);
      expect(members).toHaveLength(maxUses + 1);
      const row = await gantry.deps.db
        .selectFrom('invites')
        .select(['uses', 'max_uses'])
        .where('id', '=', inv.id)
        .executeTakeFirstOrThrow();
      expect(Number(row.uses)).toBe(maxUses);
      const accepted = await gantry.deps.db
        .selectFrom('invite_acceptances')
        .select('user_id')
        .where('invite_id', '=', inv.id)
        .execute();
      expect(accepted).toHaveLength(maxUses);
      const events = await auditEvents(gantry, team.accountId);
      expect(events.filter((e) => e.action === 'invite.accept')).toHaveLength(maxUses);
    }
  });
});
