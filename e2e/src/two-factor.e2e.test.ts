import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  apiCall,
  newContext,
  PASSWORD,
  screenshot,
  signUpInBrowser,
  submitSignIn,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

/** What an authenticator app with `secret` shows, `steps` periods of 30 s from now. */
function appCode(secret: string, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: Date.now() + steps * 30_000,
  });
}

async function signOut(page: Page, name: string) {
  await page.getByRole('button', { name }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin/);
}

describe('two-factor sign-in', () => {
  const e2e = useGantryAndBrowser();

  it('turns on with an authenticator app, asks for its code or a recovery code at sign-in, and turns off', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('grace');
    const page = await (await newContext(browser)).newPage();
    await signUpInBrowser(page, gantry.url, 'Grace Hopper', email);
    const settings = `${page.url()}/settings`;
    await page.goto(settings);
    const card = page.getByTestId('two-factor-card');
    await expect.poll(() => card.getByText('Off', { exact: true }).count()).toBe(1);

    // The password first (a wrong one is said at its field), then the QR code and its key.
    await card.getByRole('button', { name: 'Turn on' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Your password/).fill('not my password at all');
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('This is not your password').waitFor();
    await dialog.getByLabel(/^Your password/).fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByTestId('two-factor-qr').waitFor();
    const secret = ((await dialog.getByTestId('two-factor-secret').textContent()) ?? '').replace(
      /\s/g,
      '',
    );
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // On a phone, the same key opens the authenticator app from a link.
    const link = await dialog
      .getByRole('link', { name: 'Open it in your authenticator app' })
      .getAttribute('href');
    expect(link).toMatch(/^otpauth:\/\/totp\//);
    expect(new URL(link ?? '').searchParams.get('secret')).toBe(secret);
    await screenshot(page, 'two-factor-setup');

    // A code the app does not show now is refused; the one it shows turns it on.
    const code = appCode(secret);
    await dialog.getByLabel(/^Code from the app/).fill(code === '000000' ? '111111' : '000000');
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await dialog.getByText('This code is wrong or was used already').waitFor();
    await dialog.getByLabel(/^Code from the app/).fill(code);
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await expect.poll(() => dialog.getByTestId('recovery-code').count()).toBe(10);
    const codes = await dialog.getByTestId('recovery-code').allTextContents();
    expect(new Set(codes).size).toBe(10);
    await screenshot(page, 'two-factor-recovery-codes');
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => card.getByText('On', { exact: true }).count()).toBe(1);
    await expect
      .poll(() => card.getByTestId('recovery-codes-left').textContent())
      .toBe('10 recovery codes left.');
    await expect
      .poll(() => page.getByTestId('security-activity').textContent())
      .toContain('Two-factor sign-in turned on');

    // As a team's Admin, the Members list shows who signs in with two factors.
    const accountId = accountIdOf(page);
    const convert = await apiCall(page, 'POST', `/api/v1/accounts/${accountId}/convert`, {
      teamName: 'Compilers',
    });
    expect(convert.status).toBe(200);
    await page.goto(`${gantry.url}/accounts/${accountId}/team`);
    await page.getByTestId('member-row').getByTestId('member-two-factor').waitFor();
    await page.goto(settings);

    // Signing in now asks for the code after the password.
    await signOut(page, 'Grace Hopper');
    await submitSignIn(page, email);
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    await screenshot(page, 'signin-two-factor');
    // The code used to turn it on is spent; the app's next one is good.
    await page.getByLabel(/^Code/).fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This code is wrong or was used already').waitFor();
    await page.getByLabel(/^Code/).fill(appCode(secret, 1));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account-switcher').waitFor();

    // A lost phone: a recovery code signs in once, and the card counts it.
    await signOut(page, 'Grace Hopper');
    await submitSignIn(page, email);
    await page.getByLabel(/^Code/).fill(codes[0]?.toUpperCase() ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('account-switcher').waitFor();
    await page.goto(settings);
    await expect
      .poll(() => card.getByTestId('recovery-codes-left').textContent())
      .toBe('9 recovery codes left.');
    await expect
      .poll(() => page.getByTestId('security-activity').textContent())
      .toContain('With a recovery code (9 codes left)');

    // Off with the password and a code (another recovery code); then the password alone.
    await card.getByRole('button', { name: 'Turn off' }).click();
    await dialog.getByLabel(/^Your password/).fill(PASSWORD);
    await dialog.getByLabel(/^Code/).fill(codes[0] ?? '');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await dialog.getByText('This code is wrong or was used already').waitFor();
    await dialog.getByLabel(/^Code/).fill(codes[1] ?? '');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => card.getByText('Off', { exact: true }).count()).toBe(1);
    await signOut(page, 'Grace Hopper');
    await submitSignIn(page, email);
    await page.getByTestId('account-switcher').waitFor();
    await page.context().close();
  });
});
