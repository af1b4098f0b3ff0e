import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  newContext,
  newPage,
  type RunningGantry,
  screenshot,
  signUpInBrowser,
  signUpInNewPage,
  submitSignUp,
  uniqueEmail,
  useGantryAndBrowser,
  withDatabase,
} from './harness.js';

/** Moves an invite's expiry into the past, straight in the server's SQLite file. */
function expireInvite(gantry: RunningGantry, url: string) {
  const token = url.split('/invite/')[1] ?? '';
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  const changed = withDatabase(
    gantry,
    (db) =>
      db
        .prepare('update invites set expires_at = ? where token_hash = ?')
        .run(new Date(Date.now() - 60_000).toISOString(), hash).changes,
  );
  expect(changed).toBe(1);
}

/** Creates an invite through Invite New Member and returns the link the dialog shows. */
async function createInvite(
  page: Page,
  role: string,
  shot?: string,
  options: { email?: string; uses?: number } = {},
): Promise<string> {
  await page.getByRole('button', { name: 'Invite New Member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite New Member' });
  // A click while the dialog is still opening can be lost (seen once in CI under load): click
  // until the role is the one picked.
  const radio = dialog.getByRole('radio', { name: role, exact: true });
  await expect
    .poll(async () => {
      if (!(await radio.isChecked())) await radio.click();
      return radio.isChecked();
    })
    .toBe(true);
  if (options.email) await dialog.getByLabel(/^Email/).fill(options.email);
  if (options.uses) await dialog.getByLabel(/^Number of uses/).fill(String(options.uses));
  if (shot) await screenshot(page, shot);
  await dialog.getByRole('button', { name: 'Create invite' }).click();
  const link = await dialog.getByLabel('Invite link').inputValue();
  if (shot) await screenshot(page, `${shot}-created`);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  return link;
}

function inviteRow(page: Page, url: string) {
  return page.locator(`[data-testid="invite-row"][data-invite-url="${url}"]`);
}

function memberRow(page: Page, email: string) {
  return page.locator(`[data-testid="member-row"][data-member-email="${email}"]`);
}

