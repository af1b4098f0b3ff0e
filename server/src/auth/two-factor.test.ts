import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asApiKey, buildApiKey } from '../../test/factories.js';
import {
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
import { hashToken } from '../lib/secrets.js';
import { runResetTwoFactorCommand } from './auth.cli.js';

const STEP_MS = 30_000;
const RECOVERY_CODE_FORMAT = /^[a-z2-7]{5}-[a-z2-7]{5}-[a-z2-7]{5}-[a-z2-7]{5}-[a-z2-7]{6}$/;

describe.each(DIALECTS)('two-factor sign-in on %s', (dialect) => {
  let gantry: TestGantry;
  // Whole steps apart from the test's start: codes of "now" are those of the clock.
  const clock = new ManualClock(new Date(Math.floor(Date.now() / STEP_MS) * STEP_MS + 5_000));
  let address = 0;

  beforeAll(async () => {
    gantry = await startTestGantry(dialect, {}, { clock });
  });
  afterAll(() => gantry?.close());

  /** Signs in from an address of the test's own, so throttling of one test leaves others alone. */
  function signIn(user: TestUser, body: Record<string, unknown> = {}, from = `10.77.0.${address}`) {
    return gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.user.email, password: PASSWORD, ...body },
      remoteAddress: from,
    });
  }

  const post = (user: TestUser, path: string, payload: Record<string, unknown>) =>
    user.request({ method: 'POST', url: `/api/v1/me/two-factor${path}`, payload });

  const status = async (user: TestUser) =>
    (await user.request({ method: 'GET', url: '/api/v1/me/two-factor' })).json();

  const actionsOf = async (userId: string) =>
    (
      await gantry.deps.db
        .selectFrom('user_events')
        .select('action')
        .where('user_id', '=', userId)
        .orderBy('id', 'asc')
        .execute()
    ).map((e) => e.action);

  const lastDetails = async (userId: string) => {
    const row = await gantry.deps.db
      .selectFrom('user_events')
      .select('details')
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return JSON.parse(row.details ?? 'null') as unknown;
  };

  /** The code an authenticator app with `secret` shows at the clock's time (plus `steps`). */
  const codeOf = (secret: string, steps = 0) =>
    new TOTP({ secret: Secret.fromBase32(secret) }).generate({
      timestamp: clock.now().getTime() + steps * STEP_MS,
    });

  /** A user with two-factor sign-in on; their secret and recovery codes. */
  async function withTwoFactor(name: string) {
    address += 1;
    const user = await signUp(gantry.app, { name });
    const setup = await post(user, '/setup', { password: PASSWORD });
    expect(setup.statusCode).toBe(200);
    const { secret } = setup.json() as { secret: string };
    const enabled = await post(user, '/enable', { code: codeOf(secret) });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };
    // The set-up's code is used: sign-ins in the tests take the next step's.
    clock.advance(STEP_MS);
    return { user, secret, recoveryCodes };
  }

  it('turns on with the password and a first code, keeping the secret sealed and the codes hashed', async () => {
    const user = await signUp(gantry.app, { name: 'Careful' });
    expect(await status(user)).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0 });

    const wrongPassword = await post(user, '/setup', { password: 'not my password' });
    expect(wrongPassword.statusCode).toBe(400);
    expect(wrongPassword.json().error).toMatchObject({ code: 'wrong_password' });
    expect((await post(user, '/enable', { code: '123456' })).statusCode).toBe(409);

    // A second set-up replaces the first: only the newest secret's codes turn it on.
    const first = (await post(user, '/setup', { password: PASSWORD })).json() as {
      secret: string;
    };
    const setup = await post(user, '/setup', { password: PASSWORD });
    expect(setup.statusCode).toBe(200);
    const { secret, uri } = setup.json() as { secret: string; uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(secret).not.toBe(first.secret);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.searchParams.get('secret')).toBe(secret);
    expect(parsed.searchParams.get('issuer')).toMatch(/^Gantry \(/);
    expect(decodeURIComponent(parsed.pathname)).toContain(user.user.email);
    // Not on until a code proves the app has it.
    expect((await status(user)).enabled).toBe(false);

    const wrong = await post(user, '/enable', { code: codeOf(first.secret) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'wrong_code' });
    const enabled = await post(user, '/enable', { code: ` ${codeOf(secret)} ` });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE_FORMAT);

    expect(await status(user)).toEqual({
      enabled: true,
      enabledAt: clock.now().toISOString(),
      recoveryCodesLeft: 10,
    });
    expect((await actionsOf(user.user.id)).at(-1)).toBe('user.two_factor_enable');
    expect((await post(user, '/setup', { password: PASSWORD })).statusCode).toBe(409);

    // Neither the secret nor a recovery code is stored as it is.
    const stored = JSON.stringify(
      await Promise.all([
        gantry.deps.db.selectFrom('user_two_factor').selectAll().execute(),
        gantry.deps.db.selectFrom('user_recovery_codes').selectAll().execute(),
        gantry.deps.db.selectFrom('user_events').selectAll().execute(),
      ]),
    );
    expect(stored).not.toContain(secret);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll('-', ''));
    }
    expect(stored).toContain(hashToken(recoveryCodes[0]?.replaceAll('-', '') ?? ''));
  });

  it('asks for a code after the right password, takes each code once, and logs how', async () => {
    const { user, secret } = await withTwoFactor('Two Steps');

    const noCode = await signIn(user);
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().error).toMatchObject({ code: 'two_factor_required' });
    expect(noCode.headers['set-cookie']).toBeUndefined();
    // A wrong password still says only that, code or not.
    const wrongPassword = await signIn(user, { password: 'not my password', code: codeOf(secret) });
    expect(wrongPassword.json().error).toMatchObject({ code: 'invalid_credentials' });

    const wrong = await signIn(user, { code: '000000' === codeOf(secret) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({ code: 'invalid_two_factor_code' });

    const code = codeOf(secret);
    const ok = await signIn(user, { code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(ok.statusCode).toBe(200);
    const session = cookieFrom(ok);
    expect(session).not.toBe('');
    expect(await lastDetails(user.user.id)).toEqual({ secondFactor: 'totp' });

    // The same code again, even within its 30 s, is refused; so is the step before it.
    expect((await signIn(user, { code })).json().error).toMatchObject({
      code: 'invalid_two_factor_code',
    });
    expect((await signIn(user, { code: codeOf(secret, -1) })).statusCode).toBe(401);
    // A phone a step behind or ahead is fine once time has moved on.
    clock.advance(STEP_MS);
    expect((await signIn(user, { code: codeOf(secret, 1) })).statusCode).toBe(200);
    clock.advance(3 * STEP_MS);
    expect((await signIn(user, { code: codeOf(secret, -1) })).statusCode).toBe(200);
  });

  it('gives one session for two sign-ins racing with the same code', async () => {
    const { user, secret } = await withTwoFactor('Racer');
    const code = codeOf(secret);
    const answers = await Promise.all([signIn(user, { code }), signIn(user, { code })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401]);
  });

  it('takes each recovery code once, in any case and grouping, and counts what is left', async () => {
    const { user, recoveryCodes } = await withTwoFactor('Lost Phone');
    const [first = '', second = ''] = recoveryCodes;

    const ok = await signIn(user, { code: first.toUpperCase() });
    expect(ok.statusCode).toBe(200);
    expect(await lastDetails(user.user.id)).toEqual({
      secondFactor: 'recovery_code',
      recoveryCodesLeft: 9,
    });
    expect((await signIn(user, { code: first })).statusCode).toBe(401);
    expect((await signIn(user, { code: second.replaceAll('-', ' ') })).statusCode).toBe(200);
    expect((await status(user)).recoveryCodesLeft).toBe(8);
    // Someone else's code is no code of theirs.
    const other = await withTwoFactor('Other');
    expect((await signIn(user, { code: other.recoveryCodes[0] })).statusCode).toBe(401);
  });

  it('throttles wrong codes at sign-in like wrong passwords', async () => {
    const { user, secret } = await withTwoFactor('Guessed');
    const from = '10.78.0.1';
    const wrongCode = codeOf(secret) === '123456' ? '654321' : '123456';
    const answers = [];
    for (let i = 0; i < 7; i++)
      answers.push((await signIn(user, { code: wrongCode }, from)).statusCode);
    expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.at(-1)).toBe(429);
    // Even the right code waits out the block.
    expect((await signIn(user, { code: codeOf(secret) }, from)).statusCode).toBe(429);
  });

  it('renews the recovery codes with the password; the old ones stop working', async () => {
    const { user, recoveryCodes } = await withTwoFactor('Renewer');
    expect((await post(user, '/recovery-codes', { password: 'nope, not it' })).statusCode).toBe(
      400,
    );
    const renewed = await post(user, '/recovery-codes', { password: PASSWORD });
    expect(renewed.statusCode).toBe(200);
    const fresh = (renewed.json() as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => recoveryCodes.includes(code))).toBe(false);
    expect((await signIn(user, { code: recoveryCodes[0] })).statusCode).toBe(401);
    expect((await signIn(user, { code: fresh[0] })).statusCode).toBe(200);
    expect((await actionsOf(user.user.id)).slice(-3)).toEqual([
      'user.two_factor_enable',
      'user.recovery_codes_regenerate',
      'user.signin',
    ]);
  });

  it('turns off with the password and a code, then signs in with the password alone', async () => {
    const { user, secret } = await withTwoFactor('Done With It');
    const code = codeOf(secret);
    const wrongCode = await post(user, '/disable', { password: PASSWORD, code: '12345x' });
    expect(wrongCode.statusCode).toBe(400);
    expect(wrongCode.json().error).toMatchObject({ code: 'wrong_code' });
    const wrongPassword = await post(user, '/disable', { password: 'not my password', code });
    expect(wrongPassword.json().error).toMatchObject({ code: 'wrong_password' });
    expect((await status(user)).enabled).toBe(true);

    expect((await post(user, '/disable', { password: PASSWORD, code })).statusCode).toBe(204);
    expect(await status(user)).toEqual({ enabled: false, enabledAt: null, recoveryCodesLeft: 0 });
    expect(await lastDetails(user.user.id)).toEqual({ with: 'totp' });
    expect((await actionsOf(user.user.id)).at(-1)).toBe('user.two_factor_disable');
    expect((await signIn(user)).statusCode).toBe(200);
    const codes = await gantry.deps.db
      .selectFrom('user_recovery_codes')
      .select('id')
      .where('user_id', '=', user.user.id)
      .execute();
    expect(codes).toEqual([]);
    // Off already: nothing to turn off or renew.
    expect((await post(user, '/disable', { password: PASSWORD, code })).statusCode).toBe(409);
    expect((await post(user, '/recovery-codes', { password: PASSWORD })).statusCode).toBe(409);
  });

  it('a set-up never finished does not change signing in', async () => {
    address += 1;
    const user = await signUp(gantry.app, { name: 'Undecided' });
    expect((await post(user, '/setup', { password: PASSWORD })).statusCode).toBe(200);
    expect((await signIn(user)).statusCode).toBe(200);
  });

  it('belongs to the person: an API key gets 403 on every two-factor route', async () => {
    const user = await signUp(gantry.app, { name: 'Key Holder' });
    const key = await buildApiKey(user, user.account.id);
    const asKey = asApiKey(gantry.app, key.secret);
    expect((await asKey({ method: 'GET', url: '/api/v1/me/two-factor' })).statusCode).toBe(403);
    const setup = await asKey({
      method: 'POST',
      url: '/api/v1/me/two-factor/setup',
      payload: { password: PASSWORD },
    });
    expect(setup.statusCode).toBe(403);
  });

  it('gantry users reset-two-factor turns it off for someone who lost everything', async () => {
    const { user } = await withTwoFactor('Everything Lost');
    const { io, sink } = captureOperatorIo();
    expect(await runResetTwoFactorCommand(gantry.deps, user.user.email.toUpperCase(), sink)).toBe(
      0,
    );
    expect(io.out).toContain('Two-factor sign-in is off');
    expect((await signIn(user)).statusCode).toBe(200);
    expect((await actionsOf(user.user.id)).at(-2)).toBe('user.two_factor_reset');

    const again = captureOperatorIo();
    expect(await runResetTwoFactorCommand(gantry.deps, user.user.email, again.sink)).toBe(
      EXIT.conflict,
    );
    expect(again.io.err).toContain('not on');
    const nobody = captureOperatorIo();
    expect(await runResetTwoFactorCommand(gantry.deps, 'nobody@example.com', nobody.sink)).toBe(
      EXIT.notFound,
    );
    expect(nobody.io.err).toContain('No user');
  });
});
