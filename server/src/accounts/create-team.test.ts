import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  DIALECTS,
  detailsOf,
  signUp,
  startTestGantry,
  type TestGantry,
} from '../../test/harness.js';

describe.each(DIALECTS)('Create team on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry.close());

  it('creates a team owned by me beside my personal account, audited on the team', async () => {
    const grace = await signUp(gantry.app, { name: 'Grace' });
    const created = await grace.request({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { name: '  Compilers  ' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const team = created.json();
    expect(team).toMatchObject({ kind: 'team', name: 'Compilers', role: 'admin', isOwner: true });
    expect(team.id).not.toBe(grace.account.id);
    expect(team.permissions).toContain('members.manage');

    const mine = await grace.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(
      mine
        .json()
        .items.map((a: { id: string; kind: string }) => [a.id, a.kind])
        .sort(),
    ).toEqual(
      [
        [grace.account.id, 'personal'],
        [team.id, 'team'],
      ].sort(),
    );
    const members = await grace.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.id}/members`,
    });
    expect(members.json().items).toMatchObject([{ userId: grace.user.id, isOwner: true }]);

    const events = await auditEvents(gantry, team.id);
    expect(events.map((e) => [e.action, e.actor_user_id, e.resource_id])).toEqual([
      ['account.create', grace.user.id, team.id],
    ]);
    expect(detailsOf(events[0]!)).toEqual({ name: 'Compilers', kind: 'team' });

    // Nobody else sees it; no welcome credit comes with it.
    const other = await signUp(gantry.app);
    const peek = await other.request({ method: 'GET', url: `/api/v1/accounts/${team.id}` });
    expect(peek.statusCode).toBe(404);
    const billing = await grace.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.id}/billing`,
    });
    expect(billing.json().balance).toMatch(/^0(\.0+)?$/);
  });

  it('answers 401 signed out, 400 for a blank or long name, 403 to an API key; writes nothing', async () => {
    const ada = await signUp(gantry.app, { name: 'Ada' });
    const anonymous = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { name: 'Nope' },
    });
    expect(anonymous.statusCode).toBe(401);
    for (const payload of [
      { name: '   ' },
      { name: 'x'.repeat(65) },
      {},
      { name: 'A', kind: 'x' },
    ]) {
      const bad = await ada.request({ method: 'POST', url: '/api/v1/accounts', payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json().error.code).toBe('invalid_input');
    }
    const key = await ada.request({
      method: 'POST',
      url: `/api/v1/accounts/${ada.account.id}/api-keys`,
      payload: { name: 'ci' },
    });
    const byKey = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { authorization: `Bearer ${key.json().secret}` },
      payload: { name: 'By key' },
    });
    expect(byKey.statusCode).toBe(403);
    const mine = await ada.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(mine.json().items).toHaveLength(1);
  });
});
