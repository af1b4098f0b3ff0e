import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  accountIdOf,
  apiCall,
  expectWithin,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

const PHONE = { width: 390, height: 844 };

/**
 * What on the page does not fit its width: the document scrolling sideways, a table wider than
 * its card, anything else that scrolls sideways, a badge cut short. Empty when everything fits.
 */
function overflowOf(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth > width) {
      problems.push(`the document is ${root.scrollWidth} px wide in a ${width} px window`);
    }
    const name = (element: Element) =>
      element.getAttribute('data-testid') ??
      `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`;
    for (const table of document.querySelectorAll('table')) {
      if (!table.checkVisibility()) continue;
      // Within its card (which clips what sticks out), or the window.
      const frame = table.closest('.mantine-Card-root')?.getBoundingClientRect();
      const [left, right] = frame ? [frame.left, frame.right] : [0, width];
      const box = table.getBoundingClientRect();
      if (box.left < left - 0.5 || box.right > right + 0.5) {
        problems.push(
          `table ${name(table)} spans ${Math.round(box.left)}..${Math.round(box.right)} in ${Math.round(left)}..${Math.round(right)}`,
        );
      }
    }
    for (const element of document.querySelectorAll('body *')) {
      const overflowX = getComputedStyle(element).overflowX;
      if (overflowX !== 'auto' && overflowX !== 'scroll') continue;
      if (element.scrollWidth > element.clientWidth + 1 && element.checkVisibility()) {
        problems.push(
          `${name(element)} scrolls sideways (${element.scrollWidth} in ${element.clientWidth})`,
        );
      }
    }
    // Badges (status, kind, role) squeezed to "CRE…" by a narrow column.
    for (const label of document.querySelectorAll('.mantine-Badge-label')) {
      if (label.scrollWidth > label.clientWidth + 1 && label.checkVisibility()) {
        problems.push(`badge "${label.textContent}" is cut to ${label.clientWidth} px`);
      }
    }
    return problems;
  });
}

/** Every button and link of the header sits on its one line, inside the header. */
async function expectHeaderOneLine(page: Page): Promise<void> {
  const header = page.locator('header');
  const frame = await header.boundingBox();
  if (!frame) throw new Error('no header');
  const middle = frame.y + frame.height / 2;
  const items = await header.locator('button:visible, a:visible').all();
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) {
    const box = await item.boundingBox();
    if (!box) throw new Error('a header item has no box');
    const label = (await item.getAttribute('aria-label')) ?? (await item.textContent());
    expect(
      Math.abs(box.y + box.height / 2 - middle),
      `${label}: off the header's line`,
    ).toBeLessThan(4);
    expect(box.x, `${label}: cut off on the left`).toBeGreaterThanOrEqual(frame.x);
    expect(box.x + box.width, `${label}: cut off on the right`).toBeLessThanOrEqual(
      frame.x + frame.width + 0.5,
    );
  }
}

/**
 * Each row's last button (its actions) is within `card`: reachable without scrolling sideways.
 * Rows without actions (the owner's, on Members) are skipped; some row must have them.
 */
async function expectRowActionsWithin(rows: Locator, card: Locator): Promise<void> {
  let checked = 0;
  for (const row of await rows.all()) {
    const buttons = row.getByRole('button');
    if ((await buttons.count()) === 0) continue;
    await expectWithin(buttons.last(), card);
    checked += 1;
  }
  expect(checked).toBeGreaterThan(0);
}

/** The console's main pages, and what shows that each has loaded. */
const PAGES: Array<{ name: string; path: string; ready: (page: Page) => Locator }> = [
  { name: 'dashboard', path: '', ready: (p) => p.getByTestId('account-kind') },
  { name: 'pods', path: '/pods', ready: (p) => p.getByTestId('pod-row') },
  {
    name: 'billing',
    path: '/billing',
    // The welcome credit's badge (its description is hidden at some widths).
    ready: (p) => p.getByTestId('billing-transactions').getByText('credit', { exact: true }),
  },
  { name: 'team', path: '/team', ready: (p) => p.getByTestId('invite-row').first() },
  { name: 'audit-logs', path: '/audit-logs', ready: (p) => p.getByTestId('audit-row').first() },
  {
    name: 'settings',
    path: '/settings',
    ready: (p) => p.getByTestId('sessions-card').getByText('This session'),
  },
  { name: 'api-keys', path: '/settings/api-keys', ready: (p) => p.getByTestId('api-key-row') },
];
const NOTHING_WRONG = Object.fromEntries(PAGES.map((p) => [p.name, []]));

