import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApiKey, turnOnTwoFactor } from '../../test/factories.js';
import {
  DIALECTS,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.js';
import { accept, buildTeam, convertToTeam, invite } from '../../test/teams.js';
import { createPodAs, podBody, waitForStatus } from '../pods/pods.fixtures.js';

/**
 * Every state-changing route must write an audit event in the request that
 * changes something. This test lists every route as it is registered; a
 * mutating route under /api/v1 without a scenario below (or an exemption with a
 * reason) fails, so each new module has to add its own. Every module with
 * account-scoped mutating routes also needs a scenario in which a member lacking
 * the permission is refused (403) and a `denied` event is written.
 */

interface Context {
  gantry: TestGantry;
  /** A fresh signed-in user (owner of a personal account) per scenario. */
  user: TestUser;
  /** Registers an undo step (e.g. terminate a running Pod), run after the scenario. */
  cleanup(step: () => Promise<unknown>): void;
}

type Scenario = (ctx: Context) => Promise<LightMyRequestResponse>;

/** Mutating routes that write no account audit event, and why. */
const EXEMPT: Record<string, string> = {
  'POST /api/v1/auth/login':
    'Signing in changes no account; recorded in the user’s security log (user_events); failures are rate limited, not recorded',
  'POST /api/v1/auth/logout':
    'Ends the caller’s own session; no account state changes; recorded in the user’s security log',
  'DELETE /api/v1/auth/sessions/:sessionId':
    'Revokes one of the caller’s own sessions; user-level, recorded in the user’s security log',
  'DELETE /api/v1/auth/sessions':
    'Signs out the caller’s other sessions; user-level, recorded in the user’s security log',
  'PATCH /api/v1/me':
    'Renames the caller’s user; user-level, recorded in the user’s security log (auth/profile.test.ts)',
  'POST /api/v1/me/password':
    'Changes the caller’s password; user-level, recorded in the user’s security log (auth/profile.test.ts)',
  'POST /api/v1/me/email':
    'Changes the caller’s email; user-level, recorded in the user’s security log (auth/profile.test.ts)',
  'POST /api/v1/auth/verify-email':
    'Verifies the user’s own address (or applies their change of email); user-level, recorded in the user’s security log (mail/mail.test.ts)',
  'POST /api/v1/auth/verify-email/resend':
    'Mails a new verification link; changes no account (mail/mail.test.ts)',
  'POST /api/v1/auth/password-reset':
    'Mails a reset link (or nothing, for an unknown email); changes no account (mail/mail.test.ts)',
  'POST /api/v1/auth/password-reset/confirm':
    'Sets the user’s password from a reset link; user-level, recorded in the user’s security log as user.password_reset (mail/mail.test.ts)',
  'POST /api/v1/me/two-factor/setup':
    'Starts a two-factor set-up, which changes nothing until enabled; user-level (auth/two-factor.test.ts)',
  'POST /api/v1/me/two-factor/enable':
    'Turns on the caller’s two-factor sign-in; user-level, recorded in the user’s security log (auth/two-factor.test.ts)',
  'POST /api/v1/me/two-factor/disable':
    'Turns off the caller’s two-factor sign-in; user-level, recorded in the user’s security log (auth/two-factor.test.ts)',
  'POST /api/v1/me/two-factor/recovery-codes':
    'Renews the caller’s recovery codes; user-level, recorded in the user’s security log (auth/two-factor.test.ts)',
};

const accountUrl = (user: TestUser, path = '') => `/api/v1/accounts/${user.account.id}${path}`;

/** A running Pod of the user's account through the API, terminated after the scenario. */
async function runningPod(ctx: Context): Promise<{ id: string; url: string }> {
  const { user } = ctx;
  const pod = await createPodAs(user, user.account.id, { name: 'audited pod' });
  const url = accountUrl(user, `/pods/${pod.id}`);
  ctx.cleanup(() => user.request({ method: 'DELETE', url }));
  await waitForStatus(user, user.account.id, pod.id, 'running');
  return { id: pod.id, url };
}

/** A fresh API key of the user's personal account. */
async function apiKeyUrl(user: TestUser): Promise<string> {
  const key = await buildApiKey(user, user.account.id, { name: 'audited key' });
  return accountUrl(user, `/api-keys/${key.id}`);
}

/** One scenario per audited mutating route: performs it successfully. */
const SCENARIOS: Record<string, Scenario> = {
  'POST /api/v1/auth/signup': ({ gantry }) =>
    gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail('cover'), name: 'Cover', password: 'correct horse battery' },
    }),
  'POST /api/v1/accounts': ({ user }) =>
    user.request({ method: 'POST', url: '/api/v1/accounts', payload: { name: 'Covered team' } }),
  'PATCH /api/v1/accounts/:accountId/audit-logs/settings': ({ user }) =>
    user.request({
      method: 'PATCH',
      url: accountUrl(user, '/audit-logs/settings'),
      payload: { retentionDays: 365 },
    }),

  // accounts
  'PATCH /api/v1/accounts/:accountId': ({ user }) =>
    user.request({ method: 'PATCH', url: accountUrl(user), payload: { name: 'Renamed' } }),
  'PATCH /api/v1/accounts/:accountId/security': async ({ user }) => {
    await convertToTeam(user);
    await turnOnTwoFactor(user);
    return user.request({
      method: 'PATCH',
      url: accountUrl(user, '/security'),
      payload: { requireTwoFactor: true },
    });
  },
  'POST /api/v1/accounts/:accountId/convert': ({ user }) =>
    user.request({
      method: 'POST',
      url: accountUrl(user, '/convert'),
      payload: { teamName: 'Coverage Team' },
    }),
  'DELETE /api/v1/accounts/:accountId/team': async ({ user }) => {
    await convertToTeam(user);
    return user.request({ method: 'DELETE', url: accountUrl(user, '/team') });
  },
  'POST /api/v1/accounts/:accountId/transfer-ownership': async ({ gantry }) => {
    const team = await buildTeam(gantry, ['admin']);
    return team.owner.request({
      method: 'POST',
      url: accountUrl(team.owner, '/transfer-ownership'),
      payload: { userId: team.members[0]!.user.id },
    });
  },

  // members
  'PATCH /api/v1/accounts/:accountId/members/:userId': async ({ gantry }) => {
    const team = await buildTeam(gantry, ['dev']);
    return team.owner.request({
      method: 'PATCH',
      url: accountUrl(team.owner, `/members/${team.members[0]!.user.id}`),
      payload: { role: 'basic' },
    });
  },
  'DELETE /api/v1/accounts/:accountId/members/:userId': async ({ gantry }) => {
    const team = await buildTeam(gantry, ['basic']);
    return team.owner.request({
      method: 'DELETE',
      url: accountUrl(team.owner, `/members/${team.members[0]!.user.id}`),
    });
  },

  // invites
  'POST /api/v1/accounts/:accountId/invites': async ({ user }) => {
    await convertToTeam(user);
    return user.request({
      method: 'POST',
      url: accountUrl(user, '/invites'),
      payload: { role: 'dev', maxUses: 3 },
    });
  },
  'DELETE /api/v1/accounts/:accountId/invites/:inviteId': async ({ user }) => {
    await convertToTeam(user);
    const created = await invite(user, user.account.id, { role: 'basic' });
    return user.request({ method: 'DELETE', url: accountUrl(user, `/invites/${created.id}`) });
  },
  'POST /api/v1/invites/:token/accept': async ({ gantry, user }) => {
    await convertToTeam(user);
    const created = await invite(user, user.account.id, { role: 'billing' });
    return accept(await signUp(gantry.app), created.token);
  },

  // pods (real local runtime, built-in hello-web template)
  'POST /api/v1/accounts/:accountId/pods': async (ctx) => {
    const { user } = ctx;
    const response = await user.request({
      method: 'POST',
      url: accountUrl(user, '/pods'),
      payload: podBody({ name: 'created pod' }),
    });
    const id = response.json().id;
    if (id)
      ctx.cleanup(() => user.request({ method: 'DELETE', url: accountUrl(user, `/pods/${id}`) }));
    return response;
  },
  'POST /api/v1/accounts/:accountId/pods/:podId/start': async (ctx) => {
    const pod = await runningPod(ctx);
    const stopped = await ctx.user.request({ method: 'POST', url: `${pod.url}/stop` });
    if (stopped.statusCode !== 200) throw new Error(`stop failed: ${stopped.body}`);
    return ctx.user.request({ method: 'POST', url: `${pod.url}/start` });
  },
  'POST /api/v1/accounts/:accountId/pods/:podId/stop': async (ctx) => {
    const pod = await runningPod(ctx);
    return ctx.user.request({ method: 'POST', url: `${pod.url}/stop` });
  },
  'POST /api/v1/accounts/:accountId/pods/:podId/restart': async (ctx) => {
    const pod = await runningPod(ctx);
    return ctx.user.request({ method: 'POST', url: `${pod.url}/restart` });
  },
  'PATCH /api/v1/accounts/:accountId/pods/:podId': async (ctx) => {
    const pod = await runningPod(ctx);
    return ctx.user.request({ method: 'PATCH', url: pod.url, payload: { stopAfter: 'PT2H' } });
  },
  'DELETE /api/v1/accounts/:accountId/pods/:podId': async (ctx) => {
    const pod = await runningPod(ctx);
    return ctx.user.request({ method: 'DELETE', url: pod.url });
  },

  // billing
  'PATCH /api/v1/accounts/:accountId/billing': ({ user }) =>
    user.request({
      method: 'PATCH',
      url: accountUrl(user, '/billing'),
      payload: { companyName: 'Acme GPUs', spendLimit: '40.00' },
    }),

  // api keys
  'POST /api/v1/accounts/:accountId/api-keys': ({ user }) =>
    user.request({
      method: 'POST',
      url: accountUrl(user, '/api-keys'),
      payload: { name: 'ci deploys', readOnly: true },
    }),
  'POST /api/v1/accounts/:accountId/api-keys/:keyId/disable': async ({ user }) =>
    user.request({ method: 'POST', url: `${await apiKeyUrl(user)}/disable` }),
  'POST /api/v1/accounts/:accountId/api-keys/:keyId/enable': async ({ user }) => {
    const url = await apiKeyUrl(user);
    const disabled = await user.request({ method: 'POST', url: `${url}/disable` });
    if (disabled.statusCode !== 200) throw new Error(`disable failed: ${disabled.body}`);
    return user.request({ method: 'POST', url: `${url}/enable` });
  },
  'DELETE /api/v1/accounts/:accountId/api-keys/:keyId': async ({ user }) =>
    user.request({ method: 'DELETE', url: await apiKeyUrl(user) }),
};

