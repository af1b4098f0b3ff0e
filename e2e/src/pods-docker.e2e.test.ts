// The console with the docker runtime driver: a host registered with `gantry hosts add`, the
// Deploy dialog opened from the dashboard with its defaults and the GPU availability, connect,
// stop — real containers on the Docker Engine.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, signUpInNewPage, uniqueEmail, useGantryAndBrowser } from './harness.js';

const ROOT = join(import.meta.dirname, '../..');
const ENGINE = 'unix:///var/run/docker.sock';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['-H', ENGINE, 'version'], { stdio: 'ignore', timeout: 10_000 });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

const available = dockerAnswers();
if (!available) {
  const message = `docker e2e skipped: no Docker Engine on ${ENGINE} (or not root)`;
  if (process.env.REQUIRE_DOCKER === '1') throw new Error(`${message} (REQUIRE_DOCKER=1)`);
  console.warn(`WARNING: ${message}`);
}

function podRow(page: Page, name: string) {
  return page.locator(`[data-testid="pod-row"][data-pod-name="${name}"]`);
}

describe.skipIf(!available)('Pods in containers, in the console', () => {
  const e2e = useGantryAndBrowser({ GANTRY_RUNTIME: 'docker' });

  it('deploys with the defaults from the dashboard, shows the GPUs free, connects and stops', async () => {
    const { gantry } = e2e;
    // The operator registers this machine's engine as a host with two (declared) GPUs.
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'server/bin/gantry.mjs'),
        'hosts',
        'add',
        'e2e-host',
        '--engine',
        ENGINE,
        '--gpu',
        'NVIDIA RTX 4090:0,1',
      ],
      { env: { ...process.env, GANTRY_DATA_DIR: gantry.dataDir }, stdio: 'pipe' },
    );
    const page = await signUpInNewPage(e2e, 'Docker Person', uniqueEmail('docker'));
    await page.getByRole('link', { name: 'Deploy a Pod' }).click();
    await page.waitForURL(/\/pods$/);
    const dialog = page.getByRole('dialog');
    await expect
      .poll(() => dialog.getByLabel(/^Name/).inputValue())
      .toMatch(/^hello-web-[a-z]+-\d{4}$/);
    const name = await dialog.getByLabel(/^Name/).inputValue();
    // The only GPU type with room is preselected, and says how many are free.
    await expect
      .poll(() => dialog.getByPlaceholder('Pick a GPU').inputValue())
      .toContain('NVIDIA RTX 4090');
    await expect
      .poll(() => dialog.getByTestId('deploy-availability').textContent())
      .toContain('2 free now');
    await dialog.getByPlaceholder('Pick a GPU').click();
    const h100 = page.getByRole('option', { name: /H100.*none free now/ });
    expect(await h100.getAttribute('data-combobox-disabled')).toBe('true');
    await page.keyboard.press('Escape');
    await screenshot(page, 'pods-docker-deploy-defaults');
    await dialog.getByRole('button', { name: 'Deploy' }).click();

    const row = podRow(page, name);
    await expect
      .poll(() => row.getByTestId('pod-status').textContent(), { timeout: 60_000 })
      .toBe('running');
    // It is a container on the engine, named after the Pod.
    const podId = await row.getAttribute('data-pod-id');
    const containers = () =>
      execFileSync(
        'docker',
        [
          '-H',
          ENGINE,
          'ps',
          '--filter',
          `label=gantry.pod=${podId ?? 'none'}`,
          '--format',
          '{{.Names}}',
        ],
        { encoding: 'utf8' },
      ).trim();
    if (podId) expect(containers()).toBe(`gantry-pod-${podId}`);

    const popup = page.context().waitForEvent('page');
    await row.getByRole('button', { name: 'Connect' }).click();
    const app = await popup;
    await app.locator('#pod-name').waitFor();
    expect(await app.locator('#pod-name').textContent()).toBe(name);
    // On the console's origin a Pod page is sandboxed (an opaque origin): its own WebSocket is
    // refused, as in pods.e2e; a Pod origin of its own (GANTRY_CONNECT_URL) serves it fully.
    await app.getByRole('button', { name: 'Echo over WebSocket' }).click();
    await expect.poll(() => app.locator('#out').textContent()).toContain('(closed)');
    await app.close();

    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Stop' }).click();
    await expect
      .poll(() => row.getByTestId('pod-status').textContent(), { timeout: 30_000 })
      .toBe('exited');
    // The container really stops (the record moves first; the engine follows).
    await expect.poll(containers, { timeout: 30_000 }).toBe('');
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Terminate' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });
});
