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
  signUpInNewPage,
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

/** Turns on two-factor sign-in for the user signed in on `page`, through the API. */
async function turnOnTwoFactorByApi(page: Page): Promise<void> {
  const setup = await apiCall(page, 'POST', '/api/v1/me/two-factor/setup', { password: PASSWORD });
  const code = appCode(String(setup.json.secret));
  expect((await apiCall(page, 'POST', '/api/v1/me/two-factor/enable', { code })).status).toBe(200);
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

  it('a team requires it: a member without it is shown how to turn it on, then gets in', async () => {
    const { gantry } = e2e;
    const owner = await signUpInNewPage(e2e, 'Ada Admin', uniqueEmail('ada.admin'));
    const accountId = accountIdOf(owner);
    const base = `/api/v1/accounts/${accountId}`;
    expect(
      (await apiCall(owner, 'POST', `${base}/convert`, { teamName: 'Secure Farm' })).status,
    ).toBe(200);
    const member = await signUpInNewPage(e2e, 'Max Member', uniqueEmail('max'));
    const invite = await apiCall(owner, 'POST', `${base}/invites`, { role: 'dev' });
    const token = String(invite.json.url).split('/').at(-1);
    expect((await apiCall(member, 'POST', `/api/v1/invites/${token}/accept`)).status).toBe(200);

    // The owner may require it only once they use it themselves.
    await owner.goto(`${gantry.url}/accounts/${accountId}/team`);
    const card = owner.getByTestId('team-two-factor');
    const require = card.getByRole('switch', { name: /Require two-factor sign-in/ });
    await card.getByText('Turn it on for yourself first').waitFor();
    expect(await require.isDisabled()).toBe(true);
    await turnOnTwoFactorByApi(owner);
    await owner.reload();
    await expect.poll(() => require.isDisabled()).toBe(false);
    await expect
      .poll(() => card.getByTestId('members-without-two-factor').textContent())
      .toBe('1 member does not use it yet: requiring it shuts them out until they turn it on.');
    await require.focus();
    await owner.keyboard.press('Space');
    await expect.poll(() => require.isChecked()).toBe(true);
    await expect
      .poll(() => card.getByTestId('members-without-two-factor').textContent())
      .toBe('1 member does not use it yet and cannot open this team.');
    await screenshot(owner, 'team-two-factor-required');

    // The member opening the team is told what to do, and goes to their Settings from there.
    await member.goto(`${gantry.url}/accounts/${accountId}/pods`);
    await expect
      .poll(() => member.getByTestId('two-factor-required').textContent())
      .toContain('Secure Farm requires two-factor sign-in');
    await screenshot(member, 'member-two-factor-required');
    await member.getByRole('link', { name: 'Set it up in Settings' }).click();
    await member.getByTestId('two-factor-card').getByRole('button', { name: 'Turn on' }).click();
    const dialog = member.getByRole('dialog');
    await dialog.getByLabel(/^Your password/).fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Next' }).click();
    const secret = ((await dialog.getByTestId('two-factor-secret').textContent()) ?? '').replace(
      /\s/g,
      '',
    );
    await dialog.getByLabel(/^Code from the app/).fill(appCode(secret));
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await member.goto(`${gantry.url}/accounts/${accountId}/pods`);
    await member.getByRole('heading', { name: 'Pods' }).waitFor();

    // Turning it off again warns what that does to the team.
    await member.goto(`${gantry.url}/accounts/${accountId}/settings`);
    await member.getByTestId('two-factor-card').getByRole('button', { name: 'Turn off' }).click();
    await expect
      .poll(() => dialog.getByTestId('teams-requiring-two-factor').textContent())
      .toContain('Secure Farm requires two-factor sign-in');
  });
});
