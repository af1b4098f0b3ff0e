// The web terminal in Chromium: a Dev opens Terminal on the Pods page, types `echo $POD_ID` and
// sees the Pod's id. `gantry serve` runs only the local driver here (the docker driver comes
// from another branch), so this test runs Gantry in-process with the built console and the
// local driver given the docker driver's terminal (docker-terminal.ts), into a real container
// named as the docker driver names the Pod's (a tiny imported image, no network).
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { newToken } from '../../server/src/lib/secrets.js';
import {
  dockerClient,
  dockerTerminalOpener,
} from '../../server/src/pods/runtime/docker-terminal.js';
import {
  dockerAvailable,
  importTinyImage,
  removeTestDocker,
  startPodContainer,
} from '../../server/src/pods/runtime/docker-test-helpers.js';
import { LocalDriver } from '../../server/src/pods/runtime/local-driver.js';
import { createGantry, type Gantry } from '../../server/src/server.js';
import {
  accountIdOf,
  apiCall,
  launchBrowser,
  screenshot,
  signUpInBrowser,
  uniqueEmail,
} from './harness.js';

const ROOT = join(import.meta.dirname, '../..');
const docker = dockerClient();
const available = await dockerAvailable(docker);
const IMAGE = `gantry-test-terminal:${newToken(6)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, 'x')}`;

/** The local driver, with the docker driver's terminal. */
class LocalDriverWithTerminal extends LocalDriver {
  openTerminal = dockerTerminalOpener(docker);
}

describe.skipIf(!available)('the web terminal', () => {
  let gantry: Gantry;
  let browser: Browser;
  let base: string;
  let dataDir: string;
  const podIds: string[] = [];
  beforeAll(async () => {
    importTinyImage(IMAGE);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-e2e-terminal-'));
    const config = loadConfig({
      GANTRY_DATA_DIR: dataDir,
      GANTRY_SECRET: newToken(32),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    });
    gantry = await createGantry(config, {
      webDir: join(ROOT, 'web/dist'),
      runtime: new LocalDriverWithTerminal({ dataDir, graceMs: 2000 }),
    });
    await gantry.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(gantry.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gantry?.close();
    await removeTestDocker(docker, IMAGE, podIds);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('types echo $POD_ID into the Pod and sees it', async () => {
    const page = await (
      await browser.newContext({ viewport: { width: 1280, height: 800 } })
    ).newPage();
    await signUpInBrowser(page, base, 'Tess Terminal', uniqueEmail('terminal'));
    const accountId = accountIdOf(page);
    const created = await apiCall(page, 'POST', `/api/v1/accounts/${accountId}/pods`, {
      name: 'shell',
      gpuType: 'a100-80gb',
      gpuCount: 1,
      templateId: 'hello-web',
    });
    const podId = String(created.json.id);
    podIds.push(podId);
    await startPodContainer(docker, IMAGE, podId);
    await page.goto(`${base}/accounts/${accountId}/pods`);
    const row = page.locator('[data-testid="pod-row"][data-pod-name="shell"]');
    await row.getByTestId('pod-status').getByText('running').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'More actions for shell' }).click();
    await page.getByRole('menuitem', { name: 'Terminal' }).click();
    const terminal = page.getByTestId('pod-terminal');
    await page.locator('[data-testid="pod-terminal"][data-state="open"]').waitFor();
    await terminal.click();
    await page.keyboard.type('echo "id=$POD_ID"');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => terminal.locator('.xterm-rows').textContent(), { timeout: 10_000 })
      .toContain(`id=${podId}`);
    await screenshot(page, 'pod-terminal');

    // Reconnect: a new shell in the same dialog.
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.locator('[data-testid="pod-terminal"][data-state="open"]').waitFor();
    await terminal.click();
    await page.keyboard.type('echo again');
    await page.keyboard.press('Enter');
    await expect.poll(() => terminal.locator('.xterm-rows').textContent()).toContain('again');

    // The session is in the audit log: start and end, no keystrokes.
    await page.keyboard.press('Escape');
    await expect
      .poll(async () => {
        const audit = await apiCall(
          page,
          'GET',
          `/api/v1/accounts/${accountId}/audit-logs?action=pod.terminal`,
        );
        return (audit.json.items as unknown[]).length;
      })
      .toBe(4);
    const audit = await apiCall(
      page,
      'GET',
      `/api/v1/accounts/${accountId}/audit-logs?action=pod.terminal`,
    );
    expect(JSON.stringify(audit.json)).not.toContain('echo');
  });
});