/**
 * One scenario per module (route tag) with account-scoped mutating routes: a
 * member lacking the permission tries the route and is refused.
 */
const DENIED: Record<string, Scenario> = {
  'PATCH /api/v1/accounts/:accountId': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['dev']);
    return members[0]!.request({
      method: 'PATCH',
      url: accountUrl(owner),
      payload: { name: 'Taken over' },
    });
  },
  'DELETE /api/v1/accounts/:accountId/members/:userId': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['billing', 'dev']);
    return members[0]!.request({
      method: 'DELETE',
      url: accountUrl(owner, `/members/${members[1]!.user.id}`),
    });
  },
  'POST /api/v1/accounts/:accountId/invites': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['dev']);
    return members[0]!.request({
      method: 'POST',
      url: accountUrl(owner, '/invites'),
      payload: { role: 'admin' },
    });
  },
  'POST /api/v1/accounts/:accountId/pods': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['basic']);
    return members[0]!.request({
      method: 'POST',
      url: accountUrl(owner, '/pods'),
      payload: podBody({ name: 'not allowed' }),
    });
  },
  'PATCH /api/v1/accounts/:accountId/billing': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['dev']);
    return members[0]!.request({
      method: 'PATCH',
      url: accountUrl(owner, '/billing'),
      payload: { spendLimit: '1000.00' },
    });
  },
  'DELETE /api/v1/accounts/:accountId/api-keys/:keyId': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['dev']);
    return members[0]!.request({ method: 'DELETE', url: await apiKeyUrl(owner) });
  },
  'PATCH /api/v1/accounts/:accountId/audit-logs/settings': async ({ gantry }) => {
    const { owner, members } = await buildTeam(gantry, ['dev']);
    return members[0]!.request({
      method: 'PATCH',
      url: accountUrl(owner, '/audit-logs/settings'),
      payload: { retentionDays: 1 },
    });
  },
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Events written with the request id of `response`. */
async function eventsOfRequest(gantry: TestGantry, response: LightMyRequestResponse) {
  const requestId = response.headers['x-request-id'];
  expect(requestId).toEqual(expect.any(String));
  return gantry.deps.db
    .selectFrom('audit_events')
    .select(['action', 'outcome', 'account_id'])
    .where('request_id', '=', String(requestId))
    .execute();
}

