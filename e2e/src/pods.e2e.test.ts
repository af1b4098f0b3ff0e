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

function podRow(page: Page, name: string) {
  return page.locator(`[data-testid="pod-row"][data-pod-name="${name}"]`);
}

/** Clicks Connect and returns the tab the Pod's app opened in. */
async function connect(page: Page, name: string): Promise<Page> {
  const popup = page.context().waitForEvent('page');
  await podRow(page, name).getByRole('button', { name: 'Connect' }).click();
  const tab = await popup;
  await tab.waitForURL(/\/pods\/[^/]+\/8080\/$/);
  await tab.locator('#pod-name').waitFor();
  return tab;
}

describe('Pods in the console', () => {
  const e2e = useGantryAndBrowser();

  it('a Dev deploys a Pod and connects; a Basic member connects but cannot manage; Billing has no Pods', async () => {
    const { gantry } = e2e;
    const people = {
      owner: uniqueEmail('owner'),
      dev: uniqueEmail('dev'),
      basic: uniqueEmail('basic'),
      billing: uniqueEmail('billing'),
    };
    const pages: Record<keyof typeof people, Page> = {} as Record<keyof typeof people, Page>;
    for (const [who, email] of Object.entries(people) as Array<[keyof typeof people, string]>) {
      pages[who] = await signUpInNewPage(
        e2e,
        `${who[0]?.toUpperCase()}${who.slice(1)} Person`,
        email,
      );
    }
    // The invite flow is another module's; here the team is made directly.
    const accountId = accountIdOf(pages.owner);
    expect(accountId).not.toBe('');
    makeTeamDirectly(
      gantry,
      accountId,
      [
        [people.dev, 'dev'],
        [people.basic, 'basic'],
        [people.billing, 'billing'],
      ],
      'Pod Team',
    );
    const podsUrl = `${gantry.url}/accounts/${accountId}/pods`;

    // The Dev deploys from the dialog; the badge moves on to running by itself.
    const dev = pages.dev;
    await dev.goto(`${gantry.url}/accounts/${accountId}`);
    await dev.getByRole('link', { name: 'Pods' }).click();
    await dev.waitForURL(/\/pods$/);
    await dev.getByRole('button', { name: 'Deploy' }).click();
    const dialog = dev.getByRole('dialog');
    await dialog.getByLabel(/^Name/).fill('e2e-notebook');
    await dialog.getByPlaceholder('Pick a GPU').click();
    await dev.getByRole('option', { name: /A100/ }).click();
    await dialog.getByLabel(/^GPU count/).fill('2');
    await dialog.getByPlaceholder('Pick a template').click();
    await dev.getByRole('option', { name: 'Hello Web' }).click();
    await expect
      .poll(() => dialog.getByTestId('deploy-price').textContent())
      .toBe('$3.98 per hour');
    await screenshot(dev, 'pods-deploy-dialog');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    const row = podRow(dev, 'e2e-notebook');
    await expect
      .poll(() => row.getByTestId('pod-status').textContent(), { timeout: 20_000 })
      .toBe('running');
    expect(await row.textContent()).toContain('$3.98/h');
    expect(await row.textContent()).toContain('Dev Person');
    await screenshot(dev, 'pods-page-dev');

    // Connect opens the Pod's own app through Gantry: it shows the Pod's name, and WebSockets work.
    const app = await connect(dev, 'e2e-notebook');
    expect(await app.locator('#pod-name').textContent()).toBe('e2e-notebook');
    await app.getByRole('button', { name: 'Echo over WebSocket' }).click();
    await expect.poll(() => app.locator('#out').textContent()).toContain('echo: ping');
    await screenshot(app, 'pods-connected-app');
    await app.close();

    // Basic: sees the Pod and connects, but has no deploy/start/stop/restart/terminate.
    const basic = pages.basic;
    await basic.goto(podsUrl);
    const basicRow = podRow(basic, 'e2e-notebook');
    await basicRow.waitFor();
    expect(await basicRow.getByRole('button').allTextContents()).toEqual(['Connect', 'Logs']);
    expect(await basic.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
    await screenshot(basic, 'pods-page-basic');
    const basicApp = await connect(basic, 'e2e-notebook');
    expect(await basicApp.locator('#pod-name').textContent()).toBe('e2e-notebook');
    await basicApp.close();

    // Billing: no Pods entry in the navigation, and the page itself says so.
    const billing = pages.billing;
    await billing.goto(`${gantry.url}/accounts/${accountId}`);
    await billing.getByTestId('account-role').waitFor();
    expect(await billing.getByRole('link', { name: 'Pods' }).count()).toBe(0);
    await billing.goto(podsUrl);
    await expect
      .poll(() => billing.getByRole('alert').textContent())
      .toContain('does not include Pods');

    // The Dev reads the logs, stops and terminates the Pod.
    await row.getByRole('button', { name: 'Logs' }).click();
    await expect.poll(() => dev.getByTestId('pod-logs').textContent()).toContain('hello-web');
    await dev.keyboard.press('Escape');
    await row.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => row.getByTestId('pod-status').textContent()).toBe('exited');
    await row.getByRole('button', { name: 'Terminate' }).click();
    await dev.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });
});
