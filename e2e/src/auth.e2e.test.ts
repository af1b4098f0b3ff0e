import { describe, expect, it } from 'vitest';
import {
  newContext,
  PASSWORD,
  screenshot,
  signUpInBrowser,
  submitSignIn,
  submitSignUp,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

describe('signing up, out and in', () => {
  const e2e = useGantryAndBrowser();

  it('a new user signs up, sees their personal account, signs out and back in', async () => {
    const { gantry, browser } = e2e;
    const context = await newContext(browser);
    const page = await context.newPage();
    const email = uniqueEmail('ada');

    // A visitor is sent to sign in first, and signs up from there (no reload in between:
    // what the console learned while signed out must not send the new user back).
    await page.goto(gantry.url);
    await page.waitForURL(/\/signin/);
    // Drawn, not only routed to: the screenshot shows the form.
    await page.getByText('Forgot password?').waitFor();
    await screenshot(page, 'signin');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup/);
    await submitSignUp(page, 'Ada Lovelace', email);
    await page.getByTestId('account-switcher').waitFor();
    await expect
      .poll(() => page.getByTestId('account-kind').textContent())
      .toBe('Personal account');
    await page.getByTestId('account-switcher').click();
    const menu = page.getByRole('menu');
    await expect.poll(() => menu.textContent()).toContain('Ada Lovelace');
    await expect.poll(() => menu.textContent()).toContain('Personal');
    await screenshot(page, 'dashboard-switcher');
    await page.keyboard.press('Escape');

    // Sign out through the user menu.
    await page.getByRole('button', { name: 'Ada Lovelace', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);

    // A wrong password shows the API's error; the right one gets back in.
    await submitSignIn(page, email, 'not the password');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrect');

    await submitSignIn(page, email);
    await page.getByTestId('account-switcher').waitFor();
    await expect.poll(() => page.getByTestId('account-role').textContent()).toBe('admin');

    // Signed in, the sign-in page goes straight on.
    await page.goto(`${gantry.url}/signin`);
    await page.getByTestId('account-switcher').waitFor();
    expect(page.url()).toMatch(/\/accounts\//);
    await context.close();
  });

  it('signs in on the page a visitor was sent to and comes back to where they were going', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('grace');
    const first = await newContext(browser);
    const firstPage = await first.newPage();
    await signUpInBrowser(firstPage, gantry.url, 'Grace Hopper', email);
    const settings = `${new URL(firstPage.url()).pathname}/settings`;
    await first.close();

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${gantry.url}${settings}`);
    await page.waitForURL(/\/signin\?next=/);
    await submitSignIn(page, email);
    await page.waitForURL((url) => url.pathname === settings);
    await page.getByTestId('account-switcher').waitFor();
    await context.close();
  });

  it('shows the field error the API gives for a bad sign-up', async () => {
    const { gantry, browser } = e2e;
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${gantry.url}/signup`);
    await submitSignUp(page, 'Short Password', uniqueEmail('short'), 'short');
    await expect.poll(() => page.getByText('must be at least 10 characters').count()).toBe(1);
    await screenshot(page, 'signup-error');
    await context.close();
  });

  it('names each session by browser and system, and signs out all the other ones', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('linus');
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUpInBrowser(page, gantry.url, 'Linus Torvalds', email);
    // The same person signed in elsewhere: another browser, and a script with curl's user agent.
    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await otherPage.goto(`${gantry.url}/signin`);
    await submitSignIn(otherPage, email);
    await otherPage.getByTestId('account-switcher').waitFor();
    const curlLogin = await fetch(`${gantry.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(curlLogin.status).toBe(200);

    await page.goto(`${page.url()}/settings`);
    const sessions = page.getByTestId('sessions-card');
    const rows = sessions.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const current = sessions.locator('tr[data-current]');
    await expect.poll(() => current.textContent()).toContain('Chrome on Linux');
    expect(await current.textContent()).toContain('This session');
    const fullAgent = await current.getByText('Chrome on Linux').getAttribute('title');
    expect(fullAgent).toContain('Mozilla/5.0');
    expect(await sessions.getByText('curl', { exact: true }).getAttribute('title')).toBe(
      'curl/8.5.0',
    );
    await screenshot(page, 'settings-sessions');

    await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('This session stays signed in');
    await dialog.getByRole('button', { name: 'Sign out other sessions' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await expect.poll(() => page.getByText('Signed out 2 other sessions').count()).toBe(1);
    expect(
      await page.getByRole('button', { name: 'Sign out all other sessions' }).isDisabled(),
    ).toBe(true);

    // The other browser is signed out; this one is not.
    await otherPage.reload();
    await otherPage.waitForURL(/\/signin/);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(1);
    await other.close();
    await context.close();
  });

  it('changes the name and the password, signing out the other browser, and lists the security activity', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('margaret');
    const newPassword = 'apollo guidance computer';
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUpInBrowser(page, gantry.url, 'Margaret H', email);
    // The same person in a second browser.
    const other = await newContext(browser);
    const otherPage = await other.newPage();
    await otherPage.goto(`${gantry.url}/signin`);
    await submitSignIn(otherPage, email);
    await otherPage.getByTestId('account-switcher').waitFor();

    await page.goto(`${page.url()}/settings`);
    const profile = page.getByTestId('profile-card');
    await expect.poll(() => profile.getByLabel('Email').inputValue()).toBe(email);
    expect(await profile.getByLabel('Email').getAttribute('readonly')).not.toBeNull();

    // The name: saved, and the header shows it at once — in the user menu, and in the switcher,
    // since the personal account is named after its owner.
    await profile.getByLabel(/^Name/).fill('Margaret Hamilton');
    await profile.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => page.getByTestId('user-name').textContent())
      .toContain('Margaret Hamilton');
    await expect
      .poll(() => page.getByTestId('account-switcher').textContent())
      .toContain('Margaret Hamilton');
    await expect.poll(() => page.getByText('Name saved').count()).toBe(1);

    // A wrong current password is shown at its field; a mismatch is caught in the form.
    const password = page.getByTestId('password-card');
    const fill = async (current: string, next: string, confirm: string) => {
      await password.getByLabel(/^Current password/).fill(current);
      await password.getByLabel(/^New password/).fill(next);
      await password.getByLabel(/^Confirm new password/).fill(confirm);
      await password.getByRole('button', { name: 'Change password' }).click();
    };
    await fill(PASSWORD, newPassword, 'something else entirely');
    await expect.poll(() => password.getByText('The passwords do not match').count()).toBe(1);
    await fill('not my password at all', newPassword, newPassword);
    const currentField = password.getByLabel(/^Current password/);
    await expect
      .poll(() => password.getByText('This is not your current password').count())
      .toBe(1);
    await screenshot(page, 'settings-wrong-password');
    // The message is the field's own error (described by it), not a banner.
    const describedBy = (await currentField.getAttribute('aria-describedby')) ?? '';
    const messageId = await password
      .getByText('This is not your current password')
      .getAttribute('id');
    expect(describedBy.split(' ')).toContain(messageId);

    // The right one: the other browser is signed out, this one stays.
    await fill(PASSWORD, newPassword, newPassword);
    await expect
      .poll(() => password.getByTestId('password-changed').textContent())
      .toBe('Password changed. Signed out 1 other session.');
    expect(await currentField.inputValue()).toBe('');
    const sessionRows = page.getByTestId('sessions-card').locator('tbody tr');
    await expect.poll(() => sessionRows.count()).toBe(1);
    await otherPage.reload();
    await otherPage.waitForURL(/\/signin/);

    // Security activity, newest first: the password change and the name by this session.
    const activity = page.getByTestId('security-activity');
    const actions = activity.getByTestId('user-event-action');
    await expect
      .poll(() => actions.allTextContents())
      .toEqual(['Password changed', 'Name changed', 'Signed in', 'Signed up']);
    const newest = activity.getByTestId('user-event-row').first();
    expect(await newest.textContent()).toContain('This session');
    expect(await newest.textContent()).toContain('1 other session signed out');
    expect(await newest.textContent()).toContain('Chrome on Linux');
    // The sign-in was the other browser's: not this session.
    const signIn = activity.getByTestId('user-event-row').nth(2);
    expect(await signIn.textContent()).not.toContain('This session');
    await screenshot(page, 'settings-profile-password-activity');

    // The old password no longer signs in; the new one does.
    await submitSignIn(otherPage, email, PASSWORD);
    await expect.poll(() => otherPage.getByRole('alert').textContent()).toContain('incorrect');
    await submitSignIn(otherPage, email, newPassword);
    await otherPage.getByTestId('account-switcher').waitFor();
    await expect
      .poll(() => otherPage.getByTestId('user-name').textContent())
      .toContain('Margaret Hamilton');

    // Back here, the new sign-in is listed first.
    await page.reload();
    await expect.poll(() => actions.first().textContent()).toBe('Signed in');
    await other.close();
    await context.close();
  });

  it('changes the email after the password, and signs in with the new one', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('edsger');
    const taken = uniqueEmail('taken');
    const newEmail = uniqueEmail('edsger.new');
    const page = await (await newContext(browser)).newPage();
    await signUpInBrowser(page, gantry.url, 'Someone Else', taken);
    await page.context().clearCookies();
    await signUpInBrowser(page, gantry.url, 'Edsger D', email);
    await page.goto(`${page.url()}/settings`);
    const profile = page.getByTestId('profile-card');
    await expect.poll(() => profile.getByLabel('Email').inputValue()).toBe(email);

    await profile.getByRole('button', { name: 'Change' }).click();
    const dialog = page.getByRole('dialog');
    const submit = async (to: string, password: string) => {
      await dialog.getByLabel(/^New email/).fill(to);
      await dialog.getByLabel(/^Your password/).fill(password);
      await dialog.getByRole('button', { name: 'Change email' }).click();
    };
    await submit(newEmail, 'not my password at all');
    await dialog.getByText('This is not your password').waitFor();
    await submit(taken, PASSWORD);
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('already exists');
    await submit(newEmail, PASSWORD);
    await expect.poll(() => profile.getByLabel('Email').inputValue()).toBe(newEmail);
    await expect
      .poll(() => page.getByTestId('security-activity').textContent())
      .toContain(`From ${email} to ${newEmail}`);

    await page.getByRole('button', { name: 'Edsger D', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    await submitSignIn(page, email);
    await page.getByText('Email or password is incorrect').waitFor();
    await submitSignIn(page, newEmail);
    await page.getByTestId('account-switcher').waitFor();
    await page.context().close();
  });

  it('pages the security activity with Load more', async () => {
    const { gantry, browser } = e2e;
    const email = uniqueEmail('paging');
    const context = await newContext(browser);
    const page = await context.newPage();
    await signUpInBrowser(page, gantry.url, 'Pager', email);
    // 24 sign-ins by script, plus the sign-up: more than one page of 20.
    for (let i = 0; i < 24; i++) {
      const response = await fetch(`${gantry.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(response.status).toBe(200);
    }
    await page.goto(`${page.url()}/settings`);
    const activity = page.getByTestId('security-activity');
    const rows = activity.getByTestId('user-event-row');
    await expect.poll(() => rows.count()).toBe(20);
    await activity.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    expect(await activity.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    const actions = await activity.getByTestId('user-event-action').allTextContents();
    expect(actions.at(-1)).toBe('Signed up');
    expect(actions.slice(0, -1).every((a) => a === 'Signed in')).toBe(true);
    await context.close();
  });
});