describe('Manage accounts: Convert to Team Account, Invite New Member, Join Team', () => {
  // No mail here: the operator verifies addresses by hand, so invites may be bound to one.
  const e2e = useGantryAndBrowser({ GANTRY_MANUAL_EMAIL_VERIFICATION: '1' });

  it("runs the seed page's whole flow in two browsers", async () => {
    const { gantry, browser } = e2e;
    const ownerEmail = uniqueEmail('alice');
    const memberEmail = uniqueEmail('bob');

    // A signs up and converts the personal account from the dashboard.
    const ownerContext = await newContext(browser);
    await ownerContext.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: gantry.url,
    });
    const a = await ownerContext.newPage();
    await signUpInBrowser(a, gantry.url, 'Alice Owner', ownerEmail);
    // Her own personal account: she is its Owner (not "admin") in the switcher.
    await a.getByTestId('account-switcher').click();
    await expect
      .poll(() => a.getByRole('menu').getByTestId('account-switcher-role').allTextContents())
      .toEqual(['Owner']);
    await a.keyboard.press('Escape');
    expect(await a.getByRole('link', { name: 'Team', exact: true }).count()).toBe(0);
    await a.getByRole('button', { name: 'Convert to Team Account' }).waitFor();
    await screenshot(a, 'teams-dashboard-convert');
    await a.getByRole('button', { name: 'Convert to Team Account' }).click();
    const convert = a.getByRole('dialog', { name: 'Convert to Team Account' });
    await expect.poll(() => convert.textContent()).toContain('one-way');
    await convert.getByLabel(/^Team name/).fill('  Acme ML  ');
    await screenshot(a, 'teams-convert-dialog');
    await convert.getByRole('button', { name: 'Convert' }).click();
    await expect.poll(() => a.getByTestId('account-kind').textContent()).toBe('Team account');
    await expect.poll(() => a.getByRole('heading', { level: 1 }).textContent()).toBe('Acme ML');
    expect(await a.getByRole('button', { name: 'Convert to Team Account' }).count()).toBe(0);
    await expect.poll(() => a.getByTestId('account-switcher').textContent()).toContain('Team');
    const accountId = new URL(a.url()).pathname.split('/')[2] ?? '';

    // The Team page: Invite New Member at the top of Members; a Dev invite and two more.
    await a.getByRole('link', { name: 'Team', exact: true }).click();
    await a.waitForURL(/\/team$/);
    await a.getByRole('heading', { name: 'Members' }).waitFor();
    const devLink = await createInvite(a, 'Dev', 'teams-invite-dialog');
    const spareLink = await createInvite(a, 'Basic');
    const expiringLink = await createInvite(a, 'Billing');
    expect(devLink).toMatch(new RegExp(`^${gantry.url}/invite/[A-Za-z0-9_-]{43}$`));

    // Copy the Dev link from the pending invites section.
    const pending = a.getByTestId('pending-invites');
    const devRow = inviteRow(a, devLink);
    await expect.poll(() => devRow.textContent()).toContain('Dev');
    expect(await devRow.textContent()).toContain('1 of 1');
    await devRow.getByRole('button', { name: 'Copy link' }).click();
    const copied = await a.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(devLink);
    expect(await pending.getByTestId('invite-row').count()).toBe(3);

    // B, in a second browser, opens the link signed out, signs up and comes back.
    const b = await newPage(browser);
    await b.goto(copied);
    await expect.poll(() => b.getByTestId('invite-team').textContent()).toBe('Acme ML');
    expect(await b.getByTestId('invite-role').textContent()).toBe('Dev');
    expect(await b.textContent('body')).toContain('Alice Owner invited you');
    expect(await b.getByRole('button', { name: 'Join Team' }).count()).toBe(0);
    await screenshot(b, 'teams-invite-signed-out');
    await b.getByRole('link', { name: 'Sign up' }).click();
    await b.waitForURL(/\/signup\?next=/);
    await submitSignUp(b, 'Bob Member', memberEmail);
    await b.waitForURL((url) => url.pathname === new URL(copied).pathname);
    const join = b.getByRole('button', { name: 'Join Team' });
    await join.waitFor();
    expect(await b.textContent('body')).toContain(memberEmail);
    await screenshot(b, 'teams-invite-join');
    await join.click();
    await b.waitForURL((url) => url.pathname === `/accounts/${accountId}`);
    await expect.poll(() => b.getByTestId('account-role').textContent()).toBe('dev');
    await b.getByTestId('account-switcher').click();
    const menu = b.getByRole('menu');
    await expect.poll(() => menu.textContent()).toContain('Acme ML');
    await expect.poll(() => menu.textContent()).toContain('Bob Member');
    const roles = await menu
      .getByRole('menuitem')
      .evaluateAll((items) => items.map((item) => item.textContent ?? ''));
    expect(roles.find((item) => item.includes('Acme ML'))).toContain('Dev');
    expect(roles.find((item) => item.includes('Bob Member'))).toContain('Owner');
    await b.keyboard.press('Escape');
    await b.goto(`${gantry.url}/accounts/${accountId}/pods`);
    await b.getByRole('button', { name: 'Deploy' }).waitFor();

    // A sees B in Members and makes them Basic; the used-up Dev invite left the pending list.
    await a.reload();
    const bRow = memberRow(a, memberEmail);
    await bRow.waitFor();
    expect(await bRow.getByLabel('Role of Bob Member').inputValue()).toBe('Dev');
    expect(await memberRow(a, ownerEmail).getByLabel('Role of Alice Owner').isDisabled()).toBe(
      true,
    );
    await expect.poll(() => pending.getByTestId('invite-row').count()).toBe(2);
    expect(await devRow.count()).toBe(0);
    await bRow.getByLabel('Role of Bob Member').click();
    await a.getByRole('option', { name: 'Basic' }).click();
    await expect.poll(() => bRow.getByLabel('Role of Bob Member').inputValue()).toBe('Basic');
    // Let the notification go before the screenshot.
    await expect
      .poll(() => a.locator('.mantine-Notification-root').count(), { timeout: 10_000 })
      .toBe(0);
    await screenshot(a, 'teams-team-page');

    // B's next page load reflects Basic: Pods without Deploy.
    await b.reload();
    await b.getByRole('heading', { name: 'Pods' }).waitFor();
    await expect.poll(() => b.getByText('No Pods yet.').count()).toBe(1);
    expect(await b.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
    await b.goto(`${gantry.url}/accounts/${accountId}/team`);
    // A Basic reads the member list (roles in words, no pickers) and sees who owns the team.
    await expect.poll(() => b.getByTestId('team-owner').textContent()).toContain('Owned by');
    await expect.poll(() => b.getByTestId('member-role-text').count()).toBeGreaterThan(1);
    expect(await b.getByTestId('member-role').count()).toBe(0);
    expect(await b.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect(await b.getByRole('button', { name: 'Invite New Member' }).count()).toBe(0);
    expect(await b.getByRole('button', { name: 'Leave team' }).count()).toBe(1);

    // A revokes a pending invite; revoked, expired, used-up and unknown links get clear pages.
    // Revoking asks first, like removing a member; Cancel keeps the invite.
    await inviteRow(a, spareLink).getByRole('button', { name: 'Revoke' }).click();
    const revoke = a.getByRole('dialog', { name: 'Revoke invite' });
    await revoke.getByText('Its link stops working at once').waitFor();
    await revoke.getByRole('button', { name: 'Cancel' }).click();
    await revoke.waitFor({ state: 'hidden' });
    expect(await inviteRow(a, spareLink).count()).toBe(1);
    await inviteRow(a, spareLink).getByRole('button', { name: 'Revoke' }).click();
    await screenshot(a, 'teams-revoke-invite');
    await revoke.getByRole('button', { name: 'Revoke invite' }).click();
    await expect.poll(() => inviteRow(a, spareLink).count()).toBe(0);
    expireInvite(gantry, expiringLink);
    const visitor = await newPage(browser);
    const pages: Array<[string, string]> = [
      [spareLink, 'This invite was revoked'],
      [expiringLink, 'This invite has expired'],
      [devLink, 'This invite has been used up'],
      [`${gantry.url}/invite/${'x'.repeat(43)}`, 'Invite not found'],
    ];
    for (const [link, title] of pages) {
      await visitor.goto(link);
      await expect.poll(() => visitor.getByTestId('invite-problem').textContent()).toContain(title);
    }
    await visitor.goto(spareLink);
    await visitor.getByTestId('invite-problem').waitFor();
    await screenshot(visitor, 'teams-invite-revoked');

    // A deletes the team with the typed confirmation; B loses access on the next request.
    await a.getByRole('button', { name: 'Delete Team' }).click();
    const confirm = a.getByRole('dialog', { name: 'Delete Team' });
    const deleteButton = confirm.getByRole('button', { name: 'Delete this team' });
    await confirm.getByLabel(/^Type .* to confirm/).fill('Acme');
    expect(await deleteButton.isDisabled()).toBe(true);
    await confirm.getByLabel(/^Type .* to confirm/).fill('Acme ML');
    await deleteButton.click();
    await a.waitForURL((url) => url.pathname === `/accounts/${accountId}`);
    await expect.poll(() => a.getByTestId('account-kind').textContent()).toBe('Personal account');
    expect(await a.getByRole('link', { name: 'Team', exact: true }).count()).toBe(0);
    // Named after her again, as her personal account was before the conversion.
    await expect
      .poll(() => a.getByTestId('account-switcher').textContent())
      .toContain('Alice Owner');
    expect(await a.getByTestId('account-switcher').textContent()).not.toContain('Acme ML');
    // B, still on the team's page, opens Pods: the 404 makes the console check the account
    // again, say it is gone and take B home, without a reload.
    await b.getByRole('link', { name: 'Pods', exact: true }).click();
    await b.waitForURL((url) => !url.pathname.startsWith(`/accounts/${accountId}`));
    await expect
      .poll(() => b.locator('.mantine-Notification-root').textContent())
      .toContain('you are no longer a member');
    await b.getByTestId('account-switcher').click();
    await expect.poll(() => b.getByRole('menu').textContent()).not.toContain('Acme ML');
  });

  it('Number of uses keeps what was typed: out of range or empty is refused, not rewritten', async () => {
    const owner = await signUpInNewPage(e2e, 'Uma Uses', uniqueEmail('uma'));
    await owner.getByRole('button', { name: 'Convert to Team Account' }).click();
    const convert = owner.getByRole('dialog', { name: 'Convert to Team Account' });
    await convert.getByLabel(/^Team name/).fill('Uses Lab');
    await convert.getByRole('button', { name: 'Convert' }).click();
    await owner.getByRole('link', { name: 'Team', exact: true }).click();
    await owner.getByRole('button', { name: 'Invite New Member' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Invite New Member' });
    const uses = dialog.getByLabel(/^Number of uses/);
    const create = dialog.getByRole('button', { name: 'Create invite' });

    // Typed key by key, 150 stays 150 (not 15) and says why it cannot be sent.
    await uses.fill('');
    await uses.pressSequentially('150');
    expect(await uses.inputValue()).toBe('150');
    await dialog.getByText('Enter a whole number from 1 to 100').waitFor();
    await create.click();
    // Still the form: nothing was created.
    expect(await dialog.getByTestId('invite-created').count()).toBe(0);
    await uses.blur();
    expect(await uses.inputValue()).toBe('150');

    // Emptied: not 1, but a request to fill it in.
    await uses.fill('');
    await create.click();
    await dialog.getByText('Enter how many people can join with this link').waitFor();
    expect(await uses.inputValue()).toBe('');
    expect(await dialog.getByTestId('invite-created').count()).toBe(0);

    await uses.pressSequentially('500');
    await dialog.getByText('Enter a whole number from 1 to 100').waitFor();
    await screenshot(owner, 'teams-invite-uses-error');
    await create.click();
    expect(await dialog.getByTestId('invite-created').count()).toBe(0);

    // 50 is what gets created.
    await uses.fill('');
    await uses.pressSequentially('50');
    expect(await dialog.getByText('Enter a whole number from 1 to 100').count()).toBe(0);
    await create.click();
    await expect
      .poll(() => dialog.getByTestId('invite-created').textContent())
      .toContain('works for 50 people');
    const link = await dialog.getByLabel('Invite link').inputValue();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect
      .poll(() => inviteRow(owner, link).getByTestId('invite-uses-left').textContent())
      .toBe('50 of 50');
    expect(await owner.getByTestId('invite-row').count()).toBe(1);
  });

  it('bound and reused links, transfer ownership and leaving the team', async () => {
    const owner = await signUpInNewPage(e2e, 'Olga Owner', uniqueEmail('olga'));
    await owner.getByRole('button', { name: 'Convert to Team Account' }).click();
    const convert = owner.getByRole('dialog', { name: 'Convert to Team Account' });
    await convert.getByLabel(/^Team name/).fill('Beta Lab');
    await convert.getByRole('button', { name: 'Convert' }).click();
    await owner.getByRole('link', { name: 'Team', exact: true }).click();
    const adminLink = await createInvite(owner, 'Admin', undefined, { uses: 3 });
    const boundLink = await createInvite(owner, 'Basic', undefined, {
      email: 'someone-else@example.com',
    });
    await expect
      .poll(() => inviteRow(owner, adminLink).getByTestId('invite-uses-left').textContent())
      .toBe('3 of 3');
    expect(await inviteRow(owner, boundLink).textContent()).toContain('someone-else@example.com');

    const people: Page[] = [];
    for (const [name, prefix] of [
      ['Pat Admin', 'pat'],
      ['Cam Admin', 'cam'],
    ] as const) {
      people.push(await signUpInNewPage(e2e, name, uniqueEmail(prefix)));
    }
    const [pat, cam] = people as [Page, Page];

    // A link bound to another email answers with its own clear page.
    await pat.goto(boundLink);
    await pat.getByRole('button', { name: 'Join Team' }).click();
    await expect
      .poll(() => pat.getByTestId('invite-problem').textContent())
      .toContain('This invite is for someone else');

    // Both join with the 3-use link; opening it again says "already a member".
    for (const page of [pat, cam]) {
      await page.goto(adminLink);
      await page.getByRole('button', { name: 'Join Team' }).click();
      await expect.poll(() => page.getByTestId('account-role').textContent()).toBe('admin');
    }
    const teamUrl = pat.url();
    await pat.goto(adminLink);
    await pat.getByRole('button', { name: 'Join Team' }).click();
    await expect
      .poll(() => pat.getByTestId('invite-problem').textContent())
      .toContain("You're already a member");
    await pat.getByRole('link', { name: 'Go to Beta Lab' }).click();
    await pat.waitForURL(teamUrl);

    // The owner hands the team to Pat; Olga stays as an Admin without Delete Team.
    await owner.reload();
    const patRow = owner.locator('[data-testid="member-row"]', { hasText: 'Pat Admin' });
    await patRow.getByRole('button', { name: 'Transfer ownership' }).click();
    await owner
      .getByRole('dialog', { name: 'Transfer ownership' })
      .getByRole('button', { name: 'Transfer ownership' })
      .click();
    await expect.poll(() => patRow.textContent()).toContain('Owner');
    await expect.poll(() => owner.getByRole('button', { name: 'Delete Team' }).count()).toBe(0);
    await expect
      .poll(() => owner.getByRole('button', { name: 'Transfer ownership' }).count())
      .toBe(0);

    // Cam, an Admin but not the owner, changing their own role is asked to confirm first.
    await cam.goto(`${teamUrl}/team`);
    const camRow = cam.locator('[data-testid="member-row"]', { hasText: 'Cam Admin' });
    const camRole = camRow.getByRole('combobox', { name: 'Role of Cam Admin' });
    const ownRole = cam.getByRole('dialog', { name: 'Change your own role' });
    await camRole.click();
    await cam.getByRole('option', { name: 'Dev' }).click();
    await ownRole.getByText('you cannot undo this yourself').waitFor();
    await screenshot(cam, 'teams-own-role-confirm');
    await ownRole.getByRole('button', { name: 'Cancel' }).click();
    await ownRole.waitFor({ state: 'hidden' });
    expect(await camRole.inputValue()).toBe('Admin');
    expect(await cam.getByTestId('member-row').count()).toBe(3);
    await camRole.click();
    await cam.getByRole('option', { name: 'Dev' }).click();
    await ownRole.getByRole('button', { name: 'Make me Dev' }).click();
    // Now a Dev: no more member management, so Leave team is at the top of the page.
    await expect.poll(() => cam.getByTestId('member-role').count()).toBe(0);
    await cam.getByRole('button', { name: 'Leave team' }).waitFor();
    await owner.reload();
    await expect
      .poll(() => owner.getByRole('combobox', { name: 'Role of Cam Admin' }).inputValue())
      .toBe('Dev');

    // Cam leaves and is back on their personal account.
    await cam.getByRole('button', { name: 'Leave team' }).click();
    await cam
      .getByRole('dialog', { name: 'Leave team' })
      .getByRole('button', { name: 'Leave team' })
      .click();
    await expect.poll(() => cam.getByTestId('account-kind').textContent()).toBe('Personal account');
    await owner.reload();
    await expect.poll(() => owner.locator('[data-testid="member-row"]').count()).toBe(2);
  });
});
