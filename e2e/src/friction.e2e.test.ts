import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  newPage,
  screenshot,
  signUpInBrowser,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

describe('what a new user stumbled on', () => {
  const session = useGantryAndBrowser();

  it('creates a team from the switcher, reads the log in words and filters by a resource', async () => {
    const { gantry, browser } = session;
    const page = await newPage(browser);
    await signUpInBrowser(page, gantry.url, 'Nina New', uniqueEmail('nina'));
    const personalId = accountIdOf(page);

    // Recent activity says what happened, in words.
    await expect
      .poll(() => page.getByTestId('dashboard-activity-sentence').allTextContents())
      .toContain('Added credit');

    // Create team, beside the personal account: its Team page names the owner.
    await page.getByTestId('account-switcher').click();
    await page.getByRole('menuitem', { name: 'Create team' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create team' });
    await dialog.getByLabel(/^Team name/).fill('Nina Lab');
    await dialog.getByRole('button', { name: 'Create team' }).click();
    await page.waitForURL(/\/accounts\/[0-9a-f-]{36}\/team$/);
    const teamId = accountIdOf(page);
    expect(teamId).not.toBe(personalId);
    await expect.poll(() => page.getByTestId('team-owner').textContent()).toContain('Nina New');
    await page.getByTestId('account-switcher').click();
    await expect
      .poll(() => page.getByRole('menuitem').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('Nina New')]));
    await page.keyboard.press('Escape');

    // The personal account's ledger: signed amounts.
    await page.goto(`${gantry.url}/accounts/${personalId}/billing`);
    await expect
      .poll(() => page.getByTestId('billing-transaction-amount').first().textContent())
      .toBe('+$25.00');
    await page.getByTestId('add-funds').waitFor();

    // Audit logs: whole IDs; clicking one filters by it; system events fold behind a switch.
    await page.goto(`${gantry.url}/accounts/${personalId}/audit-logs`);
    await page.getByTestId('audit-row').first().waitFor();
    expect(await page.getByTestId('audit-row-sentence').allTextContents()).toContain(
      'Added credit',
    );
    const ids = await page.getByTestId('audit-resource-id').allTextContents();
    expect(ids).toContain(personalId);
    await page
      .getByTestId('audit-resource-id')
      .filter({ hasText: personalId, visible: true })
      .first()
      .click();
    await expect.poll(() => page.url()).toContain(`resourceId=${personalId}`);
    await expect
      .poll(async () => new Set(await page.getByTestId('audit-resource-id').allTextContents()))
      .toEqual(new Set([personalId]));
    await page.getByRole('switch', { name: 'Show system events' }).click();
    await expect.poll(() => page.url()).toContain('system=1');
    await screenshot(page, 'friction-audit-filtered');
  });
});
