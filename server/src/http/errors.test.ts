import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiKey } from '../../test/factories.js';
import {
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  uniqueEmail,
} from '../../test/harness.js';
import { convertToTeam } from '../../test/teams.js';

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
      expect(empty.json().error).toEqual({
        code: 'invalid_input',
        message: 'body must be a JSON object',
      });
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

  describe('URLs the router cannot read', () => {
    it('answers a malformed %-escape or an over-long path segment as bad input', async () => {
      const user = await signUp(gantry.app);
      const malformed = await user.request({ method: 'GET', url: '/api/v1/accounts/%E0%A4%A' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toEqual({
        code: 'invalid_input',
        message: 'The URL has a malformed %-escape',
      });
      expect(malformed.headers['x-request-id']).toBeTruthy();
      const long = await user.request({
        method: 'GET',
        url: `/api/v1/accounts/${'x'.repeat(300)}`,
      });
      expect(long.statusCode).toBe(400);
      expect(long.json().error).toEqual({
        code: 'invalid_input',
        message: 'A segment of the URL path is too long (at most 100 characters)',
      });
    });
  });

  describe('bodies that are not JSON', () => {
    it('answers 415 naming the type sent, text included, and writes nothing', async () => {
      const email = uniqueEmail();
      const json = JSON.stringify({ email, name: 'Text', password: 'correct horse battery' });
      for (const [contentType, payload] of [
        ['text/plain', json],
        ['text/plain; charset=utf-8', json],
        ['application/x-www-form-urlencoded', 'email=a%40b.co'],
        [undefined, json],
      ] as const) {
        const response = await gantry.app.inject({
          method: 'POST',
          url: '/api/v1/auth/signup',
          headers: contentType ? { 'content-type': contentType } : {},
          payload,
        });
        expect(response.statusCode).toBe(415);
        const sent = contentType ? `Content-Type "${contentType}"` : 'no Content-Type';
        expect(response.json().error).toEqual({
          code: 'unsupported_media_type',
          message: `The request body must be JSON sent as application/json (got ${sent})`,
        });
      }
      const signin = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'correct horse battery' },
      });
      expect(signin.statusCode).toBe(401);
    });
  });

  describe('validation messages', () => {
    it('lists the allowed values of an enum, in a body and in a query string', async () => {
      const owner = await signUp(gantry.app);
      await convertToTeam(owner);
      const invite = await owner.request({
        method: 'POST',
        url: `/api/v1/accounts/${owner.account.id}/invites`,
        payload: { role: 'boss' },
      });
      expect(invite.statusCode).toBe(400);
      expect(invite.json().error.message).toBe(
        'body/role must be one of: basic, billing, dev, admin',
      );
      const audit = await owner.request({
        method: 'GET',
        url: `/api/v1/accounts/${owner.account.id}/audit-logs?outcome=maybe`,
      });
      expect(audit.statusCode).toBe(400);
      expect(audit.json().error.message).toBe(
        'querystring/outcome must be one of: success, denied, failure',
      );
    });

    it('names the expected form of a date-time', async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({
        method: 'POST',
        url: `/api/v1/accounts/${user.account.id}/api-keys`,
        payload: { name: 'ci', expiresAt: 'next tuesday' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toBe(
        'body/expiresAt must be an ISO 8601 date-time, e.g. 2026-11-28T06:58:26Z',
      );
      const audit = await user.request({
        method: 'GET',
        url: `/api/v1/accounts/${user.account.id}/audit-logs?from=yesterday`,
      });
      expect(audit.statusCode).toBe(400);
      expect(audit.json().error.message).toBe(
        'querystring/from must be an ISO 8601 date or date-time, e.g. 2026-11-28 or 2026-11-28T06:58:26Z',
      );
    });

    it('shows what an id looks like when one is malformed', async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({ method: 'GET', url: '/api/v1/accounts/team-42' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toBe(
        'params/accountId must be an id such as 01900000-0000-7000-8000-000000000000',
      );
    });

    it('asks for a decimal string when an amount is given as a number', async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({
        method: 'PATCH',
        url: `/api/v1/accounts/${user.account.id}/billing`,
        payload: { spendLimit: 50 },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toBe(
        'body/spendLimit must be a decimal string such as "50.00"',
      );
    });

    it('names the expected type in words', async () => {
      const user = await signUp(gantry.app);
      const response = await user.request({
        method: 'POST',
        url: `/api/v1/accounts/${user.account.id}/api-keys`,
        payload: { name: 'ci', readOnly: 'yes' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toBe('body/readOnly must be true or false');
    });
  });

  describe('the offending field', () => {
    it('names the field of a body, a query string and a path parameter', async () => {
      const owner = await signUp(gantry.app);
      await convertToTeam(owner);
      const invite = await owner.request({
        method: 'POST',
        url: `/api/v1/accounts/${owner.account.id}/invites`,
        payload: { role: 'boss' },
      });
      expect(invite.json().error).toEqual({
        code: 'invalid_input',
        message: 'body/role must be one of: basic, billing, dev, admin',
        field: 'role',
      });
      const audit = await owner.request({
        method: 'GET',
        url: `/api/v1/accounts/${owner.account.id}/audit-logs?outcome=maybe`,
      });
      expect(audit.json().error.field).toBe('outcome');
      const account = await owner.request({ method: 'GET', url: '/api/v1/accounts/team-42' });
      expect(account.statusCode).toBe(400);
      expect(account.json().error.field).toBe('accountId');
    });

    it('names a missing field, an unknown one and a nested one', async () => {
      const missing = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { password: 'correct horse battery', name: 'Ada' },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.field).toBe('email');
      const unknown = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: {
          email: uniqueEmail(),
          password: 'correct horse battery',
          name: 'Ada',
          admin: true,
        },
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.field).toBe('admin');
      const user = await signUp(gantry.app);
      const pod = await user.request({
        method: 'POST',
        url: `/api/v1/accounts/${user.account.id}/pods`,
        payload: { name: 'p', gpuType: 'x', gpuCount: 1, templateId: 't', env: { FOO: 1 } },
      });
      expect(pod.statusCode).toBe(400);
      expect(pod.json().error.field).toBe('env.FOO');
    });

    it('is left out when the error is not about one field', async () => {
      const notObject = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        headers: JSON_HEADER,
        payload: '[1]',
      });
      expect(notObject.statusCode).toBe(400);
      expect(notObject.json().error).not.toHaveProperty('field');
      const anonymous = await gantry.app.inject({ method: 'GET', url: '/api/v1/accounts' });
      expect(anonymous.statusCode).toBe(401);
      expect(Object.keys(anonymous.json().error).sort()).toEqual(['code', 'message']);
    });
  });
});
