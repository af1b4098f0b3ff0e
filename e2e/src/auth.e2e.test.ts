import { describe, expect, it } from 'vitest';
import {
  newContext,
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
});
