import { Command } from 'commander';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey } from '../../test/factories.js';
import {
  auditEvents,
  captureOperatorIo,
  cookieFrom,
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
} from '../../test/harness.js';
import { EXIT } from '../cli/exit-codes.js';
import { ManualClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { pruneExpiredEvents } from '../server.js';
import { registerUserCommands, runResetPasswordCommand } from './auth.cli.js';

const NEW_PASSWORD = 'a brand new passphrase';

describe.each(DIALECTS)('profile, password and security activity on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(() => gantry?.close());

  /** Signs in `user` again (a new session) and returns its cookie. */
  async function signIn(
    user: TestUser,
    password = PASSWORD,
    headers: Record<string, string> = {},
    remoteAddress = '10.20.0.1',
  ) {
    return gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password },
      headers,
      remoteAddress,
    });
  }

  const asCookie = (cookie: string) => (options: InjectOptions) =>
    gantry.app.inject({ ...options, headers: { ...options.headers, cookie } });

  /** The user's security events straight from the table, oldest first. */
  const eventsOf = (userId: string) =>
    gantry.deps.db
      .selectFrom('user_events')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'asc')
      .execute();

  const actionsOf = async (userId: string) => (await eventsOf(userId)).map((e) => e.action);

  const userRow = (id: string) =>
    gantry.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  const sessionIds = async (userId: string) =>
    (
      await gantry.deps.db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute()
    ).map((s) => s.id);

  const changePassword = (user: TestUser, body: unknown, cookie = user.cookie) =>
    asCookie(cookie)({
      method: 'POST',
      url: '/api/v1/me/password',
      payload: body as object,
    });

  describe('PATCH /me', () => {
    it('renames the user, trimmed, with a user.update event in the same change', async () => {
      const user = await signUp(gantry.app, { name: 'Ada' });
      const before = await userRow(user.user.id);
      clock.advance(1000);
      const response = await user.request({
        method: 'PATCH',
        url: '/api/v1/me',
        payload: { name: '  Ada Lovelace ' },
        headers: { 'user-agent': 'Firefox/140' },
        remoteAddress: '10.30.0.7',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().user).toEqual({
        id: user.user.id,
        email: user.user.email,
        name: 'Ada Lovelace',
        createdAt: before.created_at,
      });
      const after = await userRow(user.user.id);
      expect(after.name).toBe('Ada Lovelace');
      expect(after.updated_at > before.updated_at).toBe(true);
      const me = await user.request({ method: 'GET', url: '/api/v1/me' });
      expect(me.json().user.name).toBe('Ada Lovelace');

      const events = await eventsOf(user.user.id);
      expect(events.map((e) => e.action)).toEqual(['user.signup', 'user.update']);
      const update = events[1];
      const [sessionId] = await sessionIds(user.user.id);
      expect(update).toMatchObject({
        session_id: sessionId,
        ip: '10.30.0.7',
        user_agent: 'Firefox/140',
      });
      expect(JSON.parse(update?.details ?? 'null')).toEqual({
        before: { name: 'Ada' },
        after: { name: 'Ada Lovelace' },
      });

      // The same name again changes nothing and records nothing.
      const same = await user.request({
        method: 'PATCH',
        url: '/api/v1/me',
        payload: { name: 'Ada Lovelace' },
      });
      expect(same.statusCode).toBe(200);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup', 'user.update']);
    });

    it('renames the personal account named after the user, audited in its log; other names stay', async () => {
      const rename = (user: TestUser, name: string) =>
        user.request({ method: 'PATCH', url: '/api/v1/me', payload: { name } });
      const accountName = async (user: TestUser) =>
        (await user.request({ method: 'GET', url: `/api/v1/accounts/${user.account.id}` })).json()
          .name;

      // Named after its owner at sign-up: it follows the owner's new name.
      const grace = await signUp(gantry.app, { name: 'Grace' });
      expect((await rename(grace, 'Grace Hopper')).statusCode).toBe(200);
      expect(await accountName(grace)).toBe('Grace Hopper');
      const log = await auditEvents(gantry, grace.account.id);
      const update = log.at(-1);
      expect(update).toMatchObject({ action: 'account.update', actor_user_id: grace.user.id });
      expect(JSON.parse(update?.details ?? 'null')).toEqual({
        before: { name: 'Grace' },
        after: { name: 'Grace Hopper' },
        reason: 'owner renamed',
      });
      const verify = await grace.request({
        method: 'GET',
        url: `/api/v1/accounts/${grace.account.id}/audit-logs/verify`,
      });
      expect(verify.json().ok).toBe(true);

      // Given another name by hand: it keeps it.
      const linus = await signUp(gantry.app, { name: 'Linus' });
      const custom = await linus.request({
        method: 'PATCH',
        url: `/api/v1/accounts/${linus.account.id}`,
        payload: { name: 'Linus Lab' },
      });
      expect(custom.statusCode).toBe(200);
      expect((await rename(linus, 'Linus T')).statusCode).toBe(200);
      expect(await accountName(linus)).toBe('Linus Lab');

      // A team keeps its name, even one that is its owner's.
      const tim = await signUp(gantry.app, { name: 'Tim' });
      const convert = await tim.request({
        method: 'POST',
        url: `/api/v1/accounts/${tim.account.id}/convert`,
        payload: { teamName: 'Tim' },
      });
      expect(convert.statusCode).toBe(200);
      const teamLog = (await auditEvents(gantry, tim.account.id)).length;
      expect((await rename(tim, 'Tim B-L')).statusCode).toBe(200);
      expect(await accountName(tim)).toBe('Tim');
      expect((await auditEvents(gantry, tim.account.id)).length).toBe(teamLog);
    });

    it.each([
      ['a blank name', { name: '   ' }],
      ['an empty name', { name: '' }],
      ['no name', {}],
      ['an over-long name', { name: 'n'.repeat(101) }],
      ['control characters', { name: 'A\u0007B' }],
      ['a number', { name: 42 }],
      ['an unknown field', { name: 'Ok', email: 'x@example.com' }],
    ])('answers 400 for %s and changes nothing', async (_label, payload) => {
      const user = await signUp(gantry.app, { name: 'Unchanged' });
      const before = await userRow(user.user.id);
      const response = await user.request({ method: 'PATCH', url: '/api/v1/me', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_input');
      expect(await userRow(user.user.id)).toEqual(before);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup']);
    });

    it('answers 401 without a session and 403 to an API key, changing nothing', async () => {
      const anonymous = await gantry.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        payload: { name: 'Nobody' },
      });
      expect(anonymous.statusCode).toBe(401);
      const user = await signUp(gantry.app, { name: 'Keyed' });
      const key = await buildApiKey(user, user.account.id);
      const asKey = await asApiKey(
        gantry.app,
        key.secret,
      )({ method: 'PATCH', url: '/api/v1/me', payload: { name: 'Renamed by a key' } });
      expect(asKey.statusCode).toBe(403);
      expect(asKey.json().error.code).toBe('forbidden');
      expect((await userRow(user.user.id)).name).toBe('Keyed');
      expect(await actionsOf(user.user.id)).toEqual(['user.signup']);
    });
  });

  describe('POST /me/password', () => {
    it('changes the password, signs out the other sessions and keeps this one', async () => {
      const user = await signUp(gantry.app);
      const others = [cookieFrom(await signIn(user)), cookieFrom(await signIn(user))];
      const stranger = await signUp(gantry.app);
      const before = await userRow(user.user.id);
      const [current] = await sessionIds(user.user.id);

      const response = await changePassword(user, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ revoked: 2 });
      expect(response.body).not.toContain(NEW_PASSWORD);

      const after = await userRow(user.user.id);
      expect(after.password_hash).not.toBe(before.password_hash);
      expect(after.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(after.password_hash).not.toContain(NEW_PASSWORD);
      // This session stays; the others are gone; another user's are untouched.
      expect(await sessionIds(user.user.id)).toEqual([current]);
      expect((await user.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
      for (const cookie of others) {
        expect((await asCookie(cookie)({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
      }
      expect((await stranger.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);

      // The old password no longer signs in; the new one does.
      const old = await signIn(user, PASSWORD, {}, '10.20.1.1');
      expect(old.statusCode).toBe(401);
      expect(old.json().error.code).toBe('invalid_credentials');
      expect((await signIn(user, NEW_PASSWORD, {}, '10.20.1.1')).statusCode).toBe(200);

      const events = await eventsOf(user.user.id);
      expect(events.map((e) => e.action)).toEqual([
        'user.signup',
        'user.signin',
        'user.signin',
        'user.password_change',
        'user.signin',
      ]);
      expect(events[3]?.session_id).toBe(current);
      expect(JSON.parse(events[3]?.details ?? 'null')).toEqual({ sessionsRevoked: 2 });
      for (const event of events) {
        expect(JSON.stringify(event)).not.toContain(NEW_PASSWORD);
        expect(JSON.stringify(event)).not.toContain(PASSWORD);
      }
    });

    it.each([
      [
        'a short new password',
        { currentPassword: PASSWORD, newPassword: 'short' },
        'invalid_input',
      ],
      [
        'a long new password',
        { currentPassword: PASSWORD, newPassword: 'x'.repeat(257) },
        'invalid_input',
      ],
      ['the same password', { currentPassword: PASSWORD, newPassword: PASSWORD }, 'invalid_input'],
      [
        'a wrong current password',
        { currentPassword: 'not my password', newPassword: NEW_PASSWORD },
        'wrong_password',
      ],
      [
        'an empty current password',
        { currentPassword: '', newPassword: NEW_PASSWORD },
        'invalid_input',
      ],
      ['no current password', { newPassword: NEW_PASSWORD }, 'invalid_input'],
      [
        'an unknown field',
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, confirm: NEW_PASSWORD },
        'invalid_input',
      ],
    ])('answers 400 for %s and changes nothing', async (_label, payload, code) => {
      const user = await signUp(gantry.app);
      const other = cookieFrom(await signIn(user));
      const before = await userRow(user.user.id);
      const sessions = await sessionIds(user.user.id);
      const response = await changePassword(user, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(code);
      if (code === 'wrong_password') {
        expect(response.json().error.message).toBe(
          'body/currentPassword is not your current password',
        );
      }
      if (_label === 'the same password') {
        expect(response.json().error.message).toBe(
          'body/newPassword must differ from the current password',
        );
      }
      expect(await userRow(user.user.id)).toEqual(before);
      expect(await sessionIds(user.user.id)).toEqual(sessions);
      expect((await asCookie(other)({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup', 'user.signin']);
    });

    it('throttles repeated wrong current passwords per user with growing delays', async () => {
      const user = await signUp(gantry.app);
      const stranger = await signUp(gantry.app);
      const wrong = () =>
        changePassword(user, { currentPassword: 'guess guess guess', newPassword: NEW_PASSWORD });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await wrong()).statusCode);
      expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
      expect(statuses.slice(5)).toEqual([400, 429]);
      // Blocked: even the right password waits, and says for how long.
      const blocked = await changePassword(user, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('rate_limited');
      const firstWait = Number(blocked.headers['retry-after']);
      expect(firstWait).toBeGreaterThan(0);
      // Each further failure doubles the wait.
      clock.advance(firstWait * 1000);
      expect((await wrong()).statusCode).toBe(400);
      const longer = await wrong();
      expect(longer.statusCode).toBe(429);
      expect(Number(longer.headers['retry-after'])).toBeGreaterThan(firstWait);
      // Another user is not blocked by it.
      expect(
        (
          await changePassword(stranger, {
            currentPassword: 'guess guess guess',
            newPassword: NEW_PASSWORD,
          })
        ).statusCode,
      ).toBe(400);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup']);
      // Once the delay has passed the right password works, and clears the count.
      clock.advance(16 * 60 * 1000);
      const ok = await changePassword(user, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(ok.statusCode).toBe(200);
      const key = await gantry.deps.db
        .selectFrom('login_throttle')
        .selectAll()
        .where('key', '=', `password:${user.user.id}`)
        .executeTakeFirst();
      expect(key).toBeUndefined();
    });

    it('answers 401 without a session and 403 to an API key, changing nothing', async () => {
      const anonymous = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('unauthenticated');
      const user = await signUp(gantry.app);
      const before = await userRow(user.user.id);
      const key = await buildApiKey(user, user.account.id);
      const asKey = await asApiKey(
        gantry.app,
        key.secret,
      )({
        method: 'POST',
        url: '/api/v1/me/password',
        payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      expect(asKey.statusCode).toBe(403);
      expect(asKey.json().error.code).toBe('forbidden');
      expect(await userRow(user.user.id)).toEqual(before);
    });
  });

  describe('POST /me/email', () => {
    const changeEmail = (user: TestUser, body: unknown) =>
      user.request({ method: 'POST', url: '/api/v1/me/email', payload: body as object });

    it('changes the email after the password; sign-in takes the new one only', async () => {
      const user = await signUp(gantry.app, { name: 'Moving' });
      const other = await signUp(gantry.app, { name: 'Taken' });
      const newEmail = `Moved-${user.user.id.slice(-8)}@Example.com`;

      const wrong = await changeEmail(user, { email: newEmail, password: 'not my password' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error).toMatchObject({ code: 'wrong_password' });
      // Someone else's email, in another case: taken (and only said after the password).
      const taken = await changeEmail(user, {
        email: other.user.email.toUpperCase(),
        password: PASSWORD,
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe('email_taken');
      expect((await userRow(user.user.id)).email).toBe(user.user.email);

      const changed = await changeEmail(user, { email: newEmail, password: PASSWORD });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().user).toMatchObject({ id: user.user.id, email: newEmail });
      expect(await userRow(user.user.id)).toMatchObject({
        email: newEmail,
        email_normalized: newEmail.toLowerCase(),
      });
      const event = (await eventsOf(user.user.id)).at(-1);
      expect(event?.action).toBe('user.email_change');
      expect(JSON.parse(event?.details ?? 'null')).toEqual({
        before: { email: user.user.email },
        after: { email: newEmail },
      });
      // The same again changes nothing and records nothing.
      const events = (await eventsOf(user.user.id)).length;
      expect((await changeEmail(user, { email: newEmail, password: PASSWORD })).statusCode).toBe(
        200,
      );
      expect(await eventsOf(user.user.id)).toHaveLength(events);

      const oldSignIn = await signIn(user);
      expect(oldSignIn.statusCode).toBe(401);
      const newSignIn = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: newEmail.toLowerCase(), password: PASSWORD },
      });
      expect(newSignIn.statusCode).toBe(200);
      // The old email is free for someone else.
      const newcomer = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { name: 'Newcomer', email: user.user.email, password: PASSWORD },
      });
      expect(newcomer.statusCode).toBe(201);
    });

    it('refuses a malformed email, and answers 401 without a session and 403 to an API key', async () => {
      const user = await signUp(gantry.app);
      const before = await userRow(user.user.id);
      const malformed = await changeEmail(user, { email: 'not an email', password: PASSWORD });
      expect(malformed.statusCode).toBe(400);
      const body = { email: 'someone-else@example.com', password: PASSWORD };
      const anonymous = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/me/email',
        payload: body,
      });
      expect(anonymous.statusCode).toBe(401);
      const key = await buildApiKey(user, user.account.id);
      const asKey = await asApiKey(
        gantry.app,
        key.secret,
      )({
        method: 'POST',
        url: '/api/v1/me/email',
        payload: body,
      });
      expect(asKey.statusCode).toBe(403);
      expect(await userRow(user.user.id)).toEqual(before);
    });
  });

  describe('the security log', () => {
    it('records sign-in, sign-out and session revocations with their change, not failures', async () => {
      const user = await signUp(gantry.app);
      const ua = { 'user-agent': 'curl/8.5.0' };
      const second = await signIn(user, PASSWORD, ua, '10.40.0.2');
      const secondCookie = cookieFrom(second);
      // A failed sign-in is not recorded (the throttle counts it).
      expect((await signIn(user, 'wrong password!', ua, '10.40.0.2')).statusCode).toBe(401);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup', 'user.signin']);
      const signin = (await eventsOf(user.user.id))[1];
      const secondId = (
        await gantry.deps.db
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', user.user.id)
          .where('ip', '=', '10.40.0.2')
          .executeTakeFirstOrThrow()
      ).id;
      expect(signin).toMatchObject({
        session_id: secondId,
        ip: '10.40.0.2',
        user_agent: 'curl/8.5.0',
        details: null,
      });

      // Revoking a session that is not mine: 404, and no event.
      const stranger = await signUp(gantry.app);
      const foreign = await stranger.request({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${secondId}`,
      });
      expect(foreign.statusCode).toBe(404);
      expect(await actionsOf(stranger.user.id)).toEqual(['user.signup']);

      const revoke = await user.request({
        method: 'DELETE',
        url: `/api/v1/auth/sessions/${secondId}`,
      });
      expect(revoke.statusCode).toBe(204);
      const [current] = await sessionIds(user.user.id);
      const revoked = (await eventsOf(user.user.id)).at(-1);
      expect(revoked).toMatchObject({ action: 'session.revoke', session_id: current });
      expect(JSON.parse(revoked?.details ?? 'null')).toEqual({ sessionId: secondId });
      expect((await asCookie(secondCookie)({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(
        401,
      );

      // Signing out the others: with their count; with none left, nothing is recorded.
      await signIn(user);
      await signIn(user);
      const others = await user.request({ method: 'DELETE', url: '/api/v1/auth/sessions' });
      expect(others.json()).toEqual({ revoked: 2 });
      const none = await user.request({ method: 'DELETE', url: '/api/v1/auth/sessions' });
      expect(none.json()).toEqual({ revoked: 0 });
      const revokeOthers = (await eventsOf(user.user.id)).at(-1);
      expect(revokeOthers).toMatchObject({ action: 'session.revoke_others', session_id: current });
      expect(JSON.parse(revokeOthers?.details ?? 'null')).toEqual({ count: 2 });

      // Sign-out: recorded with the session that signed out.
      const out = await user.request({ method: 'POST', url: '/api/v1/auth/logout' });
      expect(out.statusCode).toBe(204);
      expect(await actionsOf(user.user.id)).toEqual([
        'user.signup',
        'user.signin',
        'session.revoke',
        'user.signin',
        'user.signin',
        'session.revoke_others',
        'user.signout',
      ]);
      expect((await eventsOf(user.user.id)).at(-1)?.session_id).toBe(current);
      // A second sign-out of the same (gone) session is a 401 and records nothing.
      expect((await user.request({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(
        401,
      );
      expect(await eventsOf(user.user.id)).toHaveLength(7);
    });

    it('records user.signup in the sign-up and nothing when the sign-up fails', async () => {
      const user = await signUp(gantry.app);
      const [event] = await eventsOf(user.user.id);
      const [session] = await sessionIds(user.user.id);
      expect(event).toMatchObject({ action: 'user.signup', session_id: session });
      const count = async () =>
        Number(
          (
            await gantry.deps.db
              .selectFrom('user_events')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      const taken = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: user.user.email, password: PASSWORD, name: 'Again' },
      });
      expect(taken.statusCode).toBe(409);
      expect(await count()).toBe(before);
    });

    it('lists my events newest first, a page at a time, marking this session', async () => {
      const user = await signUp(gantry.app, { name: 'Lister' });
      const other = cookieFrom(await signIn(user, PASSWORD, { 'user-agent': 'Firefox/140' }));
      await user.request({ method: 'PATCH', url: '/api/v1/me', payload: { name: 'Lister Two' } });
      await asCookie(other)({
        method: 'PATCH',
        url: '/api/v1/me',
        payload: { name: 'Three' },
        headers: { 'user-agent': 'Firefox/141' },
      });
      await changePassword(user, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      // Someone else's events never show.
      await signUp(gantry.app);

      const all = await user.request({ method: 'GET', url: '/api/v1/me/events' });
      expect(all.statusCode).toBe(200);
      const items = all.json().items as Array<Record<string, unknown>>;
      expect(all.json().nextCursor).toBeNull();
      expect(items.map((e) => e.action)).toEqual([
        'user.password_change',
        'user.update',
        'user.update',
        'user.signin',
        'user.signup',
      ]);
      expect(items.map((e) => e.current)).toEqual([true, false, true, false, true]);
      expect(items[0]).toMatchObject({
        details: { sessionsRevoked: 1 },
        ip: '127.0.0.1',
        sessionId: expect.any(String),
      });
      expect(items[3]).toMatchObject({ userAgent: 'Firefox/140', details: {} });
      expect(items[1]).toMatchObject({
        userAgent: 'Firefox/141',
        details: { before: { name: 'Lister Two' }, after: { name: 'Three' } },
      });
      expect(items[4]).toMatchObject({ action: 'user.signup', details: {} });
      expect(items[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      // Two at a time: the cursor walks the same list without repeats or gaps.
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/me/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await user.request({ method: 'GET', url });
        expect(page.statusCode).toBe(200);
        const body = page.json();
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((e: { id: string }) => e.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(items.map((e) => e.id));
    });

    it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['cursor=not-an-id'], ['unknown=1']])(
      'answers 400 for ?%s',
      async (query) => {
        const user = await signUp(gantry.app);
        const response = await user.request({ method: 'GET', url: `/api/v1/me/events?${query}` });
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('invalid_input');
      },
    );

    it('answers 401 without a session and 403 to an API key', async () => {
      const anonymous = await gantry.app.inject({ method: 'GET', url: '/api/v1/me/events' });
      expect(anonymous.statusCode).toBe(401);
      const user = await signUp(gantry.app);
      const key = await buildApiKey(user, user.account.id);
      const asKey = await asApiKey(
        gantry.app,
        key.secret,
      )({ method: 'GET', url: '/api/v1/me/events' });
      expect(asKey.statusCode).toBe(403);
      expect(asKey.json().error.code).toBe('forbidden');
    });

    it('prunes events older than 365 days in the periodic pruning job', async () => {
      const user = await signUp(gantry.app);
      const now = clock.now();
      const at = (days: number) => new Date(now.getTime() - days * 24 * 3600 * 1000).toISOString();
      const old = { id: newId(), created_at: at(366) };
      const kept = { id: newId(), created_at: at(364) };
      for (const event of [old, kept]) {
        await gantry.deps.db
          .insertInto('user_events')
          .values({
            ...event,
            user_id: user.user.id,
            action: 'user.signin',
            session_id: null,
            ip: null,
            user_agent: null,
            details: null,
          })
          .execute();
      }
      await pruneExpiredEvents(gantry.deps);
      const ids = (await eventsOf(user.user.id)).map((e) => e.id);
      expect(ids).not.toContain(old.id);
      expect(ids).toContain(kept.id);
      expect(ids).toHaveLength(2);
    });
  });

  describe('gantry users reset-password (the operator)', () => {
    it('gives a temporary password, signs out every session and lifts the sign-in throttle', async () => {
      const user = await signUp(gantry.app, { name: 'Forgetful' });
      const address = '10.40.0.9';
      await signIn(user, PASSWORD, {}, address);
      // Locked out by their own wrong guesses.
      for (let i = 0; i < 6; i++) await signIn(user, 'not my password', {}, address);
      expect((await signIn(user, PASSWORD, {}, address)).statusCode).toBe(429);
      expect(await sessionIds(user.user.id)).toHaveLength(2);

      const { io, sink } = captureOperatorIo();
      const email = user.user.email.toUpperCase();
      expect(await runResetPasswordCommand(gantry.deps, email, sink)).toBe(0);
      const temporary = /Temporary password for .+: (\S+)\n/.exec(io.out)?.[1] ?? '';
      expect(temporary).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(io.out).toContain('Signed out 2 sessions');
      expect(await sessionIds(user.user.id)).toEqual([]);
      expect((await user.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);

      const event = (await eventsOf(user.user.id)).at(-1);
      expect(event).toMatchObject({
        action: 'user.password_reset',
        session_id: null,
        ip: null,
        user_agent: null,
      });
      expect(JSON.parse(event?.details ?? 'null')).toEqual({
        by: 'operator',
        sessionsRevoked: 2,
      });
      // The secret is nowhere but in what the operator was shown.
      expect(JSON.stringify(await eventsOf(user.user.id))).not.toContain(temporary);

      expect((await signIn(user, PASSWORD, {}, address)).statusCode).toBe(401);
      expect((await signIn(user, temporary, {}, address)).statusCode).toBe(200);
    });

    it('names an unknown email and changes nothing', async () => {
      const user = await signUp(gantry.app);
      const before = await userRow(user.user.id);
      const { io, sink } = captureOperatorIo();
      expect(await runResetPasswordCommand(gantry.deps, 'nobody@example.com', sink)).toBe(
        EXIT.notFound,
      );
      expect(io.err).toBe('gantry: No user with the email "nobody@example.com"\n');
      expect(io.out).toBe('');
      expect(await userRow(user.user.id)).toEqual(before);
      expect(await actionsOf(user.user.id)).toEqual(['user.signup']);
    });

    it('is wired into the command line program', async () => {
      const user = await signUp(gantry.app);
      const { io, sink } = captureOperatorIo();
      const exits: number[] = [];
      const program = new Command('gantry').exitOverride();
      registerUserCommands(program, {
        open: async () => ({ deps: gantry.deps, close: async () => {} }),
        io: sink,
        exit: (code) => void exits.push(code),
      });
      await program.parseAsync(['users', 'reset-password', user.user.email], { from: 'user' });
      expect(io.out).toContain(`Temporary password for ${user.user.email}: `);
      await program.parseAsync(['users', 'reset-password', 'ghost@example.com'], { from: 'user' });
      expect(exits).toEqual([EXIT.notFound]);
    });
  });
});
