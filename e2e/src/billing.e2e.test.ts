import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  makeTeamDirectly,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

const ROOT = join(import.meta.dirname, '../..');

/** The navigation's entries, as a person sees them. */
async function navLabels(page: Page): Promise<string[]> {
  await page.getByRole('link', { name: 'Dashboard' }).waitFor();
  return page.locator('nav a').allTextContents();
}

describe('the Billing page', () => {
  const e2e = useGantryAndBrowser();

  it('a Billing member manages billing and sees no Pods; a Dev sees Pods and no Billing', async () => {
    const { gantry } = e2e;
    const owner = await signUpInNewPage(e2e, 'Olivia Owner', uniqueEmail('owner'));
    const accountId = accountIdOf(owner);
    expect(accountId).not.toBe('');

    const billingEmail = uniqueEmail('bill');
    const devEmail = uniqueEmail('dev');
    const biller = await signUpInNewPage(e2e, 'Bill Payer', billingEmail);
    const dev = await signUpInNewPage(e2e, 'Devi Builder', devEmail);

    // Team membership is another module's page; here the members are put in directly.
    makeTeamDirectly(gantry, accountId, [
      [billingEmail, 'billing'],
      [devEmail, 'dev'],
    ]);

    // The operator adds credit with the command line (the built-in payment provider).
    const out = execFileSync(
      process.execPath,
      [
        join(ROOT, 'server/bin/gantry.mjs'),
        'billing',
        'credit',
        accountId,
        '100',
        '--note',
        'Invoice 1001',
      ],
      {
        env: { ...process.env, GANTRY_DATA_DIR: gantry.dataDir, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      },
    );
    expect(out).toContain('Credited 100.000000');

    // The Billing member: Billing in the navigation, no Pods; the dashboard shows the balance
    // and nothing of Pods, members or the audit log.
    await biller.goto(`${gantry.url}/accounts/${accountId}`);
    const billerNav = await navLabels(biller);
    expect(billerNav).toContain('Billing');
    expect(billerNav).not.toContain('Pods');
    await expect
      .poll(() => biller.getByTestId('dashboard-balance-amount').textContent())
      .toBe('$125.00');
    expect(await biller.getByTestId('dashboard-balance').textContent()).toContain(
      'Nothing running',
    );
    for (const card of ['dashboard-pods', 'dashboard-team', 'dashboard-activity']) {
      expect(await biller.getByTestId(card).count()).toBe(0);
    }
    await biller.getByRole('link', { name: 'Billing', exact: true }).click();
    await expect.poll(() => biller.getByTestId('billing-balance').textContent()).toBe('$125.00');
    await expect
      .poll(() => biller.getByTestId('billing-transactions').textContent())
      .toContain('Invoice 1001');
    // One money format: dollars with two decimals, in the inputs too.
    const transactions = await biller.getByTestId('billing-transactions').textContent();
    expect(transactions).toContain('$100.00');
    expect(transactions).toContain('$125.00');
    expect(transactions).not.toContain('USD');
    // The console's one date-time format: "Nov 28, 2026, 6:58 AM".
    expect(transactions).toMatch(/[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M/);
    expect(await biller.getByTestId('billing-spend').textContent()).toBe('$0.00/h');
    expect(await biller.getByLabel(/^Spend limit per hour/).inputValue()).toBe('80.00');
    expect(await biller.getByLabel(/^Low-balance alert at/).inputValue()).toMatch(/^\d+\.\d\d$/);

    // A bad country code shows the API's error at the field; a good one saves.
    await biller.getByLabel('Country code').fill('XX');
    await biller.getByLabel('Company').fill('Olivia Compute Ltd');
    await biller.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => biller.getByText('must be an ISO 3166-1 alpha-2 country code').count())
      .toBe(1);
    await biller.getByLabel('Country code').fill('GB');
    await biller.getByLabel(/^Low-balance alert at/).fill('150');
    await biller.getByRole('button', { name: 'Save' }).click();
    // Under the threshold now: the banner shows across the console.
    await biller.getByTestId('low-balance-banner').waitFor();
    await expect.poll(() => biller.getByLabel('Country code').inputValue()).toBe('GB');
    await biller.getByTestId('billing-statements').getByText('CSV').first().waitFor();
    await screenshot(biller, 'billing-page');

    // The Dev: Pods in the navigation and a working Pods page; no Billing, and the page says so.
    // The dashboard shows the Pods card only.
    await dev.goto(`${gantry.url}/accounts/${accountId}`);
    const devNav = await navLabels(dev);
    expect(devNav).toContain('Pods');
    expect(devNav).not.toContain('Billing');
    await expect
      .poll(() => dev.getByTestId('dashboard-pods-running').textContent())
      .toBe('0 running');
    expect(await dev.getByTestId('dashboard-pods').textContent()).toContain('Deploy a Pod');
    for (const card of ['dashboard-balance', 'dashboard-team', 'dashboard-activity']) {
      expect(await dev.getByTestId(card).count()).toBe(0);
    }
    expect(await dev.getByTestId('low-balance-banner').count()).toBe(0);
    await dev.getByRole('link', { name: 'Pods', exact: true }).click();
    await dev.getByRole('button', { name: 'Deploy' }).waitFor();
    expect(dev.url()).toBe(`${gantry.url}/accounts/${accountId}/pods`);
    await dev.goto(`${gantry.url}/accounts/${accountId}/billing`);
    await expect.poll(() => dev.getByText('does not include billing').count()).toBe(1);
    await screenshot(dev, 'billing-dev-denied');
  });
});
