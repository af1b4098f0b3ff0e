import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.js';

/**
 * Every state-changing route must write an audit event in the request that
 * changes something. This test lists every route as it is registered; a
 * mutating route under /api/v1 without a scenario below (or an exemption with a
 * reason) fails, so each new module has to add its own.
 */

interface Context {
  gantry: TestGantry;
  /** A fresh signed-in user (owner of a personal account) per scenario. */
  user: TestUser;
}

type Scenario = (ctx: Context) => Promise<LightMyRequestResponse>;

/** Mutating routes that write no account audit event, and why. */
const EXEMPT: Record<string, string> = {
  'POST /api/v1/auth/login':
    'Signing in changes no account; failures are rate limited and logged, not audited per account',
  'POST /api/v1/auth/logout': 'Ends the caller’s own session; no account state changes',
  'DELETE /api/v1/auth/sessions/:sessionId':
    'Revokes one of the caller’s own sessions; user-level, outside every account log',
};

/** One scenario per audited mutating route: performs it successfully. */
const SCENARIOS: Record<string, Scenario> = {
  'POST /api/v1/auth/signup': ({ gantry }) =>
    gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail('cover'), name: 'Cover', password: 'correct horse battery' },
    }),
  'PATCH /api/v1/accounts/:accountId/audit-logs/settings': ({ user }) =>
    user.request({
      method: 'PATCH',
      url: `/api/v1/accounts/${user.account.id}/audit-logs/settings`,
      payload: { retentionDays: 365 },
    }),
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe.each(DIALECTS)('audit coverage on %s', (dialect) => {
  let gantry: TestGantry;
  const routes: string[] = [];
  beforeAll(async () => {
    const collect = (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (MUTATING.has(method) && route.url.startsWith('/api/v1/')) {
          routes.push(`${method} ${route.url}`);
        }
      }
    };
    gantry = await startTestGantry(dialect, {}, { onRoute: collect });
  });
  afterAll(() => gantry.close());

  it('has a scenario or a stated exemption for every mutating route', () => {
    expect(routes.length).toBeGreaterThan(0);
    const missing = routes.filter((r) => !(r in SCENARIOS) && !(r in EXEMPT));
    expect(missing, 'add a scenario to SCENARIOS in audit/coverage.test.ts').toEqual([]);
    // Scenarios for routes that no longer exist are stale.
    expect(Object.keys(SCENARIOS).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))('%s writes its audit event in the request', async (route) => {
    const user = await signUp(gantry.app);
    const response = await SCENARIOS[route]!({ gantry, user });
    expect(response.statusCode, response.body).toBeLessThan(300);
    const requestId = response.headers['x-request-id'];
    expect(requestId).toEqual(expect.any(String));
    const events = await gantry.deps.db
      .selectFrom('audit_events')
      .select(['action', 'outcome'])
      .where('request_id', '=', String(requestId))
      .execute();
    expect(events.length, `${route} wrote no audit event`).toBeGreaterThan(0);
    expect(events.every((e) => e.outcome === 'success')).toBe(true);
  });
});
