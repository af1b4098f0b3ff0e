// The page-script attack on Connect, in Chromium: a Dev's Pod serves a page whose script tries
// to act as whoever opens it (an Admin invite and an API key through the console's API). The
// team's owner opens it, both with Pods on the console's origin (sandboxed) and on Pods'
// own origins (GANTRY_CONNECT_URL, `*.localhost` is loopback): nothing is created, no Pod
// cookie reaches the console, and a redirect out of the Pod is refused.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  accountIdOf,
  apiCall,
  type E2eSession,
  makeTeamDirectly,
  screenshot,
  signUpInNewPage,
  uniqueEmail,
  useGantryAndBrowser,
} from './harness.js';

const CATALOG = join(import.meta.dirname, '../fixtures/hostile-catalog.json');

/** A team (owner + Dev) and a running hostile Pod the Dev deployed; the owner's page. */
async function hostilePod(
  e2e: E2eSession,
): Promise<{ owner: Page; accountId: string; podId: string }> {
  const ownerEmail = uniqueEmail('owner');
  const devEmail = uniqueEmail('dev');
  const owner = await signUpInNewPage(e2e, 'Olive Owner', ownerEmail);
  const dev = await signUpInNewPage(e2e, 'Dave Dev', devEmail);
  const accountId = accountIdOf(owner);
  makeTeamDirectly(e2e.gantry, accountId, [[devEmail, 'dev']], 'Victim Team');
  const created = await apiCall(dev, 'POST', `/api/v1/accounts/${accountId}/pods`, {
    name: 'innocent',
    gpuType: 'a100-80gb',
    gpuCount: 1,
    templateId: 'hostile',
  });
  expect(created.status).toBe(201);
  const podId = String(created.json.id);
  await expect
    .poll(
      async () =>
        (await apiCall(dev, 'GET', `/api/v1/accounts/${accountId}/pods/${podId}`)).json.status,
      {
        timeout: 30_000,
      },
    )
    .toBe('running');
  await dev.context().close();
  return { owner, accountId, podId };
}

/** What the owner's account shows after the attack: no invite, no key, no such audit event. */
async function expectNothingCreated(owner: Page, accountId: string): Promise<void> {
  const invites = await apiCall(owner, 'GET', `/api/v1/accounts/${accountId}/invites`);
  expect(invites.status).toBe(200);
  expect(invites.json.items).toEqual([]);
  const keys = await apiCall(owner, 'GET', `/api/v1/accounts/${accountId}/api-keys`);
  expect(keys.json.items).toEqual([]);
  const audit = await apiCall(owner, 'GET', `/api/v1/accounts/${accountId}/audit-logs?limit=100`);
  const actions = (audit.json.items as Array<{ action: string }>).map((e) => e.action);
  expect(actions).not.toContain('invite.create');
  expect(actions).not.toContain('apikey.create');
}

/** Opens the Pod's page in a new tab of the owner's browser and waits for its script to finish. */
async function openAttack(owner: Page, url: string): Promise<{ tab: Page; results: string }> {
  const tab = await owner.context().newPage();
  await tab.goto(url);
  await tab.locator('body[data-done="1"]').waitFor({ timeout: 30_000 });
  return { tab, results: (await tab.locator('#result').textContent()) ?? '' };
}

/** The names of the cookies the browser would send to the console. */
async function consoleCookies(owner: Page, consoleUrl: string): Promise<string[]> {
  return (await owner.context().cookies(consoleUrl)).map((c) => c.name).sort();
}

describe('Connect on the console origin (sandboxed)', () => {
  const e2e = useGantryAndBrowser({ GANTRY_CATALOG: CATALOG });

  it("a Pod page's script cannot act as the owner who opens it, set cookies or leave the Pod", async () => {
    const { gantry } = e2e;
    const { owner, accountId, podId } = await hostilePod(e2e);
    const query = `?account=${accountId}&console=${encodeURIComponent(gantry.url)}`;
    const { tab, results } = await openAttack(owner, `${gantry.url}/pods/${podId}/8080/${query}`);
    await screenshot(tab, 'connect-sandboxed-attack');
    // The page runs in an opaque origin: no cookies, no storage, and the API refused it.
    const parsed = JSON.parse(results) as Record<string, string>;
    expect(parsed.cookie).toMatch(/^error/);
    expect(parsed.storage).toMatch(/^error/);
    for (const [name, outcome] of Object.entries(parsed)) {
      if (name.startsWith('invite') || name.startsWith('apikey')) {
        expect(outcome, name).not.toMatch(/^20/);
      }
    }
    await expectNothingCreated(owner, accountId);
    // No Pod cookie (nor a planted session) reaches the console.
    expect(await consoleCookies(owner, gantry.url)).toEqual(['gantry_session']);
    const session = (await owner.context().cookies(gantry.url)).find(
      (c) => c.name === 'gantry_session',
    );
    expect(session?.value).not.toBe('planted');

    // A redirect to //evil.test is refused; the browser stays with Gantry.
    const redirect = await tab.goto(`${gantry.url}/pods/${podId}/8080/redirect`);
    expect(redirect?.status()).toBe(502);
    expect(new URL(tab.url()).host).toBe(new URL(gantry.url).host);

    // Signing in with ?next= naming the Pod lands on the console, not on the Pod.
    const visitor = await owner.context().browser()?.newContext();
    const page = await visitor?.newPage();
    if (!page) throw new Error('no page');
    await page.goto(`${gantry.url}/signin?next=${encodeURIComponent(`/pods/${podId}/8080/`)}`);
    await page.getByLabel(/^Email/).waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    await visitor?.close();
  });
});

