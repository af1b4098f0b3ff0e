// A Pod that stops on its own: the Pods page says when, and a Dev extends it by an hour.
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  apiCall,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

describe('Pods that stop on their own', () => {
  const e2e = useGantryAndBrowser();

  it('shows "stops in 1 h 20 min", a Dev extends it by an hour, and the Pod page says it all', async () => {
    const page = await signUpInNewPage(e2e, 'Dana Dev', uniqueEmail('dev'));
    const accountId = accountIdOf(page);
    const created = await apiCall(page, 'POST', `/api/v1/accounts/${accountId}/pods`, {
      name: 'timed',
      gpuType: 'a100-80gb',
      gpuCount: 1,
      templateId: 'hello-web',
      // A few seconds over 1 h 20 min, so the page says 1 h 20 min for a while.
      stopAfter: 'PT1H20M30S',
    });
    expect(created.status).toBe(201);
    await page.goto(`${e2e.gantry.url}/accounts/${accountId}/pods`);
    const row = page.locator('[data-testid="pod-row"][data-pod-name="timed"]');
    const note = row.getByTestId('pod-schedule').first();
    await expect.poll(() => note.textContent()).toBe('stops in 1 h 20 min');
    await row.getByTestId('pod-status').getByText('running').waitFor({ timeout: 30_000 });
    await screenshot(page, 'pods-stops-in');
    await row.getByRole('button', { name: 'More actions for timed' }).click();
    await page.getByRole('menuitem', { name: 'Extend by 1 hour' }).click();
    await expect.poll(() => note.textContent()).toBe('stops in 2 h 20 min');
    const pod = await apiCall(page, 'GET', `/api/v1/accounts/${accountId}/pods/${created.json.id}`);
    expect(Date.parse(String(pod.json.stopAt)) - Date.parse(String(created.json.stopAt))).toBe(
      3600_000,
    );

    // The Pod's own page: its facts, when it stops, its history and its logs.
    await row.getByRole('link', { name: 'timed' }).click();
    await page.waitForURL(new RegExp(`/pods/${created.json.id}$`));
    expect(await page.getByTestId('pod-detail-name').textContent()).toBe('timed');
    await expect.poll(() => page.getByTestId('pod-detail-status').textContent()).toBe('running');
    expect(await page.getByTestId('pod-detail-stop').textContent()).toMatch(/^in 2 h 20 min/);
    await page.getByTestId('pod-history').getByText('pod.create').waitFor();
    await page.getByTestId('pod-history').getByText('pod.update').first().waitFor();
    await page.getByTestId('pod-detail-logs').waitFor();
    await page.getByRole('button', { name: 'Connect' }).waitFor();
    await screenshot(page, 'pod-detail');
  });
});
