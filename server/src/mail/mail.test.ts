import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnOnTwoFactor } from '../../test/factories.js';
import {
  captureOperatorIo,
  cookieFrom,
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  type TestUser,
  uniqueEmail,
} from '../../test/harness.js';
import {
  type ReceivedMail,
  type SmtpReceiver,
  startSmtpReceiver,
  tokenIn,
} from '../../test/smtp.js';
import { runResetTwoFactorCommand, runVerifyEmailCommand } from '../auth/auth.cli.js';
import { EXIT } from '../cli/exit-codes.js';
import { ConfigError, loadConfig } from '../config.js';
import { ManualClock } from '../lib/clock.js';
import { runMailListCommand, runMailShowCommand } from './mail.cli.js';
import { deliverDueMail, MAX_ATTEMPTS, type MailTransport, smtpTransport } from './mail.sender.js';

const NEW_PASSWORD = 'a brand new password';

describe.each(DIALECTS)('mail on %s', (dialect) => {
  let gantry: TestGantry;
  let smtp: SmtpReceiver;
  let transport: MailTransport;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    gantry = await startTestGantry(
      dialect,
      { GANTRY_SMTP_URL: smtp.url, GANTRY_MAIL_FROM: 'Gantry <noreply@gantry.test>' },
      { clock },
    );
    transport = smtpTransport(smtp.url);
  });
  afterAll(async () => {
    transport?.close();
    await gantry?.close();
    await smtp?.stop();
  });

  /** Sends what is due now, as the sender of `gantry serve` does on each run. */
  const flush = () => deliverDueMail(gantry.deps, transport);
  const only = (to: string, subject: RegExp): ReceivedMail => {
    const mails = smtp.mailsTo(to).filter((m) => subject.test(m.subject));
    expect(mails, `mails to ${to} matching ${subject}`).toHaveLength(1);
    return mails[0] as ReceivedMail;
  };
  const post = (url: string, payload?: object, remoteAddress = '127.0.0.1') =>
    gantry.app.inject({ method: 'POST', url, ...(payload ? { payload } : {}), remoteAddress });
  const me = async (user: TestUser) =>
    (await user.request({ method: 'GET', url: '/api/v1/me' })).json().user;
  const balanceOf = async (user: TestUser) =>
    (
      await user.request({ method: 'GET', url: `/api/v1/accounts/${user.account.id}/billing` })
    ).json().balance;
  const eventsOf = async (userId: string) =>
    (
      await gantry.deps.db
        .selectFrom('user_events')
        .select(['action', 'details'])
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute()
    ).map((e) => e.action);

  it('mails a verification link at sign-up; following it verifies the address and grants the welcome credit', async () => {
    const user = await signUp(gantry.app, { name: 'Vera' });
    expect(user.user).toMatchObject({ emailVerified: false });
    // With mail, the welcome credit waits for a verified address.
    expect(await balanceOf(user)).toBe('0.000000');
    expect((await flush()).sent).toBeGreaterThanOrEqual(1);
    const mail = only(user.user.email, /verify your email/);
    expect(mail.from).toBe('noreply@gantry.test');
    expect(mail.subject).toContain('Gantry');
    expect(mail.text).toContain('http://gantry.test');
    expect(mail.html).toContain('<a href="http://gantry.test/verify-email/');
    expect(mail.text).not.toContain(PASSWORD);
    const token = tokenIn(mail, 'verify-email');
    expect(token).toHaveLength(43);
    // Stored only hashed.
    const stored = await gantry.deps.db.selectFrom('email_tokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
    const outbox = await gantry.deps.db.selectFrom('mail_outbox').selectAll().execute();
    expect(JSON.stringify(outbox)).not.toContain(token);

    const verified = await post('/api/v1/auth/verify-email', { token });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().user).toMatchObject({ id: user.user.id, emailVerified: true });
    expect((await me(user)).emailVerified).toBe(true);
    expect(await balanceOf(user)).toBe('25.000000');
    expect(await eventsOf(user.user.id)).toContain('user.email_verify');

    // Single use: again is 410 and nothing changes (no second credit).
    const again = await post('/api/v1/auth/verify-email', { token });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('token_used');
    expect(await balanceOf(user)).toBe('25.000000');
  });

  it('refuses malformed, unknown and expired verification tokens, changing nothing', async () => {
    const user = await signUp(gantry.app);
    await flush();
    const token = tokenIn(only(user.user.email, /verify your email/), 'verify-email');
    for (const bad of ['short', 'x'.repeat(43), `${token.slice(0, 42)}!`]) {
      const answer = await post('/api/v1/auth/verify-email', { token: bad });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().error.code).toBe('invalid_token');
    }
    expect((await post('/api/v1/auth/verify-email', { token: 'x'.repeat(500) })).statusCode).toBe(
      400,
    );
    clock.advance(24 * 3600_000 + 1000);
    const late = await post('/api/v1/auth/verify-email', { token });
    expect(late.statusCode).toBe(410);
    expect(late.json().error.code).toBe('token_expired');
    expect((await me(user)).emailVerified).toBe(false);

    // A new link, asked for while signed in, works; asking again too often is 429.
    const resend = await user.request({ method: 'POST', url: '/api/v1/auth/verify-email/resend' });
    expect(resend.statusCode).toBe(202);
    await flush();
    const fresh = smtp.mailsTo(user.user.email).at(-1) as ReceivedMail;
    expect(
      (await post('/api/v1/auth/verify-email', { token: tokenIn(fresh, 'verify-email') }))
        .statusCode,
    ).toBe(200);
    const done = await user.request({ method: 'POST', url: '/api/v1/auth/verify-email/resend' });
    expect(done.statusCode).toBe(409);
    expect(
      (await gantry.app.inject({ method: 'POST', url: '/api/v1/auth/verify-email/resend' }))
        .statusCode,
    ).toBe(401);
  });

  it('throttles verification mail asked for again', async () => {
    const user = await signUp(gantry.app);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await user.request({ method: 'POST', url: '/api/v1/auth/verify-email/resend' }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
  });

  it('changes the email only once the link mailed to the new address is followed; the old one is told', async () => {
    const user = await signUp(gantry.app, { name: 'Mover' });
    const oldEmail = user.user.email;
    const newEmail = uniqueEmail('moved');
    const asked = await user.request({
      method: 'POST',
      url: '/api/v1/me/email',
      payload: { email: newEmail, password: PASSWORD },
    });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ user: { email: oldEmail }, pendingEmail: newEmail });
    expect((await me(user)).email).toBe(oldEmail);
    await flush();
    const link = only(newEmail, /confirm your new email/);
    const notice = only(oldEmail, /change of your email address was asked/);
    expect(notice.text).toContain(`${newEmail[0]}••••@example.com`);
    const followed = await post('/api/v1/auth/verify-email', {
      token: tokenIn(link, 'verify-email'),
    });
    expect(followed.statusCode).toBe(200);
    expect(followed.json().user).toMatchObject({ email: newEmail, emailVerified: true });
    await flush();
    only(oldEmail, /your email address was changed/);
    const signIn = (email: string) =>
      post('/api/v1/auth/login', { email, password: PASSWORD }, '127.0.70.1');
    expect((await signIn(newEmail)).statusCode).toBe(200);
    expect((await signIn(oldEmail)).statusCode).toBe(401);
    expect(await eventsOf(user.user.id)).toEqual(
      expect.arrayContaining(['user.email_change_request', 'user.email_change']),
    );
  });

  it('resets a forgotten password by a mailed link: single use, every session out, throttle lifted', async () => {
    const user = await signUp(gantry.app, { name: 'Forgetful' });
    const from = '127.0.71.1';
    // Locked out by wrong guesses first.
    for (let i = 0; i < 6; i++) {
      await post(
        '/api/v1/auth/login',
        { email: user.user.email, password: 'wrong wrong wrong' },
        from,
      );
    }
    expect(
      (await post('/api/v1/auth/login', { email: user.user.email, password: PASSWORD }, from))
        .statusCode,
    ).toBe(429);

    const timed = async (email: string) => {
      const started = performance.now();
      const answer = await post('/api/v1/auth/password-reset', { email }, from);
      return { answer, ms: performance.now() - started };
    };
    const { answer: known, ms: knownMs } = await timed(user.user.email);
    const { answer: unknown, ms: unknownMs } = await timed(uniqueEmail('nobody'));
    // Both take at least the floor the work stays under: timing tells nothing either.
    expect(knownMs).toBeGreaterThanOrEqual(240);
    expect(unknownMs).toBeGreaterThanOrEqual(240);
    expect(known.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    await flush();
    const mail = only(user.user.email, /reset your password/);
    const token = tokenIn(mail, 'reset-password');
    expect(mail.html).toContain('/reset-password/');

    const confirm = (t: string, newPassword = NEW_PASSWORD) =>
      post('/api/v1/auth/password-reset/confirm', { token: t, newPassword });
    expect((await confirm('x'.repeat(43))).statusCode).toBe(400);
    const short = await confirm(token, 'short');
    expect(short.statusCode).toBe(400);
    const done = await confirm(token);
    expect(done.statusCode).toBe(200);
    expect(done.json().sessionsRevoked).toBe(1);
    // Every session is signed out; the old password is gone, the new one signs in at once.
    expect((await user.request({ method: 'GET', url: '/api/v1/me' })).statusCode).toBe(401);
    expect(
      (
        await post(
          '/api/v1/auth/login',
          { email: user.user.email, password: PASSWORD },
          '127.0.71.2',
        )
      ).statusCode,
    ).toBe(401);
    const signedIn = await post(
      '/api/v1/auth/login',
      { email: user.user.email, password: NEW_PASSWORD },
      from,
    );
    expect(signedIn.statusCode).toBe(200);
    cookieFrom(signedIn);
    expect(await eventsOf(user.user.id)).toContain('user.password_reset');
    // Single use.
    const reused = await confirm(token, 'yet another password');
    expect(reused.statusCode).toBe(410);
    expect(reused.json().error.code).toBe('token_used');
    await flush();
    only(user.user.email, /your password was reset/);
  });

  it('expires reset links after an hour and throttles asking per email', async () => {
    const user = await signUp(gantry.app);
    const from = '127.0.72.1';
    expect(
      (await post('/api/v1/auth/password-reset', { email: user.user.email }, from)).statusCode,
    ).toBe(202);
    await flush();
    const token = tokenIn(only(user.user.email, /reset your password/), 'reset-password');
    clock.advance(3600_000 + 1000);
    const late = await post('/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(late.statusCode).toBe(410);
    expect(late.json().error.code).toBe('token_expired');
    // The password did not change.
    expect(
      (await post('/api/v1/auth/login', { email: user.user.email, password: PASSWORD }, from))
        .statusCode,
    ).toBe(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await post('/api/v1/auth/password-reset', { email: user.user.email }, `127.72.1.${i}`))
          .statusCode,
      );
    }
    // A new window (the hour passed): three, then blocked.
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it('keeps mail while the mail server is down or refusing, and sends it once it is back', async () => {
    // Nothing else waiting: what happens below is this mail's.
    await flush();
    await smtp.stop();
    const user = await signUp(gantry.app, { name: 'Patient' });
    const first = await flush();
    expect(first.sent).toBe(0);
    const row = await gantry.deps.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', user.user.email)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ sent_at: null, attempts: 1 });
    expect(row.last_error).toBeTruthy();
    // The operator sees it waiting, with the error.
    const { io, sink } = captureOperatorIo();
    await runMailListCommand(gantry.deps, 10, sink);
    expect(io.out).toContain(row.id);
    expect(io.out).toContain('last error:');

    // Not retried before its backoff; retried after it.
    await smtp.start();
    smtp.refusing = true;
    expect((await flush()).sent).toBe(0);
    clock.advance(11_000);
    expect((await flush()).failed).toBe(1);
    const refused = await gantry.deps.db
      .selectFrom('mail_outbox')
      .select(['attempts', 'last_error'])
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(refused.attempts).toBe(2);
    expect(refused.last_error).toContain('451');
    smtp.refusing = false;
    clock.advance(21_000);
    expect((await flush()).sent).toBeGreaterThanOrEqual(1);
    expect(smtp.mailsTo(user.user.email)).toHaveLength(1);
    expect(MAX_ATTEMPTS).toBeGreaterThan(2);
  });

  it('sends each mail once when several senders run at the same time', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => signUp(gantry.app)));
    const transports = [smtpTransport(smtp.url), smtpTransport(smtp.url), smtpTransport(smtp.url)];
    await Promise.all(transports.map((t, i) => deliverDueMail(gantry.deps, t, `sender-${i}`)));
    for (const t of transports) t.close();
    for (const u of users) expect(smtp.mailsTo(u.user.email)).toHaveLength(1);
  });

  it('shows a mail with its links to the operator', async () => {
    const user = await signUp(gantry.app);
    const row = await gantry.deps.db
      .selectFrom('mail_outbox')
      .select('id')
      .where('to_address', '=', user.user.email)
      .executeTakeFirstOrThrow();
    const { io, sink } = captureOperatorIo();
    expect(await runMailShowCommand(gantry.deps, row.id, sink)).toBe(0);
    expect(io.out).toContain(`To: ${user.user.email}`);
    expect(io.out).toMatch(/http:\/\/gantry\.test\/verify-email\/[A-Za-z0-9_-]{43}/);
    const missing = captureOperatorIo();
    expect(await runMailShowCommand(gantry.deps, 'nope', missing.sink)).toBe(1);
  });
});