describe('Connect on Pod origins of their own (GANTRY_CONNECT_URL)', () => {
  const e2e = useGantryAndBrowser((port) => ({
    GANTRY_CATALOG: CATALOG,
    GANTRY_CONNECT_URL: `http://{pod}-{port}.connect.localhost:${port}`,
  }));

  it('a Pod page on its own origin cannot act as the owner, and its cookies stay there', async () => {
    const { gantry } = e2e;
    const { owner, accountId, podId } = await hostilePod(e2e);
    const podOrigin = `http://${podId}-8080.connect.localhost:${new URL(gantry.url).port}`;
    const query = `?account=${accountId}&console=${encodeURIComponent(gantry.url)}`;
    // Entering from the console: a handoff redirect, then the Pod's page on its own origin.
    const { tab, results } = await openAttack(owner, `${gantry.url}/pods/${podId}/8080/${query}`);
    await screenshot(tab, 'connect-origin-attack');
    expect(new URL(tab.url()).origin).toBe(podOrigin);
    expect(new URL(tab.url()).search).toBe(query);
    const parsed = JSON.parse(results) as Record<string, string>;
    // To its own origin the "API" is the Pod itself; to the console, the browser blocks it.
    expect(parsed['invite ']).toMatch(/^404/);
    expect(parsed[`invite ${gantry.url}`]).toMatch(/^error/);
    expect(parsed[`apikey ${gantry.url}`]).toMatch(/^error/);
    await expectNothingCreated(owner, accountId);

    // The Pod-origin cookie is host-only to the Pod origin; nothing of the Pod's reaches the console.
    const podCookies = await owner.context().cookies(podOrigin);
    const connect = podCookies.find((c) => c.name === 'gantry_connect');
    expect(connect?.domain).toBe(`${podId}-8080.connect.localhost`);
    expect(connect?.httpOnly).toBe(true);
    expect(podCookies.map((c) => c.name)).toContain('pod_cookie');
    expect(podCookies.map((c) => c.name)).not.toContain('pod_wide');
    expect(await consoleCookies(owner, gantry.url)).toEqual(['gantry_session']);

    // A well-behaved app works there in full: its page's WebSocket reaches the Pod.
    const hello = await apiCall(owner, 'POST', `/api/v1/accounts/${accountId}/pods`, {
      name: 'hello',
      gpuType: 'a100-80gb',
      gpuCount: 1,
      templateId: 'hello-web',
    });
    const helloId = String(hello.json.id);
    await expect
      .poll(
        async () =>
          (await apiCall(owner, 'GET', `/api/v1/accounts/${accountId}/pods/${helloId}`)).json
            .status,
        { timeout: 30_000 },
      )
      .toBe('running');
    const app = await owner.context().newPage();
    await app.goto(`${gantry.url}/pods/${helloId}/8080/`);
    await app.locator('#pod-name').waitFor();
    expect(new URL(app.url()).host).toBe(
      `${helloId}-8080.connect.localhost:${new URL(gantry.url).port}`,
    );
    await app.getByRole('button', { name: 'Echo over WebSocket' }).click();
    await expect.poll(() => app.locator('#out').textContent()).toContain('echo: ping');

    // Without a Pod-origin cookie, a browser there gets a page that sends it to the console.
    const stranger = await owner.context().browser()?.newContext();
    const page = await stranger?.newPage();
    if (!page) throw new Error('no page');
    const direct = await page.goto(`${podOrigin}/`);
    expect(direct?.status()).toBe(401);
    await page.getByText('Open this Pod from the Gantry console').waitFor();
    await stranger?.close();
  });
});