describe('the console on a phone', () => {
  // An email-bound invite needs verified addresses: here the operator verifies them by hand.
  const e2e = useGantryAndBrowser({ GANTRY_MANUAL_EMAIL_VERIFICATION: '1' });
  let owner: Page;
  let ownerEmail: string;
  let accountId: string;
  /** The owner, signed in on a phone. */
  let phone: Page;

  const open = async (page: Page, path: string, ready: (page: Page) => Locator) => {
    await page.goto(`${e2e.gantry.url}/accounts/${accountId}${path}`);
    await ready(page).waitFor();
    await page.waitForLoadState('networkidle');
  };

  /** Opens every page at the viewport of `page`, takes its picture, and says what overflows. */
  const overflowOnEveryPage = async (page: Page, device: string) => {
    const problems: Record<string, string[]> = {};
    for (const { name, path, ready } of PAGES) {
      await open(page, path, ready);
      await screenshot(page, `${device}-${name}`);
      problems[name] = await overflowOf(page);
    }
    return problems;
  };

  /** A browser of the given viewport, signed in as the owner. */
  const ownerOn = async (options: BrowserContextOptions) => {
    const context = await e2e.browser.newContext(options);
    await context.addCookies(await owner.context().cookies());
    return context.newPage();
  };

  // A team with a bit of everything, with long names and emails, as people have.
  beforeAll(async () => {
    ownerEmail = uniqueEmail('alexandra.montgomery');
    owner = await signUpInNewPage(e2e, 'Alexandra Montgomery-Whitfield', ownerEmail);
    accountId = accountIdOf(owner);
    expect(accountId).not.toBe('');
    const base = `/api/v1/accounts/${accountId}`;
    expect(
      (await apiCall(owner, 'POST', `${base}/convert`, { teamName: 'Render Farm Europe' })).status,
    ).toBe(200);
    for (const [name, role] of [
      ['Bartholomew Builder', 'admin'],
      ['Carol Coder', 'dev'],
    ] as const) {
      const page = await signUpInNewPage(e2e, name, uniqueEmail(name.split(' ')[0] ?? ''));
      const invite = await apiCall(owner, 'POST', `${base}/invites`, { role });
      const token = String(invite.json.url).split('/').at(-1);
      expect((await apiCall(page, 'POST', `/api/v1/invites/${token}/accept`)).status).toBe(200);
      await page.close();
    }
    // Pending invites: one for an email, one for anyone with the link.
    for (const body of [
      { role: 'billing', email: uniqueEmail('dana.accounting') },
      { role: 'dev', maxUses: 5 },
    ]) {
      expect((await apiCall(owner, 'POST', `${base}/invites`, body)).status).toBe(201);
    }
    const key = await apiCall(owner, 'POST', `${base}/api-keys`, {
      name: 'training-cluster-eu-west',
      readOnly: true,
    });
    expect(key.status).toBe(201);
    const pod = await apiCall(owner, 'POST', `${base}/pods`, {
      name: 'llama-finetune-7b',
      gpuType: 'a100-80gb',
      gpuCount: 2,
      templateId: 'hello-web',
    });
    expect(pod.status).toBe(201);
    await vi.waitFor(
      async () => {
        const pods = await apiCall(owner, 'GET', `${base}/pods`);
        expect((pods.json.items as Array<{ status: string }>)[0]?.status).toBe('running');
      },
      { timeout: 20_000, interval: 250 },
    );
    phone = await ownerOn({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 1,
    });
  });

  it('at 1280 px every page is the desktop layout, its header one line', async () => {
    // What every page looks like on a desktop (the phone layout must not change it).
    for (const { name, path, ready } of PAGES) {
      await open(owner, path, ready);
      await screenshot(owner, `desktop-${name}`);
    }
    await expectHeaderOneLine(owner);
  });

  it('at 390 px every page fits the width: nothing scrolls sideways', async () => {
    expect(await overflowOnEveryPage(phone, 'phone')).toEqual(NOTHING_WRONG);
  });

  it('at 820 px (a tablet) and 1024 px (a small laptop), navigation beside the page, the tables fit', async () => {
    for (const [device, viewport] of [
      ['tablet', { width: 820, height: 1180 }],
      ['laptop', { width: 1024, height: 768 }],
    ] as const) {
      const page = await ownerOn({ viewport });
      expect(await overflowOnEveryPage(page, device), device).toEqual(NOTHING_WRONG);
      await page.context().close();
    }
  });

  it('on a phone the header is one line, the user menu opens, row actions stay in their cards', async () => {
    await open(phone, '', (p) => p.getByTestId('account-kind'));
    await expectHeaderOneLine(phone);
    // The user's menu is still there, behind their initials.
    await phone.getByTestId('user-menu').click();
    await phone.getByRole('menuitem', { name: 'Sign out' }).waitFor();
    expect(await phone.getByRole('menu').textContent()).toContain(ownerEmail);
    await screenshot(phone, 'phone-user-menu');
    await phone.keyboard.press('Escape');

    await open(phone, '/team', (p) => p.getByTestId('invite-row').first());
    await expectRowActionsWithin(
      phone.getByTestId('member-row'),
      phone.getByTestId('members-card'),
    );
    await expectRowActionsWithin(
      phone.getByTestId('invite-row'),
      phone.getByTestId('pending-invites'),
    );
    await open(phone, '/pods', (p) => p.getByTestId('pod-row'));
    await expectRowActionsWithin(phone.getByTestId('pod-row'), phone.getByTestId('pods-card'));
    await open(phone, '/settings/api-keys', (p) => p.getByTestId('api-key-row'));
    await expectRowActionsWithin(
      phone.getByTestId('api-key-row'),
      phone.getByTestId('api-keys-card'),
    );
  });

  it('on a phone the navigation opens from the burger and the audit filters fold behind a button', async () => {
    await open(phone, '', (p) => p.getByTestId('account-kind'));
    // The navigation opens from the burger, and going somewhere closes it again.
    await phone.getByRole('button', { name: 'Toggle navigation' }).click();
    await phone.locator('nav').getByRole('link', { name: 'Audit logs' }).click();
    await phone.getByTestId('audit-row').first().waitFor();
    await expect
      .poll(async () => {
        const nav = await phone.locator('nav').boundingBox();
        return nav ? nav.x + nav.width : 0;
      })
      .toBeLessThanOrEqual(0);

    // The audit filters fold behind a Filters button that counts what is applied.
    const toggle = phone.getByTestId('audit-filters-toggle');
    const filters = phone.locator('#audit-filters');
    const outcome = phone.getByRole('combobox', { name: 'Outcome' });
    expect(await toggle.textContent()).toBe('Filters');
    expect(await outcome.isVisible()).toBe(false);
    const firstEvent = await phone.getByTestId('audit-row').first().boundingBox();
    expect(firstEvent?.y ?? 1000).toBeLessThan(844);
    await toggle.click();
    // Unfolded all the way (a select caught mid-animation is clipped by the fold).
    await expect
      .poll(() => filters.evaluate((element) => element.clientHeight === element.scrollHeight))
      .toBe(true);
    await outcome.click();
    await phone.getByRole('option', { name: 'Success' }).click();
    await phone.waitForURL((url) => url.searchParams.get('outcome') === 'success');
    await screenshot(phone, 'phone-audit-filters-open');
    await toggle.click();
    await expect.poll(() => outcome.isVisible()).toBe(false);
    await expect.poll(() => toggle.textContent()).toBe('Filters · 1');
    await phone.getByRole('button', { name: 'Clear' }).click();
    await phone.waitForURL((url) => !url.searchParams.has('outcome'));
    await expect.poll(() => toggle.textContent()).toBe('Filters');
  });

  it('on a phone a long team name ends in … and the header stays one line', async () => {
    const longName = 'Render Farm Europe — Frankfurt GPU Cluster';
    const renamed = await apiCall(owner, 'PATCH', `/api/v1/accounts/${accountId}`, {
      name: longName,
    });
    expect(renamed.status).toBe(200);
    await open(phone, '', (p) => p.getByRole('heading', { name: longName }));
    await expectHeaderOneLine(phone);
    // Its accessible name starts with what it shows, then says what it does.
    expect(
      await phone
        .getByRole('button', { name: new RegExp(`^${longName}\\s*, switch account$`) })
        .count(),
    ).toBe(1);
    await screenshot(phone, 'phone-long-team-name');
  });
});
