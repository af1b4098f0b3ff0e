import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  newContext,
  type RunningGantry,
  screenshot,
  signInInBrowser,
  signUpInBrowser,
  startGantry,
  uniqueEmail,
} from './harness.js';

describe('signing up, out and in', () => {
  let gantry: RunningGantry;
  let browser: Browser;
  beforeAll(async () => {
    gantry = await startGantry();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gantry?.stop();
  });

  it('a new user signs up, sees their personal account, signs out and back in', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const email = uniqueEmail('ada');

    // A visitor is sent to sign in first.
    await page.goto(gantry.url);
    await page.waitForURL(/\/signin/);
    await screenshot(page, 'signin');

    await signUpInBrowser(page, gantry.url, 'Ada Lovelace', email);
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
    await page.getByLabel(/^Email/).fill(email);
    await page.getByLabel(/^Password/).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrect');

    await signInInBrowser(page, gantry.url, email);
    await expect.poll(() => page.getByTestId('account-role').textContent()).toBe('admin');
    await context.close();
  });

  it('shows the field error the API gives for a bad sign-up', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${gantry.url}/signup`);
    await page.getByLabel(/^Name/).fill('Short Password');
    await page.getByLabel(/^Email/).fill(uniqueEmail('short'));
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByText('must be at least 10 characters').count()).toBe(1);
    await screenshot(page, 'signup-error');
    await context.close();
  });
});
