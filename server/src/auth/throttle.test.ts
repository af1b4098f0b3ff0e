import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  uniqueEmail,
} from '../../test/harness.js';
import { ManualClock } from '../lib/clock.js';
import { countAttempt, RULES } from './throttle.js';

describe.each(DIALECTS)('throttles under concurrency on %s', (dialect) => {
  let gantry: TestGantry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    gantry = await startTestGantry(dialect, { GANTRY_SIGNUPS_PER_IP_HOUR: '4' }, { clock });
  });
  afterAll(() => gantry?.close());

  const failuresOn = async (key: string) =>
    (
      await gantry.deps.db
        .selectFrom('login_throttle')
        .select('failures')
        .where('key', '=', key)
        .executeTakeFirst()
    )?.failures;

  it('counts attempts made at once one by one: exactly the allowance passes', async () => {
    const key = { key: `email:race-${dialect}@example.com`, rule: RULES.email };
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => countAttempt(gantry.deps.db, [key], clock.now(), 'no')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(RULES.email.free);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'rate_limited' });
    }
    expect(await failuresOn(key.key)).toBe(RULES.email.free);
  });

  it('evaluates at most the allowance of 25 simultaneous wrong passwords; the rest are 429', async () => {
    const { user } = await signUp(gantry.app);
    const attempt = (password: string, i: number) =>
      gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password },
        remoteAddress: `127.60.${i}.1`,
      });
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) => attempt('guess guess guess', i)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(RULES.email.free);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25 - RULES.email.free);
    // The right password right after them is refused too: the guesses counted.
    expect((await attempt(PASSWORD, 99)).statusCode).toBe(429);
    expect(await failuresOn(`email:${user.email.toLowerCase()}`)).toBe(RULES.email.free);
  });

  it('evaluates at most the allowance of simultaneous wrong current passwords', async () => {
    const user = await signUp(gantry.app);
    const answers = await Promise.all(
      Array.from({ length: 25 }, () =>
        user.request({
          method: 'POST',
          url: '/api/v1/me/password',
          payload: { currentPassword: 'guess guess guess', newPassword: 'a new password here' },
        }),
      ),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(RULES.password.free);
    expect(statuses.filter((s) => s !== 400 && s !== 429)).toEqual([]);
    expect(await failuresOn(`password:${user.user.id}`)).toBe(RULES.password.free);
  });

  it('does not count successful sign-ins against the IP', async () => {
    const user = await signUp(gantry.app);
    for (let i = 0; i < RULES.ip.free + 5; i++) {
      const ok = await gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.user.email, password: PASSWORD },
        remoteAddress: '127.0.61.1',
      });
      expect(ok.statusCode).toBe(200);
    }
    expect(await failuresOn('ip:127.0.61.1')).toBe(0);
  });

  it('throttles sign-ups per IP, whether the email is taken or not', async () => {
    const signup = (remoteAddress: string) =>
      gantry.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail('farm'), name: 'Farmer', password: PASSWORD },
        remoteAddress,
      });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await signup('127.0.62.1')).statusCode);
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
    const limited = await signup('127.0.62.1');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected; after the hour, the first may sign up again.
    expect((await signup('127.0.62.2')).statusCode).toBe(201);
    clock.advance(3601 * 1000);
    expect((await signup('127.0.62.1')).statusCode).toBe(201);
  });
});
