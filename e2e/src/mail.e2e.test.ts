import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  linkIn,
  type ReceivedMail,
  type SmtpReceiver,
  startSmtpReceiver,
} from '../../server/test/smtp.js';
import {
  newPage,
  screenshot,
  submitSignIn,
  submitSignUp,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

const NEW_PASSWORD = 'a fresh password here';

describe('mail in the console', () => {
  let smtp: SmtpReceiver | undefined;
  // Filled in before Gantry starts (its beforeAll runs after this one).
  const env: Record<string, string> = {};
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    env.GANTRY_SMTP_URL = smtp.url;
  });
  afterAll(() => smtp?.stop());
  const session = useGantryAndBrowser(env);

  /** Waits (bounded) for the mail `gantry serve`'s sender delivers to `to`. */
  const mailTo = async (to: string, subject: RegExp): Promise<ReceivedMail> => {
    for (let i = 0; i < 300; i++) {
      const mail = smtp?.mailsTo(to).find((m) => subject.test(m.subject));
      if (mail) return mail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail to ${to} matching ${subject}`);
  };

  it('signs up, follows the verification mail’s link and is verified', async () => {
    const page = await newPage(session.browser);
    const email = uniqueEmail('verified');
    await page.goto(`${session.gantry.url}/signup`);
    await submitSignUp(page, 'Vera Verified', email);
    await page.getByTestId('verify-email-banner').waitFor();
    const mail = await mailTo(email, /verify your email/);
    const link = linkIn(mail, 'verify-email');
    expect(link.startsWith(`${session.gantry.url}/verify-email/`)).toBe(true);
    await page.goto(link);
    await page.getByTestId('email-verified').waitFor();
    await screenshot(page, 'email-verified');
    await page.getByRole('link', { name: 'Go to the console' }).click();
    await page.getByTestId('account-switcher').waitFor();
    await expect.poll(() => page.getByTestId('verify-email-banner').count()).toBe(0);
    // The link works once.
    await page.goto(link);
    await expect(page.getByTestId('link-problem').textContent()).resolves.toContain('used already');
  });

  it('forgot password → reset by the mailed link → signed in with the new password', async () => {
    const signup = await newPage(session.browser);
    const email = uniqueEmail('forgetful');
    await signup.goto(`${session.gantry.url}/signup`);
    await submitSignUp(signup, 'Fay Forgetful', email);
    await signup.getByTestId('account-switcher').waitFor();

    const page = await newPage(session.browser);
    await page.goto(`${session.gantry.url}/signin`);
    await page.getByTestId('forgot-password').click();
    await page.getByLabel(/^Email/).fill(email);
    await page.getByRole('button', { name: 'Mail me a reset link' }).click();
    await page.getByTestId('reset-requested').waitFor();
    const mail = await mailTo(email, /reset your password/);
    await page.goto(linkIn(mail, 'reset-password'));
    await page.getByLabel(/^New password(?! again)/).fill(NEW_PASSWORD);
    await page.getByLabel(/^New password again/).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('password-reset-done').waitFor();
    await screenshot(page, 'password-reset-done');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await submitSignIn(page, email, NEW_PASSWORD);
    await page.getByTestId('account-switcher').waitFor();
    // The session from before the reset is signed out.
    await signup.reload();
    await signup.waitForURL(/\/signin/);
  });
});