describe.each(DIALECTS)('audit coverage on %s', (dialect) => {
  let gantry: TestGantry;
  const routes: string[] = [];
  /** Module (route tag) of every account-scoped mutating route. */
  const accountModules = new Map<string, string>();
  let cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    const collect = (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const tags = (route.schema as { tags?: string[] } | undefined)?.tags ?? [];
      for (const method of methods) {
        if (!MUTATING.has(method) || !route.url.startsWith('/api/v1/')) continue;
        const key = `${method} ${route.url}`;
        routes.push(key);
        if (route.url.startsWith('/api/v1/accounts/:accountId')) {
          accountModules.set(key, tags[0] ?? route.url);
        }
      }
    };
    gantry = await startTestGantry(dialect, {}, { onRoute: collect });
  });
  afterEach(async () => {
    const steps = cleanups;
    cleanups = [];
    for (const step of steps) await step();
  });
  afterAll(() => gantry.close());

  const contextFor = async (): Promise<Context> => ({
    gantry,
    user: await signUp(gantry.app),
    cleanup: (step) => cleanups.push(step),
  });

  it('has a scenario or a stated exemption for every mutating route', () => {
    expect(routes.length).toBeGreaterThan(0);
    const missing = routes.filter((r) => !(r in SCENARIOS) && !(r in EXEMPT));
    expect(missing, 'add a scenario to SCENARIOS in audit/coverage.test.ts').toEqual([]);
    // Scenarios for routes that no longer exist are stale.
    expect(Object.keys(SCENARIOS).filter((r) => !routes.includes(r))).toEqual([]);
    expect(Object.keys(DENIED).filter((r) => !accountModules.has(r))).toEqual([]);
  });

  it('has a denied scenario for every module with account-scoped mutating routes', () => {
    const covered = new Set(Object.keys(DENIED).map((r) => accountModules.get(r)));
    const modules = [...new Set(accountModules.values())];
    expect(modules.length).toBeGreaterThan(0);
    expect(
      modules.filter((m) => !covered.has(m)),
      'add a scenario to DENIED in audit/coverage.test.ts',
    ).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))('%s writes its audit event in the request', async (route) => {
    const response = await SCENARIOS[route]!(await contextFor());
    expect(response.statusCode, response.body).toBeLessThan(300);
    const events = await eventsOfRequest(gantry, response);
    expect(events.length, `${route} wrote no audit event`).toBeGreaterThan(0);
    expect(events.every((e) => e.outcome === 'success')).toBe(true);
  });

  it.each(Object.keys(DENIED))(
    '%s refused for lack of permission writes a denied event',
    async (route) => {
      const response = await DENIED[route]!(await contextFor());
      expect(response.statusCode, response.body).toBe(403);
      const events = await eventsOfRequest(gantry, response);
      expect(events.length, `${route} denied wrote no audit event`).toBeGreaterThan(0);
      expect(events.map((e) => e.outcome)).toEqual(events.map(() => 'denied'));
    },
  );
});
