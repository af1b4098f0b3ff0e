import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  expectOneLine,
  expectWithin,
  makeTeamDirectly,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

function podRow(page: Page, name: string) {
  return page.locator(`[data-testid="pod-row"][data-pod-name="${name}"]`);
}

/** Opens the row's "More actions" menu and clicks `item` in it. */
async function rowAction(page: Page, name: string, item: string) {
  await podRow(page, name)
    .getByRole('button', { name: `More actions for ${name}` })
    .click();
  await page.getByRole('menuitem', { name: item }).click();
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
    await dev.getByRole('link', { name: 'Pods', exact: true }).click();
    await dev.waitForURL(/\/pods$/);
    await dev.getByRole('button', { name: 'Deploy' }).click();
    const dialog = dev.getByRole('dialog');
    // It opens ready to deploy: a suggested name, the first GPU type and the template.
    await expect
      .poll(() => dialog.getByLabel(/^Name/).inputValue())
      .toMatch(/^hello-web-[a-z]+-\d{4}$/);
    expect(await dialog.getByPlaceholder('Pick a GPU').inputValue()).toContain('NVIDIA RTX 4090');
    expect(await dialog.getByPlaceholder('Pick a template').inputValue()).toBe('Hello Web');
    // Without a name the field says so in plain words, before anything is sent.
    await dialog.getByLabel(/^Name/).fill('');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await dialog.getByText('Enter a name for the Pod').waitFor();
    expect(await dialog.textContent()).not.toContain('must be');
    await screenshot(dev, 'pods-deploy-missing');
    await dialog.getByLabel(/^Name/).fill('e2e-notebook');
    await dialog.getByLabel(/^GPU count/).fill('');
    await dialog.getByLabel(/^GPU count/).pressSequentially('12');
    await dialog.getByText('Enter a whole number from 1 to 8').waitFor();
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
    // The catalog's names, not its ids; the actions on one line, within the table at 1280 px.
    expect(await row.getByTestId('pod-gpus').textContent()).toBe('2 × NVIDIA A100 80GB');
    expect(await row.getByTestId('pod-template').textContent()).toBe('Hello Web');
    await expectOneLine(row.getByTestId('pod-actions').getByRole('button'));
    await expectWithin(
      row.getByRole('button', { name: 'More actions for e2e-notebook' }),
      dev.getByTestId('pods-card'),
    );
    await screenshot(dev, 'pods-page-dev');

    // Connect opens the Pod's own app through Gantry: it shows the Pod's name. On the console's
    // origin the page is sandboxed (an opaque origin), so its WebSocket, which would need the
    // viewer's cookie, is refused; on a Pod origin of its own it works (connect.e2e.test.ts).
    const app = await connect(dev, 'e2e-notebook');
    expect(await app.locator('#pod-name').textContent()).toBe('e2e-notebook');
    await expect.poll(() => app.locator('#out').textContent()).toContain('(closed)');
    await screenshot(app, 'pods-connected-app');
    await app.close();

    // The owner's dashboard sums it up: the running Pod and its GPUs, what it costs, the team,
    // and the latest events.
    const owner = pages.owner;
    await owner.goto(`${gantry.url}/accounts/${accountId}`);
    await expect
      .poll(() => owner.getByTestId('dashboard-pods-running').textContent())
      .toBe('1 running');
    expect(await owner.getByTestId('dashboard-pods').textContent()).toContain('2 GPUs in use');
    await expect
      .poll(() => owner.getByTestId('dashboard-balance').textContent())
      .toContain('Spending $3.98/h');
    expect(await owner.getByTestId('dashboard-team-members').textContent()).toBe('4 members');
    expect(await owner.getByTestId('dashboard-team-invites').textContent()).toBe(
      'No pending invites',
    );
    // Newest first, in words: connecting is audited too.
    await expect
      .poll(() => owner.getByTestId('dashboard-activity-sentence').first().textContent())
      .toMatch(/^Connected to a Pod/);
    expect(
      (await owner.getByTestId('dashboard-activity-sentence').allTextContents()).join('\n'),
    ).toContain('Deployed a Pod');
    expect(await owner.getByTestId('dashboard-activity-event').count()).toBeLessThanOrEqual(5);
    await screenshot(owner, 'dashboard-overview');
    await owner.getByRole('link', { name: 'All audit logs →' }).click();
    await owner.waitForURL(/\/audit-logs$/);

    // Basic: sees the Pod and connects, but has no deploy/start/stop/restart/terminate.
    const basic = pages.basic;
    await basic.goto(podsUrl);
    const basicRow = podRow(basic, 'e2e-notebook');
    await basicRow.waitFor();
    expect(
      await basicRow
        .getByRole('button')
        .evaluateAll((buttons) =>
          buttons.map((b) => b.textContent || b.getAttribute('aria-label')),
        ),
    ).toEqual(['Connect', 'More actions for e2e-notebook']);
    await basicRow.getByRole('button', { name: 'More actions for e2e-notebook' }).click();
    expect(await basic.getByRole('menuitem').allTextContents()).toEqual(['Logs']);
    await basic.keyboard.press('Escape');
    expect(await basic.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
    await screenshot(basic, 'pods-page-basic');
    const basicApp = await connect(basic, 'e2e-notebook');
    expect(await basicApp.locator('#pod-name').textContent()).toBe('e2e-notebook');
    await basicApp.close();

    // Billing: no Pods entry in the navigation, and the page itself says so.
    const billing = pages.billing;
    await billing.goto(`${gantry.url}/accounts/${accountId}`);
    await billing.getByTestId('account-role').waitFor();
    expect(await billing.getByRole('link', { name: 'Pods', exact: true }).count()).toBe(0);
    await billing.goto(podsUrl);
    await expect
      .poll(() => billing.getByRole('alert').textContent())
      .toContain('does not include Pods');

    // The Dev reads the logs, stops and terminates the Pod.
    await rowAction(dev, 'e2e-notebook', 'Logs');
    await expect.poll(() => dev.getByTestId('pod-logs').textContent()).toContain('hello-web');
    await dev.keyboard.press('Escape');
    await rowAction(dev, 'e2e-notebook', 'Stop');
    await expect.poll(() => row.getByTestId('pod-status').textContent()).toBe('exited');
    // Stopped: Start is the row's button now.
    await row.getByRole('button', { name: 'Start' }).waitFor();
    await rowAction(dev, 'e2e-notebook', 'Terminate');
    await dev.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });
});
