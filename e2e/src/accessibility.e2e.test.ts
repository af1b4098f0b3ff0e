import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  apiCall,
  screenshot,
  signUpInBrowser,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

/** axe-core's own build, injected into each page as it is (no wrapper of ours in between). */
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules the console is held to. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Every WCAG A/AA violation axe-core finds on the page as it is now, one line per node. */
async function violationsOf(page: Page): Promise<string[]> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (tags) => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, o: unknown): Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, WCAG_TAGS);
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')} — ${n.failureSummary ?? ''}`,
    ),
  );
}

/** Scans the page in its current state; zero violations is the assertion. */
async function expectAccessible(page: Page, what: string, scheme: string): Promise<void> {
  // Fonts and lazy chunks settled: the page's heading (or the dialog) is what waited on.
  await page.evaluate(() => document.fonts.ready);
  const found = await violationsOf(page);
  if (found.length > 0) await screenshot(page, `a11y-${scheme}-${what.replace(/\W+/g, '-')}`);
  expect(found, `${what} (${scheme})`).toEqual([]);
}

/** The page's one h1, once its content has loaded. */
async function waitForHeading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
  expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
  expect(await page.locator('main').count()).toBe(1);
}

describe('accessibility: WCAG 2.2 AA with axe-core on every page and main dialog', () => {
  const session = useGantryAndBrowser();

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no violations in the ${scheme} scheme`, async () => {
      const { gantry, browser } = session;
      // bypassCSP: axe is injected as an inline script, which the console's CSP (rightly) refuses.
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: scheme,
        reducedMotion: 'reduce',
        bypassCSP: true,
      });
      const page = await context.newPage();
      const check = (what: string) => expectAccessible(page, what, scheme);

      await page.goto(`${gantry.url}/signin`);
      await waitForHeading(page, 'Sign in');
      await check('sign-in');
      await page.goto(`${gantry.url}/nowhere`);
      await waitForHeading(page, 'Page not found');
      await check('404');
      await page.goto(`${gantry.url}/signup`);
      await waitForHeading(page, 'Create your account');
      await check('sign-up');

      await signUpInBrowser(page, gantry.url, `Ada ${scheme}`, uniqueEmail(`a11y-${scheme}`));
      const accountId = accountIdOf(page);
      const base = `${gantry.url}/accounts/${accountId}`;
      await waitForHeading(page, `Ada ${scheme}`);
      await page.getByTestId('dashboard-activity-event').first().waitFor();
      await check('dashboard');

      await page.goto(`${base}/pods`);
      await waitForHeading(page, 'Pods');
      await page.getByText('No Pods yet.').waitFor();
      await check('pods');
      await page.getByRole('button', { name: 'Deploy' }).click();
      const deploy = page.getByRole('dialog', { name: 'Deploy a Pod' });
      await deploy.getByLabel(/^GPU type/).waitFor();
      await check('deploy dialog');
      // The dialog opens filled in (a suggested name): emptied, Deploy shows the field's error.
      await deploy.getByRole('textbox', { name: /^Name/ }).fill('');
      await deploy.getByRole('button', { name: 'Deploy' }).click();
      await deploy.getByText('Enter a name for the Pod').waitFor();
      await check('deploy dialog with its errors');
      await deploy.getByRole('button', { name: 'Close' }).click();
      await deploy.waitFor({ state: 'hidden' });

      await page.goto(`${base}/billing`);
      await waitForHeading(page, 'Billing');
      await page.getByTestId('billing-transaction').first().waitFor();
      await check('billing');

      // A team, so that Team, its Invite dialog and the invite page exist.
      const converted = await apiCall(page, 'POST', `/api/v1/accounts/${accountId}/convert`, {
        teamName: `Lab ${scheme}`,
      });
      expect(converted.status).toBe(200);
      await page.goto(`${base}/team`);
      await waitForHeading(page, 'Team');
      await page.getByTestId('member-row').first().waitFor();
      await check('team');
      await page.getByRole('button', { name: 'Invite New Member' }).click();
      const invite = page.getByRole('dialog', { name: 'Invite New Member' });
      await invite.getByRole('radio', { name: /^Dev/ }).waitFor();
      await check('invite dialog');
      await invite.getByRole('button', { name: 'Create invite' }).click();
      await invite.getByTestId('invite-created').waitFor();
      // Focus goes to the result of the action: the new link, ready to copy.
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.getAttribute('readonly')))
        .not.toBeNull();
      expect(
        await invite
          .getByLabel('Invite link')
          .evaluate((el: Element) => el === document.activeElement),
      ).toBe(true);
      await check('invite dialog, invite created');
      const link = await invite.getByLabel('Invite link').inputValue();
      await invite.getByRole('button', { name: 'Done' }).click();
      await invite.waitFor({ state: 'hidden' });
      await page.getByTestId('invite-row').first().waitFor();
      await check('team with a pending invite');

      await page.goto(`${base}/audit-logs`);
      await waitForHeading(page, 'Audit logs');
      await page.getByTestId('audit-row').first().waitFor();
      await check('audit logs');
      await page.getByTestId('audit-row').first().click();
      await page.getByTestId('audit-event-drawer').waitFor();
      await check('audit logs with the drawer open');
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await page.getByTestId('audit-event-drawer').waitFor({ state: 'hidden' });

      await page.goto(`${base}/settings`);
      await waitForHeading(page, 'Settings');
      await page.getByTestId('user-event-row').first().waitFor();
      await check('settings');

      await page.goto(`${base}/settings/api-keys`);
      await waitForHeading(page, 'API keys');
      await page.getByText('No API keys yet.').waitFor();
      await check('api keys');
      await page.getByRole('button', { name: 'Create key' }).click();
      const createKey = page.getByRole('dialog', { name: 'Create an API key' });
      await createKey.getByLabel(/^Name/).waitFor();
      await check('create key dialog');
      await createKey.getByRole('button', { name: 'Close' }).click();
      await createKey.waitFor({ state: 'hidden' });

      // The invite page, as a visitor who is not signed in.
      const visitor = await (
        await browser.newContext({ colorScheme: scheme, reducedMotion: 'reduce', bypassCSP: true })
      ).newPage();
      await visitor.goto(link);
      await waitForHeading(visitor, `Lab ${scheme}`);
      await expectAccessible(visitor, 'invite page', scheme);

      await screenshot(page, `a11y-${scheme}-1280-api-keys`);

      // On a phone (390 px): the same pages in their compact layout pass too.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path, heading, ready] of [
        ['', `Lab ${scheme}`, 'dashboard-activity-event'],
        ['/pods', 'Pods', null],
        ['/team', 'Team', 'member-row'],
        ['/audit-logs', 'Audit logs', 'audit-row'],
        ['/billing', 'Billing', 'billing-transaction'],
      ] as const) {
        await page.goto(`${base}${path}`);
        await waitForHeading(page, heading);
        if (ready) await page.getByTestId(ready).first().waitFor();
        await check(`phone ${path || 'dashboard'}`);
        await screenshot(page, `a11y-${scheme}-390${path.replace('/', '-') || '-dashboard'}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      for (const path of ['', '/team', '/audit-logs', '/billing', '/pods']) {
        await page.goto(`${base}${path}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await screenshot(page, `a11y-${scheme}-1280${path.replace('/', '-') || '-dashboard'}`);
      }
      await context.close();
      await visitor.context().close();
    });
  }
});