describe.each(DIALECTS)('mail sent by the running server on %s', (dialect) => {
  let gantry: TestGantry;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    gantry = await startTestGantry(
      dialect,
      { GANTRY_SMTP_URL: smtp.url },
      { startMail: true, mailIntervalMs: 50 },
    );
  });
  afterAll(async () => {
    await gantry?.close();
    await smtp?.stop();
  });
  /** Waits (bounded) until a mail to `to` matching `subject` has arrived. */
  const arrived = async (to: string, subject: RegExp) => {
    for (let i = 0; i < 200; i++) {
      const mail = smtp.mailsTo(to).find((m) => subject.test(m.subject));
      if (mail) return mail;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no mail to ${to} matching ${subject}`);
  };

  it('sends security mail for password and two-factor changes, without the secret', async () => {
    const user = await signUp(gantry.app, { name: 'Careful' });
    await arrived(user.user.email, /verify your email/);
    const changed = await user.request({
      method: 'POST',
      url: '/api/v1/me/password',
      payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(changed.statusCode).toBe(200);
    const notice = await arrived(user.user.email, /your password was changed/);
    expect(notice.text).not.toContain(NEW_PASSWORD);
    expect(notice.html).toContain('Gantry');
    await turnOnTwoFactor(user, NEW_PASSWORD);
    const regenerated = await user.request({
      method: 'POST',
      url: '/api/v1/me/two-factor/recovery-codes',
      payload: { password: NEW_PASSWORD },
    });
    expect(regenerated.statusCode).toBe(200);
    const codes = await arrived(user.user.email, /new recovery codes/);
    for (const code of regenerated.json().recoveryCodes as string[]) {
      expect(codes.text).not.toContain(code);
    }
    const { io, sink } = captureOperatorIo();
    expect(await runResetTwoFactorCommand(gantry.deps, user.user.email, sink)).toBe(0);
    expect(io.err).toBe('');
    await arrived(user.user.email, /two-factor sign-in was turned off/);
  });

  it('lets the operator mark an address verified, in the user’s security log', async () => {
    const user = await signUp(gantry.app);
    const { sink } = captureOperatorIo();
    expect(await runVerifyEmailCommand(gantry.deps, user.user.email, sink)).toBe(0);
    const me = await user.request({ method: 'GET', url: '/api/v1/me' });
    expect(me.json().user.emailVerified).toBe(true);
    const events = await user.request({ method: 'GET', url: '/api/v1/me/events' });
    expect(events.json().items[0]).toMatchObject({
      action: 'user.email_verify',
      details: { by: 'operator' },
    });
    // Verified already: the change does not apply; an unknown email: not found.
    expect(await runVerifyEmailCommand(gantry.deps, user.user.email, sink)).toBe(EXIT.conflict);
    expect(await runVerifyEmailCommand(gantry.deps, 'nobody@example.com', sink)).toBe(
      EXIT.notFound,
    );
  });
});

describe('mail settings', () => {
  it('names an SMTP URL that does not parse, without echoing its credentials', () => {
    for (const bad of ['not a url', 'http://mail.example.com', 'smtp://', 'mailto:x@y']) {
      let caught: unknown;
      try {
        loadConfig({ GANTRY_SMTP_URL: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems.join('\n')).toContain('GANTRY_SMTP_URL');
    }
    expect(() => loadConfig({ GANTRY_SMTP_URL: 'ftp://u:hunter2hunter2@x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('takes smtp:// and smtps:// URLs with credentials, and a From address', () => {
    const config = loadConfig({
      GANTRY_SMTP_URL: 'smtps://user:pa%40ss@mail.example.com:465',
      GANTRY_MAIL_FROM: 'Gantry <gantry@example.com>',
    });
    expect(config.smtpUrl).toBe('smtps://user:pa%40ss@mail.example.com:465');
    expect(config.mailFrom).toBe('Gantry <gantry@example.com>');
    expect(loadConfig({}).smtpUrl).toBeUndefined();
    expect(() => loadConfig({ GANTRY_MAIL_FROM: 'not an address' })).toThrow(/GANTRY_MAIL_FROM/);
  });
});
