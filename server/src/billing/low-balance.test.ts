import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestGantry, type TestGantry, uniqueEmail } from '../../test/harness.js';
import { type SmtpReceiver, startSmtpReceiver } from '../../test/smtp.js';
import { buildTeam } from '../../test/teams.js';
import { operatorContext } from '../audit/audit.events.js';
import { deliverDueMail, type MailTransport, smtpTransport } from '../mail/mail.sender.js';
import { recordCredit } from './payments.js';

describe.each(DIALECTS)('low-balance mail on %s', (dialect) => {
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
  const lowMails = (to: string) => smtp.mailsTo(to).filter((m) => /low balance/.test(m.subject));

  it('mails the Billing and Admin members once per crossing of the threshold', async () => {
    const { owner, accountId, members } = await buildTeam(gantry, ['billing', 'dev']);
    const [billing, dev] = members as [(typeof members)[0], (typeof members)[0]];
    const patch = (payload: object) =>
      owner.request({ method: 'PATCH', url: `/api/v1/accounts/${accountId}/billing`, payload });
    // With mail, the balance is 0 until the owner's email is verified: credit 10.
    await recordCredit(gantry.deps, operatorContext('ops'), 'operator', {
      accountId,
      amountMicro: 10_000_000,
    });
    expect((await patch({ lowBalanceThreshold: '20' })).statusCode).toBe(200);
    expect((await patch({ lowBalanceThreshold: '30' })).statusCode).toBe(200);
    await flush();
    expect(lowMails(owner.user.email)).toHaveLength(1);
    expect(lowMails(billing.user.email)).toHaveLength(1);
    expect(lowMails(dev.user.email)).toHaveLength(0);
    const [mail] = lowMails(billing.user.email);
    expect(mail?.text).toContain('10.000000');
    expect(mail?.text).toContain('http://gantry.test/billing');

    // Back above it, then below again: a second mail, to the billing email now set.
    const billingEmail = uniqueEmail('invoices');
    await recordCredit(gantry.deps, operatorContext('ops'), 'operator', {
      accountId,
      amountMicro: 50_000_000,
    });
    expect((await patch({ billingEmail })).statusCode).toBe(200);
    await flush();
    expect(lowMails(billingEmail)).toHaveLength(0);
    expect((await patch({ lowBalanceThreshold: '100' })).statusCode).toBe(200);
    await flush();
    expect(lowMails(billingEmail)).toHaveLength(1);
    expect(lowMails(owner.user.email)).toHaveLength(1);
  });
});
