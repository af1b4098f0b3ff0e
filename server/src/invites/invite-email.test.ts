import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  PASSWORD,
  signUp,
  startTestGantry,
  type TestGantry,
  uniqueEmail,
} from '../../test/harness.js';
import { type SmtpReceiver, startSmtpReceiver, tokenIn } from '../../test/smtp.js';
import { accept, buildTeam, invite } from '../../test/teams.js';
import { deliverDueMail, type MailTransport, smtpTransport } from '../mail/mail.sender.js';

/** Email-bound invites hold: only the verified owner of the address joins (issue 20). */
describe.each(DIALECTS)('email-bound invites with mail on %s', (dialect) => {
  let gantry: TestGantry;
  let smtp: SmtpReceiver;
  let transport: MailTransport;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    gantry = await startTestGantry(dialect, { GANTRY_SMTP_URL: smtp.url });
    transport = smtpTransport(smtp.url);
  });
  afterAll(async () => {
    transport?.close();
    await gantry?.close();
    await smtp?.stop();
  });
  const flush = () => deliverDueMail(gantry.deps, transport);
  const membersOf = async (accountId: string) =>
    (
      await gantry.deps.db
        .selectFrom('memberships')
        .select('user_id')
        .where('account_id', '=', accountId)
        .execute()
    ).map((m) => m.user_id);

  it('mails the invite to its address, with the team, role, inviter and the same link', async () => {
    const team = await buildTeam(gantry);
    const email = uniqueEmail('newhire');
    const inv = await invite(team.owner, team.accountId, { role: 'admin', email });
    await flush();
    const [mail] = smtp.mailsTo(email);
    expect(mail?.subject).toContain('invited you to Team Rocket');
    expect(mail?.text).toContain('as Admin');
    expect(mail?.text).toContain(inv.url);
    expect(tokenIn(mail!, 'invite')).toBe(inv.token);
    // The invite page names the expected address, to prefill it.
    const preview = await gantry.app.inject({ url: `/api/v1/invites/${inv.token}` });
    expect(preview.json()).toMatchObject({ emailBound: true, email: email.toLowerCase() });
  });

  it('cannot be taken over by changing one’s email to the invited address', async () => {
    const team = await buildTeam(gantry);
    const email = uniqueEmail('newhire');
    const inv = await invite(team.owner, team.accountId, { role: 'admin', email });
    const attacker = await signUp(gantry.app, { name: 'Mallory' });
    const changed = await attacker.request({
      method: 'POST',
      url: '/api/v1/me/email',
      payload: { email, password: PASSWORD },
    });
    // The change waits for the link mailed to that address, which the attacker cannot read.
    expect(changed.json()).toMatchObject({
      user: { email: attacker.user.email },
      pendingEmail: email,
    });
    const refused = await accept(attacker, inv.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('invite_email_mismatch');
    expect(refused.json().error.message).toContain(`${email[0]}••••@example.com`);
    expect(await membersOf(team.accountId)).not.toContain(attacker.user.id);
  });

  it('cannot be taken over by signing up with the invited address without verifying it', async () => {
    const team = await buildTeam(gantry);
    const email = uniqueEmail('newhire');
    const inv = await invite(team.owner, team.accountId, { role: 'admin', email });
    const squatter = await signUp(gantry.app, { email });
    const refused = await accept(squatter, inv.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('email_not_verified');
    expect(await membersOf(team.accountId)).not.toContain(squatter.user.id);
    // The owner of the mailbox verifies and joins.
    await flush();
    const verification = smtp.mailsTo(email).find((m) => /verify your email/.test(m.subject));
    const verified = await gantry.app.inject({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      payload: { token: tokenIn(verification!, 'verify-email') },
    });
    expect(verified.statusCode).toBe(200);
    const joined = await accept(squatter, inv.token);
    expect(joined.statusCode).toBe(200);
    expect(joined.json().role).toBe('admin');
  });
});

describe.each(DIALECTS)('email-bound invites without mail on %s', (dialect) => {
  let gantry: TestGantry;
  beforeAll(async () => {
    gantry = await startTestGantry(dialect);
  });
  afterAll(() => gantry?.close());

  it('refuses to bind an invite to an email (409 mail_not_configured), creating nothing', async () => {
    const team = await buildTeam(gantry);
    const response = await team.owner.request({
      method: 'POST',
      url: `/api/v1/accounts/${team.accountId}/invites`,
      payload: { role: 'dev', email: uniqueEmail('bound') },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('mail_not_configured');
    const invites = await gantry.deps.db
      .selectFrom('invites')
      .select('id')
      .where('account_id', '=', team.accountId)
      .execute();
    expect(invites).toEqual([]);
    // Without mail, sign-up grants the welcome credit at once, as before.
    const billing = await team.owner.request({
      method: 'GET',
      url: `/api/v1/accounts/${team.accountId}/billing`,
    });
    expect(billing.json().balance).toBe('25.000000');
  });
});
