import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  apiCall,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

async function inviteToken(owner: Page, accountId: string, role: string): Promise<string> {
  const invite = await apiCall(owner, 'POST', `/api/v1/accounts/${accountId}/invites`, { role });
  expect(invite.status).toBe(201);
  return String(invite.json.url).split('/').at(-1) ?? '';
}

const rowTexts = (page: Page, testId: string) => page.getByTestId(testId).allTextContents();

describe('the Audit logs page', () => {
  const e2e = useGantryAndBrowser();

  it('an Admin filters by a user and an action, shares the URL, exports and verifies', async () => {
    const { gantry } = e2e;
    const owner = await signUpInNewPage(e2e, 'Alice Admin', uniqueEmail('alice'));
    const accountId = accountIdOf(owner);
    expect(accountId).not.toBe('');
    const base = `/api/v1/accounts/${accountId}`;
    expect(
      (await apiCall(owner, 'POST', `${base}/convert`, { teamName: 'Render Farm' })).status,
    ).toBe(200);

    // Bob (Admin) and Carol (Dev) join through invite links, each in their own browser.
    const bobEmail = uniqueEmail('bob');
    const carolEmail = uniqueEmail('carol');
    const bob = await signUpInNewPage(e2e, 'Bob Builder', bobEmail);
    const carol = await signUpInNewPage(e2e, 'Carol Coder', carolEmail);
    const bobToken = await inviteToken(owner, accountId, 'admin');
    const carolToken = await inviteToken(owner, accountId, 'dev');
    expect((await apiCall(bob, 'POST', `/api/v1/invites/${bobToken}/accept`)).status).toBe(200);
    expect((await apiCall(carol, 'POST', `/api/v1/invites/${carolToken}/accept`)).status).toBe(200);

    // Events by different people: renames by Alice and Bob, a refused rename by Carol,
    // a retention change by Bob.
    expect((await apiCall(owner, 'PATCH', base, { name: 'Render Farm EU' })).status).toBe(200);
    expect((await apiCall(bob, 'PATCH', base, { name: 'Render Farm West' })).status).toBe(200);
    expect((await apiCall(bob, 'PATCH', base, { name: 'Render Farm East' })).status).toBe(200);
    expect((await apiCall(carol, 'PATCH', base, { name: 'Carol was here' })).status).toBe(403);
    expect(
      (await apiCall(bob, 'PATCH', `${base}/audit-logs/settings`, { retentionDays: 400 })).status,
    ).toBe(200);

    // The Admin opens the page from the navigation: every event, newest first.
    await owner.goto(`${gantry.url}/accounts/${accountId}`);
    await owner.getByRole('link', { name: 'Audit logs', exact: true }).click();
    await owner.getByTestId('audit-row').first().waitFor();
    // Bob's retention (shorter than forever) is pending for 7 days, and the page says so.
    const pending = owner.getByTestId('audit-retention-pending');
    await pending.waitFor();
    expect(await pending.textContent()).toMatch(/A shorter retention of 400 days .* applies from/);
    expect(await owner.getByTestId('audit-retention').textContent()).toBe(
      'Events are kept forever.',
    );
    // Times read like everywhere else in the console (with seconds here): "Nov 28, 2026, 6:58:26 AM".
    for (const time of await rowTexts(owner, 'audit-row-time')) {
      expect(time).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M$/);
    }
    const allActions = await rowTexts(owner, 'audit-row-action');
    expect(allActions[0]).toBe('audit.settings_update');
    expect(allActions).toContain('account.convert');
    expect(allActions).toContain('invite.accept');

    // Filter: user Bob, action account.update → exactly Bob's two renames.
    await owner.getByRole('combobox', { name: 'User' }).click();
    await owner.getByRole('option', { name: bobEmail }).click();
    await expect.poll(() => owner.url()).toContain('userId=');
    const action = owner.getByRole('combobox', { name: 'Action' });
    await action.fill('account.update');
    await action.press('Enter');
    await expect.poll(() => owner.url()).toContain('action=account.update');
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(2);
    expect(await rowTexts(owner, 'audit-row-user')).toEqual([bobEmail, bobEmail]);
    expect(await rowTexts(owner, 'audit-row-action')).toEqual(['account.update', 'account.update']);
    await owner.getByTestId('audit-count').getByText('2 events shown').waitFor();
    await screenshot(owner, 'audit-logs-filtered');

    // A prefix finds Carol's refused rename among every account.* event.
    const filteredUrl = owner.url();
    await owner.goto(
      `${gantry.url}/accounts/${accountId}/audit-logs?action=account.*&outcome=denied`,
    );
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(1);
    expect(await rowTexts(owner, 'audit-row-user')).toEqual([carolEmail]);

    // The shared URL reloads into the same view.
    await owner.goto(filteredUrl);
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(2);
    expect(await owner.getByRole('combobox', { name: 'User' }).inputValue()).toBe(bobEmail);
    expect(await owner.getByRole('combobox', { name: 'Action' }).inputValue()).toBe(
      'account.update',
    );

    // The detail drawer shows the event's JSON, with the before/after of the rename.
    await owner.getByTestId('audit-row').first().click();
    const json = owner.getByTestId('audit-event-json');
    await json.waitFor();
    const event = JSON.parse((await json.textContent()) ?? '{}');
    expect(event.action).toBe('account.update');
    expect(event.actor.email).toBe(bobEmail);
    expect(event.details.after.name).toBe('Render Farm East');
    await owner.waitForTimeout(400); // the drawer's slide-in transition
    await screenshot(owner, 'audit-logs-drawer');
    await owner.keyboard.press('Escape');

    // Export with the current filters: a download whose lines are the rows on screen.
    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('link', { name: 'Export JSON Lines' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-.*\.jsonl$/);
    const lines = readFileSync((await download.path()) ?? '', 'utf8')
      .trim()
      .split('\n');
    const exported = lines.map((line) => JSON.parse(line));
    expect(exported).toHaveLength(2);
    expect(exported.map((e) => [e.actor.email, e.action])).toEqual([
      [bobEmail, 'account.update'],
      [bobEmail, 'account.update'],
    ]);
    expect(exported.map((e) => e.details.after.name)).toEqual([
      'Render Farm East',
      'Render Farm West',
    ]);
    const [csv] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csvLines = readFileSync((await csv.path()) ?? '', 'utf8')
      .trim()
      .split('\r\n');
    expect(csvLines).toHaveLength(3);
    expect(
      csvLines.slice(1).every((l) => l.includes(bobEmail) && l.includes('account.update')),
    ).toBe(true);

    // Integrity: the chain verifies.
    await owner.getByRole('button', { name: 'Verify integrity' }).click();
    await expect
      .poll(() => owner.getByTestId('verify-result').textContent())
      .toContain('Integrity verified');

    // A Dev has no Audit logs entry, and the page says so.
    await carol.goto(`${gantry.url}/accounts/${accountId}`);
    await carol.getByRole('link', { name: 'Dashboard' }).waitFor();
    expect(await carol.locator('nav a').allTextContents()).not.toContain('Audit logs');
    await carol.goto(`${gantry.url}/accounts/${accountId}/audit-logs`);
    await expect.poll(() => carol.getByText('does not include the audit log').count()).toBe(1);
  });

  it('the Action and Resource ID filters apply while typing, once, without an error on the way', async () => {
    const { gantry } = e2e;
    const owner = await signUpInNewPage(e2e, 'Tess Typer', uniqueEmail('tess'));
    const accountId = accountIdOf(owner);
    const base = `/api/v1/accounts/${accountId}`;
    expect(
      (await apiCall(owner, 'POST', `${base}/convert`, { teamName: 'Typing Team' })).status,
    ).toBe(200);
    for (const name of ['Typing Team A', 'Typing Team B', 'Typing Team C']) {
      expect((await apiCall(owner, 'PATCH', base, { name })).status).toBe(200);
    }
    const invite = await apiCall(owner, 'POST', `${base}/invites`, { role: 'dev' });
    expect(invite.status).toBe(201);
    const inviteId = String(invite.json.id);

    await owner.goto(`${gantry.url}/accounts/${accountId}/audit-logs`);
    await owner.getByTestId('audit-row').first().waitFor();
    const everything = await owner.getByTestId('audit-row').count();
    expect(everything).toBeGreaterThan(4);

    // Every request for the list, and whether an error ever showed (even for a moment).
    const listRequests: string[] = [];
    owner.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === `${base}/audit-logs`) listRequests.push(url.search);
    });
    await owner.evaluate(() => {
      const seen = window as unknown as { errorsSeen: string[] };
      seen.errorsSeen = [];
      const look = () => {
        for (const element of document.querySelectorAll('[aria-invalid="true"], [role="alert"]')) {
          seen.errorsSeen.push(element.outerHTML.slice(0, 200));
        }
      };
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
      });
    });
    const errorsSeen = () =>
      owner.evaluate(() => (window as unknown as { errorsSeen: string[] }).errorsSeen);

    // Typing an action, key by key and no Enter: the list narrows to it, once typing stops.
    const action = owner.getByRole('combobox', { name: 'Action' });
    await action.click();
    await action.pressSequentially('account.update', { delay: 40 });
    await expect.poll(() => owner.url()).toContain('action=account.update');
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(3);
    expect(await rowTexts(owner, 'audit-row-action')).toEqual([
      'account.update',
      'account.update',
      'account.update',
    ]);
    // Not a request per keystroke, none for a half-typed action (`account`, `account.up`: they
    // would match nothing, even if the machine paused mid-word), and no error on the way.
    expect(listRequests.length).toBeGreaterThanOrEqual(1);
    expect(listRequests.every((search) => search.includes('action=account.update'))).toBe(true);
    expect(await errorsSeen()).toEqual([]);
    // Still typing in the same field: the filter applying did not take the focus away.
    expect(await action.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await action.inputValue()).toBe('account.update');
    await screenshot(owner, 'audit-logs-typed-filter');

    // A pause on a half-typed action applies nothing: the list keeps the last filter.
    await action.fill('invite.cre');
    await owner.waitForTimeout(1000);
    expect(owner.url()).toContain('action=account.update');
    expect(await owner.getByTestId('audit-row').count()).toBe(3);
    expect(await errorsSeen()).toEqual([]);

    // What no more typing can fix says so once typing stops; the list keeps the last filter.
    await action.fill('account update');
    await owner.getByText('Letters, dots and underscores').waitFor();
    expect(await owner.getByTestId('audit-row').count()).toBe(3);

    // Clear filters empties the field too.
    await owner.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(everything);
    expect(await action.inputValue()).toBe('');
    expect(await owner.getByText('Letters, dots and underscores').count()).toBe(0);
    await owner.evaluate(() => {
      (window as unknown as { errorsSeen: string[] }).errorsSeen = [];
    });

    // A Resource ID, typed without Enter: the events of that invite.
    const resourceId = owner.getByRole('textbox', { name: 'Resource ID' });
    await resourceId.pressSequentially(inviteId, { delay: 10 });
    await expect.poll(() => owner.url()).toContain(`resourceId=${inviteId}`);
    await expect.poll(() => rowTexts(owner, 'audit-row-action')).toEqual(['invite.create']);

    // Enter still applies at once, without waiting for the pause.
    await resourceId.fill(accountId);
    await resourceId.press('Enter');
    expect(await owner.evaluate(() => window.location.search)).toContain(`resourceId=${accountId}`);
    await expect.poll(() => rowTexts(owner, 'audit-row-action')).toContain('account.convert');
    expect(await errorsSeen()).toEqual([]);

    // One history entry per edit of a field: Back undoes the whole edit, and the fields follow.
    await owner.goBack();
    await expect.poll(() => owner.url()).not.toContain('resourceId=');
    expect(await resourceId.inputValue()).toBe('');
    await owner.goBack();
    await expect.poll(() => action.inputValue()).toBe('account.update');
    await expect.poll(() => owner.getByTestId('audit-row').count()).toBe(3);
  });
});
