import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey } from '../../test/factories.js';
import {
  auditEvents,
  cookieFrom,
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  uniqueEmail,
} from '../../test/harness.js';
import { ManualClock } from '../lib/clock.js';

describe.each(DIALECTS)('auth on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(() => gantry?.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    gantry.app.inject({ method: 'POST', url, payload: payload as object, headers });

  const countUsers = async () =>
    Number(
      (
        await gantry.deps.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('signs up a user with a personal account, a session cookie and an audit event', async () => {
    const email = uniqueEmail('Signup');
    const response = await post('/api/v1/auth/signup', { email, password: PASSWORD, name: 'Ada' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toMatchObject({ email, name: 'Ada' });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.account).toMatchObject({
      kind: 'personal',
      ownerId: body.user.id,
      role: 'admin',
      isOwner: true,
    });
    expect(body.account.permissions).toContain('members.manage');
    const cookie = response.cookies.find((c) => c.name === 'gantry_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await gantry.deps.db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.map((s) => s.token_hash)).not.toContain(cookie?.value);
    const events = await auditEvents(gantry, body.account.id);
    // The welcome credit (billing) follows the account's creation in the same transaction.
    expect(events.map((e) => e.action)).toEqual(['account.create', 'billing.credit']);
    expect(events[0]).toMatchObject({ actor_user_id: body.user.id, outcome: 'success' });
  });

  it('refuses a second sign-up with the same email in another case', async () => {
    const email = uniqueEmail('dup');
    await signUp(gantry.app, { email });
    const again = await post('/api/v1/auth/signup', {
      email: email.toUpperCase(),
      password: PASSWORD,
      name: 'B',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('email_taken');
  });

  it.each([
    ['missing fields', { email: 'a@example.com' }],
    ['short password', { email: 'a@example.com', password: 'short', name: 'A' }],
    ['long password', { email: 'a@example.com', password: 'x'.repeat(257), name: 'A' }],
    ['bad email', { email: 'not-an-email', password: PASSWORD, name: 'A' }],
    ['unknown field', { email: 'a@example.com', password: PASSWORD, name: 'A', admin: true }],
    ['wrong type', { email: 'a@example.com', password: PASSWORD, name: 42 }],
    ['control characters', { email: 'a@example.com', password: PASSWORD, name: 'A\u0000B' }],
    ['over-long name', { email: 'a@example.com', password: PASSWORD, name: 'n'.repeat(101) }],
    ['array body', [1, 2, 3]],
  ])('answers 400 for %s and writes nothing', async (_name, payload) => {
    const before = await countUsers();
    const response = await post('/api/v1/auth/signup', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
    expect(await countUsers()).toBe(before);
  });

  it('answers 400 for malformed JSON and 413 for a body over 1 MiB', async () => {
    const malformed = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_input');
    const huge = await post('/api/v1/auth/signup', {
      email: 'a@example.com',
      password: PASSWORD,
      name: 'x'.repeat(1024 * 1024 + 10),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });

  it('signs in, answers the same error for unknown email and wrong password, and signs out', async () => {
    const user = await signUp(gantry.app);
    const ip = { remoteAddress: '10.9.0.1' };
    const wrong = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: 'wrong password!' },
      ...ip,
    });
    const unknown = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: uniqueEmail('nobody'), password: 'wrong password!' },
      ...ip,
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());

    const ok = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email.toUpperCase(), password: PASSWORD },
      ...ip,
    });
    expect(ok.statusCode).toBe(200);
    const cookie = cookieFrom(ok);
    expect(cookie).not.toBe(user.cookie);
    const me = await gantry.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(user.user.id);
    expect(me.json().memberships).toHaveLength(1);

    const out = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie },
    });
    expect(out.statusCode).toBe(204);
    const after = await gantry.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie },
    });
    expect(after.statusCode).toBe(401);
    // The other session is untouched.
    expect((await user.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it('throttles repeated failures per email with growing delays, without locking out a known device', async () => {
    const user = await signUp(gantry.app);
    const attempt = (password: string, remoteAddress: string, cookie?: string) =>
      gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.user.email, password },
        remoteAddress,
        headers: cookie ? { cookie } : {},
      });
    // The victim signs in once from their device, earning a device cookie.
    const good = await attempt(PASSWORD, '10.1.0.1');
    const device = cookieFrom(good, 'gantry_device');

    // An attacker fails from many addresses.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await attempt('guess-guess-guess', `10.2.0.${i}`)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses).toContain(429);
    const limited = await attempt(PASSWORD, '10.3.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // The victim, with their device cookie, still gets in.
    expect((await attempt(PASSWORD, '10.1.0.1', device)).statusCode).toBe(200);
    // Once the delay has passed, anyone with the password gets in again.
    clock.advance(16 * 60 * 1000);
    expect((await attempt(PASSWORD, '10.3.0.2')).statusCode).toBe(200);
  });

  it('lists and revokes my sessions', async () => {
    const user = await signUp(gantry.app);
    const second = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: PASSWORD },
      remoteAddress: '10.4.0.1',
    });
    const secondCookie = cookieFrom(second);
    const list = await user.request({ method: 'GET', url: '/api/v1/auth/sessions' });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<{ id: string; current: boolean }>;
    expect(items).toHaveLength(2);
    const other = items.find((s) => !s.current);
    expect(other).toBeDefined();
    const revoke = await user.request({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${other?.id}`,
    });
    expect(revoke.statusCode).toBe(204);
    const gone = await gantry.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: secondCookie },
    });
    expect(gone.statusCode).toBe(401);
    // Someone else's session id is not found; a malformed one is invalid.
    const stranger = await signUp(gantry.app);
    const foreign = await stranger.request({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${items.find((s) => s.current)?.id}`,
    });
    expect(foreign.statusCode).toBe(404);
    const bad = await stranger.request({ method: 'DELETE', url: '/api/v1/auth/sessions/nope' });
    expect(bad.statusCode).toBe(400);
  });

  it('signs out all my other sessions, keeping the current one', async () => {
    const user = await signUp(gantry.app);
    const login = (ua: string) =>
      gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.user.email, password: PASSWORD },
        headers: { 'user-agent': ua },
      });
    const others = [cookieFrom(await login('curl/8.5.0')), cookieFrom(await login('Firefox'))];
    const stranger = await signUp(gantry.app);

    const revoke = await user.request({
      method: 'DELETE',
      url: '/api/v1/auth/sessions',
      headers: { 'content-type': 'application/json' },
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toEqual({ revoked: 2 });
    for (const cookie of others) {
      const me = await gantry.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
      expect(me.statusCode).toBe(401);
    }
    const list = await user.request({ method: 'GET', url: '/api/v1/auth/sessions' });
    expect(list.json().items).toEqual([expect.objectContaining({ current: true })]);
    // Another user's sessions are untouched; nothing left to revoke answers 0.
    expect((await stranger.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
    const again = await user.request({ method: 'DELETE', url: '/api/v1/auth/sessions' });
    expect(again.json()).toEqual({ revoked: 0 });
    // Signed out: 401. An API key of the user may not sign them out: 403, sessions stay.
    const anonymous = await gantry.app.inject({ method: 'DELETE', url: '/api/v1/auth/sessions' });
    expect(anonymous.statusCode).toBe(401);
    const second = cookieFrom(await login('curl/8.5.0'));
    const key = await buildApiKey(user, user.account.id);
    const asKey = await asApiKey(
      gantry.app,
      key.secret,
    )({
      method: 'DELETE',
      url: '/api/v1/auth/sessions',
    });
    expect(asKey.statusCode).toBe(403);
    expect(asKey.json().error.code).toBe('forbidden');
    const still = await gantry.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: second },
    });
    expect(still.statusCode).toBe(200);
  });

  it('expires sessions after the idle limit and after the absolute limit', async () => {
    const idle = await signUp(gantry.app);
    clock.advance(8 * 24 * 3600 * 1000);
    expect((await idle.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);

    const busy = await signUp(gantry.app);
    for (let day = 0; day < 31; day += 5) {
      clock.advance(5 * 24 * 3600 * 1000);
      const status = (await busy.request({ method: 'GET', url: '/api/v1/me' })).statusCode;
      if (day + 5 < 30) expect(status).toBe(200);
      else expect(status).toBe(401);
    }
  });

  it('refuses cookie-authenticated writes from another site or origin', async () => {
    const user = await signUp(gantry.app);
    const crossSite = await user.request({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe('cross_site_request');
    const badOrigin = await user.request({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { origin: 'https://evil.example' },
    });
    expect(badOrigin.statusCode).toBe(403);
    const sameOrigin = await user.request({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { origin: 'http://gantry.test', 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.statusCode).toBe(204);
  });

  it('answers 401 without a session and for a forged cookie', async () => {
    expect((await gantry.app.inject({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
    const forged = await gantry.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: 'gantry_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('unauthenticated');
  });
});
