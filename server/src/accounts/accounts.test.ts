import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';

describe.each(DIALECTS)('accounts on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  it('lists my accounts and shows one with my role and permissions', async () => {
    const user = await signUp(gantry.app, { name: 'Grace' });
    const list = await user.request({ method: 'GET', url: '/api/v1/accounts' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      items: [{ id: user.account.id, kind: 'personal' }],
      nextCursor: null,
    });

    const one = await user.request({ method: 'GET', url: `/api/v1/accounts/${user.account.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      id: user.account.id,
      name: 'Grace',
      role: 'admin',
      isOwner: true,
      ownerId: user.user.id,
    });
    expect(one.json().permissions).toHaveLength(13);
  });

  it("answers 404 for another user's account, 400 for a malformed id, 401 when signed out", async () => {
    const owner = await signUp(gantry.app);
    const stranger = await signUp(gantry.app);
    const other = await stranger.request({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}`,
    });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    const missing = await stranger.request({
      method: 'GET',
      url: '/api/v1/accounts/01900000-0000-7000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(other.json());
    const malformed = await stranger.request({
      method: 'GET',
      url: '/api/v1/accounts/1%27%20or%201=1',
    });
    expect(malformed.statusCode).toBe(400);
    const anonymous = await gantry.app.inject({
      method: 'GET',
      url: `/api/v1/accounts/${owner.account.id}`,
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
