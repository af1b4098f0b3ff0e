import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiKey } from '../../test/factories.js';
import { DIALECTS, signUp, startTestGantry, type TestGantry } from '../../test/harness.js';

describe.each(DIALECTS)('HTTP errors on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  const JSON_HEADER = { 'content-type': 'application/json' };

  describe('wrong method on a known path', () => {
    it('answers 405 with an Allow header listing the methods the path supports', async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({
        method: 'PUT',
        url: `/api/v1/accounts/${user.account.id}`,
        payload: { name: 'x' },
      });
      expect(response.statusCode).toBe(405);
      expect(response.json().error.code).toBe('method_not_allowed');
      expect(response.json().error.message).toContain('PUT is not allowed');
      const allow = String(response.headers.allow).split(', ');
      expect(allow.sort()).toEqual(['GET', 'HEAD', 'PATCH']);
      expect(response.headers['x-request-id']).toBeTruthy();
    });

    it('answers 405 without signing in too, and for routes outside the API', async () => {
      const login = await gantry.app.inject({ method: 'GET', url: '/api/v1/auth/login' });
      expect(login.statusCode).toBe(405);
      expect(login.headers.allow).toBe('POST');
      const health = await gantry.app.inject({ method: 'POST', url: '/healthz' });
      expect(health.statusCode).toBe(405);
      expect(String(health.headers.allow).split(', ').sort()).toEqual(['GET', 'HEAD']);
    });

    it('keeps 404 for paths no route matches', async () => {
      for (const method of ['GET', 'PUT'] as const) {
        const response = await gantry.app.inject({ method, url: '/api/v1/nope/123' });
        expect(response.statusCode).toBe(404);
        expect(response.json().error.code).toBe('not_found');
        expect(response.headers.allow).toBeUndefined();
      }
    });
  });

  describe('empty bodies sent as JSON', () => {
    it('treats an empty JSON body as no body on routes that take none', async () => {
      const user = await signUp(gantry.app);
      const key = await buildApiKey(user, user.account.id);
      const revoke = await user.request({
        method: 'DELETE',
        url: `/api/v1/accounts/${user.account.id}/api-keys/${key.id}`,
        headers: JSON_HEADER,
      });
      expect(revoke.statusCode).toBe(204);
      const logout = await user.request({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: '',
      });
      expect(logout.statusCode).toBe(204);
    });

    it('still refuses a missing body where the route needs one, and malformed JSON', async () => {
      const empty = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: JSON_HEADER,
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.code).toBe('invalid_input');
      expect(empty.json().error.message).toMatch(/^body must be/);
      const malformed = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: JSON_HEADER,
        payload: '{"email":',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.code).toBe('invalid_input');
      const user = await signUp(gantry.app);
      const malformedDelete = await user.request({
        method: 'DELETE',
        url: `/api/v1/accounts/${user.account.id}/api-keys/${user.account.id}`,
        headers: JSON_HEADER,
        payload: '{',
      });
      expect(malformedDelete.statusCode).toBe(400);
    });
  });
});
