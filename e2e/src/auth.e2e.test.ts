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
    await page.getByRole('button', { name: 'Ada Lovelace' }).click();
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
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const current = page.locator('tr[data-current]');
    await expect.poll(() => current.textContent()).toContain('Chrome on Linux');
    expect(await current.textContent()).toContain('This session');
    const fullAgent = await current.getByText('Chrome on Linux').getAttribute('title');
    expect(fullAgent).toContain('Mozilla/5.0');
    expect(await page.getByText('curl', { exact: true }).getAttribute('title')).toBe('curl/8.5.0');
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
});
