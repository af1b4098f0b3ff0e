import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  expectOneLine,
  expectWithin,
  makeTeamDirectly,
  newContext,
  screenshot,
  signUpInBrowser,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

/** Every row's buttons fit in the table's card at 1280 px, on one line each. */
async function expectRowsFit(page: Page) {
  const card = page.getByTestId('api-keys-card');
  for (const row of await page.getByTestId('api-key-row').all()) {
    await expectWithin(row.getByRole('button', { name: 'Revoke' }), card);
    await expectOneLine(row.getByRole('button'));
  }
}

/** The row of the key named `name` in the list. */
function keyRow(page: Page, name: string) {
  return page.locator(`[data-testid="api-key-row"][data-key-name="${name}"]`);
}

describe('the API keys page', () => {
  const e2e = useGantryAndBrowser();

  it('creates a key shown once, which works until disabled, again when enabled, never after revoke', async () => {
    const { gantry, browser } = e2e;
    const context = await newContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gantry.url });
    const page = await context.newPage();
    await signUpInBrowser(page, gantry.url, 'Kim Keys', uniqueEmail('keys'));

    // From the Settings page to the API keys page.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('link', { name: 'Manage API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByText('No API keys yet.').waitFor();
    expect(await page.getByText(`gantry login --url ${gantry.url} --key`).count()).toBe(1);

    // A blank name: the API's error at the field, nothing created.
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create an API key' });
    await dialog.getByLabel(/^Name/).fill('   ');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByText('must not be blank').waitFor();

    // Typing again clears the error.
    await dialog.getByLabel(/^Name/).fill('ci-runner');
    expect(await dialog.getByText('must not be blank').count()).toBe(0);
    // Expires on the 15th of next month, picked in the calendar.
    await dialog.getByRole('button', { name: /^Expires/ }).click();
    await page.getByRole('button', { name: 'Next month' }).click();
    await screenshot(page, 'apikeys-create');
    await page
      .locator('table button:not([data-outside]):not([data-disabled])', { hasText: /^15$/ })
      .click();
    // The end of that day in the browser's time zone.
    const expectedExpiry = await page.evaluate(() => {
      const now = new Date();
      return new Date(now.getFullYear(), now.getMonth() + 1, 15, 23, 59, 59, 999).toISOString();
    });
    await dialog.getByRole('button', { name: 'Create key' }).click();

    // The secret, once, with a warning and a copy button.
    const secretDialog = page.getByRole('dialog', { name: /API key .ci-runner. created/ });
    await secretDialog.getByText('This is the only time the key is shown').waitFor();
    await secretDialog.getByText(/^Expires /).waitFor();
    const secret = (await secretDialog.getByTestId('api-key-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^gnt_[A-Za-z0-9_-]{43}$/);
    await secretDialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await secretDialog.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, 'apikeys-secret');
    await secretDialog.getByRole('button', { name: 'I have copied the key' }).click();
    await secretDialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // Gone from the page: only the prefix remains.
    expect(await page.getByText(secret).count()).toBe(0);
    const row = keyRow(page, 'ci-runner');
    await expect.poll(() => row.textContent()).toContain(`${secret.slice(0, 10)}…`);
    await expect.poll(() => row.textContent()).toContain('Active');

    const listAccounts = async () =>
      (
        await fetch(`${gantry.url}/api/v1/accounts`, {
          headers: { authorization: `Bearer ${secret}` },
        })
      ).status;
    expect(await listAccounts()).toBe(200);
    // The key reads its own account's keys: the expiry picked in the calendar.
    const accountId = accountIdOf(page);
    const listed = await fetch(`${gantry.url}/api/v1/accounts/${accountId}/api-keys`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    const { items } = (await listed.json()) as { items: { name: string; expiresAt: string }[] };
    expect(items.find((k) => k.name === 'ci-runner')?.expiresAt).toBe(expectedExpiry);

    // Disabled: 401 on the next request.
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.textContent()).toContain('Disabled');
    expect(await listAccounts()).toBe(401);

    // Enabled again: it works again.
    await row.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => row.textContent()).toContain('Active');
    expect(await listAccounts()).toBe(200);

    // A second, read-only key.
    await page.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByLabel(/^Name/).fill('grafana-dashboards');
    await dialog.getByLabel('Read-only').check({ force: true });
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const second = page.getByRole('dialog', { name: /API key .grafana-dashboards. created/ });
    await second.getByText('Read-only.').waitFor();
    await second.getByRole('button', { name: 'I have copied the key' }).click();
    await second.waitFor({ state: 'hidden' });
    const readOnlyRow = keyRow(page, 'grafana-dashboards');
    await expect.poll(() => readOnlyRow.textContent()).toContain('Read-only');

    // Revoked, after confirming: 401 and gone from the list.
    await row.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke API key' });
    await confirm.getByText('cannot be undone').waitFor();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await listAccounts()).toBe(401);
    expect(await readOnlyRow.count()).toBe(1);
    await expectRowsFit(page);
    await screenshot(page, 'apikeys-personal-list');
  });

  it('an Admin sees every key of the team with its creator; a Dev only their own', async () => {
    const { gantry } = e2e;
    const admin = await signUpInNewPage(e2e, 'Ada Admin', uniqueEmail('admin'));
    const accountId = accountIdOf(admin);
    expect(accountId).not.toBe('');
    const devEmail = uniqueEmail('dev');
    const dev = await signUpInNewPage(e2e, 'Devi Builder', devEmail);

    // Team membership is another module's page; here the Dev is put in directly.
    makeTeamDirectly(gantry, accountId, [[devEmail, 'dev']]);

    const createKey = async (page: Page, name: string, readOnly: boolean) => {
      await page.goto(`${gantry.url}/accounts/${accountId}/settings/api-keys`);
      await page.getByRole('button', { name: 'Create key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create an API key' });
      await dialog.getByLabel(/^Name/).fill(name);
      if (readOnly) await dialog.getByLabel('Read-only').check({ force: true });
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('button', { name: 'I have copied the key' }).click();
      await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
      await keyRow(page, name).waitFor();
    };
    await createKey(dev, 'devi-laptop', false);
    await createKey(admin, 'nightly-audit-export', true);
    await createKey(admin, 'deploy-bot', false);
    const longName = 'nightly-compliance-export-of-every-pod-and-invoice-to-the-archive-bucket';
    await createKey(admin, longName, false);

    // The Dev: only their own key, no creator column.
    await dev.reload();
    await keyRow(dev, 'devi-laptop').waitFor();
    expect(await dev.getByTestId('api-key-row').count()).toBe(1);
    expect(await dev.getByRole('columnheader', { name: 'Created by' }).count()).toBe(0);

    // The Admin: every key, with who created it; and may disable the Dev's key.
    await admin.reload();
    await keyRow(admin, 'devi-laptop').waitFor();
    expect(await admin.getByTestId('api-key-row').count()).toBe(4);
    expect(await keyRow(admin, 'devi-laptop').textContent()).toContain('Devi Builder');
    expect(await keyRow(admin, 'deploy-bot').textContent()).toContain('You');
    await keyRow(admin, 'devi-laptop').getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => keyRow(admin, 'devi-laptop').textContent()).toContain('Disabled');
    await admin.getByRole('link', { name: 'API keys' }).first().waitFor();
    // At 1280 × 800 with the creator shown and a long name: every Revoke in view, no wrapping.
    await expectRowsFit(admin);
    expect(await keyRow(admin, longName).getByTitle(longName).count()).toBe(1);
    await screenshot(admin, 'apikeys-list');
  });
});
